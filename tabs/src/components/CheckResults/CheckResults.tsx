import { Badge, Body1, Caption1, Text } from '@fluentui/react-components';
import type { CheckStatus, ConnectionCheck } from '../../api/types.ts';
import { useCheckResultsStyles } from './CheckResults.styles.ts';

const BADGE: Record<CheckStatus, { color: 'success' | 'danger' | 'warning' | 'informative'; text: string }> = {
  ok: { color: 'success', text: 'Passed' },
  failed: { color: 'danger', text: 'Failed' },
  warning: { color: 'warning', text: 'Warning' },
  skipped: { color: 'informative', text: 'Skipped' },
};

/** Test-connection results: one line per check, with what was found and how to fix a failure. */
export function CheckResults({ checks }: { checks: readonly ConnectionCheck[] }) {
  const styles = useCheckResultsStyles();
  return (
    <ul className={styles.list} aria-label="Connection checks">
      {checks.map((c) => (
        <li key={c.id} className={styles.item}>
          <Badge appearance="filled" color={BADGE[c.status].color}>
            {BADGE[c.status].text}
          </Badge>
          <div className={styles.body}>
            <Text weight="semibold">
              {c.side === 'azure' ? 'Azure' : 'CXone'}: {c.title}
            </Text>
            <Body1>{c.detail}</Body1>
            {c.fix ? <Caption1 className={styles.fix}>Fix: {c.fix}</Caption1> : null}
          </div>
        </li>
      ))}
    </ul>
  );
}
