import { makeStyles, tokens } from '@fluentui/react-components';

export const useSubscriptionTableStyles = makeStyles({
  error: { color: tokens.colorNeutralForeground1 },
  muted: { color: tokens.colorNeutralForeground3 },
});
