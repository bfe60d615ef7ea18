import { makeStyles, tokens } from '@fluentui/react-components';

export const useRuleEditorStyles = makeStyles({
  root: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalM, maxWidth: '980px' },
  head: { display: 'grid', gridTemplateColumns: 'minmax(220px, 1fr) auto', gap: tokens.spacingHorizontalL, alignItems: 'end' },
  rows: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalM },
  bar: { display: 'flex', gap: tokens.spacingHorizontalS, alignItems: 'center', flexWrap: 'wrap' },
  status: { color: tokens.colorNeutralForeground3 },
});
