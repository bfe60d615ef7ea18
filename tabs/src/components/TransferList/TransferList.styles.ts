import { makeStyles, tokens } from '@fluentui/react-components';

export const useTransferListStyles = makeStyles({
  root: { display: 'grid', gridTemplateColumns: '1fr auto 1fr', gap: tokens.spacingHorizontalM, alignItems: 'stretch' },
  pane: {
    display: 'flex',
    flexDirection: 'column',
    gap: tokens.spacingVerticalS,
    padding: tokens.spacingVerticalS,
    border: `${tokens.strokeWidthThin} solid ${tokens.colorNeutralStroke2}`,
    borderRadius: tokens.borderRadiusMedium,
    backgroundColor: tokens.colorNeutralBackground1,
    minWidth: 0,
  },
  column: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalS, minWidth: 0 },
  list: { listStyleType: 'none', margin: 0, padding: 0, maxHeight: '280px', overflowY: 'auto' },
  note: { color: tokens.colorNeutralForeground3, marginLeft: tokens.spacingHorizontalXS },
  moves: { display: 'flex', flexDirection: 'column', justifyContent: 'center', gap: tokens.spacingVerticalS },
});
