import { makeStyles, tokens } from '@fluentui/react-components';

export const usePageHeaderStyles = makeStyles({
  root: {
    display: 'flex',
    alignItems: 'flex-start',
    justifyContent: 'space-between',
    gap: tokens.spacingHorizontalL,
    marginBottom: tokens.spacingVerticalL,
    flexWrap: 'wrap',
  },
  text: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalXS, maxWidth: '760px' },
  actions: { display: 'flex', gap: tokens.spacingHorizontalS, alignItems: 'center' },
});
