import { makeStyles, tokens } from '@fluentui/react-components';

export const useSecretFieldStyles = makeStyles({
  state: { display: 'flex', alignItems: 'center', gap: tokens.spacingHorizontalS, marginTop: tokens.spacingVerticalXXS },
});
