import { makeStyles, tokens } from '@fluentui/react-components';

export const useErrorBarStyles = makeStyles({
  root: { marginBottom: tokens.spacingVerticalM },
  fields: { margin: 0, paddingLeft: tokens.spacingHorizontalXL },
});
