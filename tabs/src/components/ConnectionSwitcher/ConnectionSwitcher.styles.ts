import { makeStyles } from '@fluentui/react-components';

export const useConnectionSwitcherStyles = makeStyles({
  root: { minWidth: '220px' },
});
