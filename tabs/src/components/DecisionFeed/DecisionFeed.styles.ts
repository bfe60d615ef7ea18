import { makeStyles, tokens } from '@fluentui/react-components';

export const useDecisionFeedStyles = makeStyles({
  reason: { display: 'inline-flex', alignItems: 'baseline', gap: tokens.spacingHorizontalS },
  dot: { width: '8px', height: '8px', borderRadius: tokens.borderRadiusCircular, flexShrink: 0, alignSelf: 'center' },
  success: { backgroundColor: tokens.colorPaletteGreenBackground3 },
  informative: { backgroundColor: tokens.colorNeutralForeground3 },
  warning: { backgroundColor: tokens.colorPaletteYellowBackground3 },
  danger: { backgroundColor: tokens.colorPaletteRedBackground3 },
  muted: { color: tokens.colorNeutralForeground3 },
  agent: {
    background: 'none',
    border: 'none',
    padding: 0,
    color: tokens.colorBrandForegroundLink,
    cursor: 'pointer',
    textDecorationLine: 'underline',
    fontSize: 'inherit',
    ':focus-visible': { outline: `${tokens.strokeWidthThick} solid ${tokens.colorStrokeFocus2}` },
  },
});
