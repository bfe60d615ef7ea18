import { makeStyles, tokens } from '@fluentui/react-components';

export const useRulesStyles = makeStyles({
  layout: { display: 'grid', gridTemplateColumns: '260px 1fr', gap: tokens.spacingHorizontalXL, alignItems: 'start' },
  side: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalM },
  main: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalM, minWidth: 0 },
  bar: { display: 'flex', gap: tokens.spacingHorizontalS, alignItems: 'center' },
});
