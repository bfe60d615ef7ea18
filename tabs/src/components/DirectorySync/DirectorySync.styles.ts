import { makeStyles, tokens } from '@fluentui/react-components';

export const useDirectorySyncStyles = makeStyles({
  root: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalS, maxWidth: '640px' },
  bar: { display: 'flex', gap: tokens.spacingHorizontalM, alignItems: 'center' },
});
