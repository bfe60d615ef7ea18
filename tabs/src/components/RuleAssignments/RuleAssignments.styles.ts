import { makeStyles, tokens } from '@fluentui/react-components';

export const useRuleAssignmentsStyles = makeStyles({
  root: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalL, maxWidth: '980px' },
});
