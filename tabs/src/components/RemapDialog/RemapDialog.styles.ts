import { makeStyles, tokens } from '@fluentui/react-components';

export const useRemapDialogStyles = makeStyles({
  list: {
    listStyleType: 'none',
    margin: 0,
    padding: 0,
    maxHeight: '320px',
    overflowY: 'auto',
    display: 'flex',
    flexDirection: 'column',
    gap: tokens.spacingVerticalXS,
  },
  body: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalM },
});
