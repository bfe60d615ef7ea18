import { makeStyles, tokens } from '@fluentui/react-components';

export const useAzureSetupGuideStyles = makeStyles({
  steps: {
    margin: 0,
    paddingLeft: tokens.spacingHorizontalXL,
    display: 'flex',
    flexDirection: 'column',
    gap: tokens.spacingVerticalS,
  },
  code: { fontFamily: tokens.fontFamilyMonospace },
  table: { marginTop: tokens.spacingVerticalS, marginBottom: tokens.spacingVerticalS },
});
