import { makeStyles, tokens } from '@fluentui/react-components';

export const useDecisionFeedStyles = makeStyles({
  reason: { height: 'auto', minHeight: '20px', whiteSpace: 'normal', textAlign: 'left', paddingTop: '2px', paddingBottom: '2px' },
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
