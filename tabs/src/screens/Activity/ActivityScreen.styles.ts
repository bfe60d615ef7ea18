import { makeStyles, tokens } from '@fluentui/react-components';
import { sectionCard } from '../screen.styles.ts';

export const useActivityStyles = makeStyles({
  layout: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalL },
  filters: { display: 'flex', gap: tokens.spacingHorizontalM, alignItems: 'end', flexWrap: 'wrap' },
  section: sectionCard,
  pager: { display: 'flex', gap: tokens.spacingHorizontalS },
});
