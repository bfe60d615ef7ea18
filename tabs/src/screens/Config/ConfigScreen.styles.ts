import { makeStyles, tokens } from '@fluentui/react-components';

export const useConfigStyles = makeStyles({
  root: {
    padding: tokens.spacingVerticalXL,
    maxWidth: '560px',
    display: 'flex',
    flexDirection: 'column',
    gap: tokens.spacingVerticalM,
  },
  preview: { fontFamily: tokens.fontFamilyMonospace, fontSize: tokens.fontSizeBase200, wordBreak: 'break-all' },
});
