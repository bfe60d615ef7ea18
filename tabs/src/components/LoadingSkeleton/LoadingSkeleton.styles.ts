import { makeStyles, tokens } from '@fluentui/react-components';

export const useLoadingSkeletonStyles = makeStyles({
  root: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalM, maxWidth: '720px' },
  row: { display: 'grid', gridTemplateColumns: '2fr 3fr 1fr', gap: tokens.spacingHorizontalM },
});
