import { makeStyles, tokens } from '@fluentui/react-components';

export const useReaderHealthStyles = makeStyles({
  grid: { display: 'grid', gridTemplateColumns: 'repeat(auto-fit, minmax(170px, 1fr))', gap: tokens.spacingHorizontalM },
  stat: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalXXS },
  value: { fontSize: tokens.fontSizeBase500, fontWeight: tokens.fontWeightSemibold },
});
