import { makeStyles, tokens } from '@fluentui/react-components';

export const useRulePreviewStyles = makeStyles({
  root: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalM, maxWidth: '980px' },
  pick: {
    display: 'grid',
    gridTemplateColumns: 'minmax(220px, 1fr) minmax(260px, 2fr)',
    gap: tokens.spacingHorizontalM,
    alignItems: 'end',
  },
  muted: { color: tokens.colorNeutralForeground3 },
});
