import {
  Badge,
  Button,
  Caption1,
  Table,
  TableBody,
  TableCell,
  TableHeader,
  TableHeaderCell,
  TableRow,
} from '@fluentui/react-components';
import type { SubscriptionView } from '../../api/watch.ts';
import { Countdown } from '../Countdown/Countdown.tsx';
import { useSubscriptionTableStyles } from './SubscriptionTable.styles.ts';

function health(s: SubscriptionView): { text: string; color: 'success' | 'warning' | 'danger' | 'informative' } {
  if (s.status === 'failed' || s.lastError) return { text: 'Failing', color: 'danger' };
  if (s.suspectSince) return { text: 'Silent', color: 'warning' };
  if (s.status === 'active') return { text: 'Active', color: 'success' };
  return { text: s.status === 'planned' ? 'Planned' : s.status, color: 'informative' };
}

/** Each subscription: coverage, owner, expiry countdown, health, last error, renew now. */
export function SubscriptionTable({
  items,
  busy,
  onRenew,
}: {
  items: readonly SubscriptionView[];
  busy: boolean;
  onRenew(id: string): void;
}) {
  const styles = useSubscriptionTableStyles();
  return (
    <Table size="small" aria-label="Presence subscriptions">
      <TableHeader>
        <TableRow>
          <TableHeaderCell>Group</TableHeaderCell>
          <TableHeaderCell>Users</TableHeaderCell>
          <TableHeaderCell>Owner</TableHeaderCell>
          <TableHeaderCell>Health</TableHeaderCell>
          <TableHeaderCell>Expires</TableHeaderCell>
          <TableHeaderCell>Last notification</TableHeaderCell>
          <TableHeaderCell>Actions</TableHeaderCell>
        </TableRow>
      </TableHeader>
      <TableBody>
        {items.map((s) => {
          const h = health(s);
          return (
            <TableRow key={s.id}>
              <TableCell>#{s.groupIndex + 1}</TableCell>
              <TableCell>{s.users}</TableCell>
              <TableCell>{s.ownerUpn ?? <span className={styles.muted}>no owner</span>}</TableCell>
              <TableCell>
                <Badge appearance="tint" color={h.color}>
                  {h.text}
                </Badge>
                {s.lastError ? (
                  <Caption1 block className={styles.error}>
                    Last error: {s.lastError}
                    {s.lastErrorAt ? ` (${new Date(s.lastErrorAt).toLocaleTimeString()})` : ''}
                  </Caption1>
                ) : null}
              </TableCell>
              <TableCell>
                {s.expiresInMs === null ? '—' : <Countdown key={`${s.id}:${s.expiresAt}`} remainingMs={s.expiresInMs} />}
              </TableCell>
              <TableCell>{s.lastNotificationAt ? new Date(s.lastNotificationAt).toLocaleTimeString() : '—'}</TableCell>
              <TableCell>
                <Button
                  size="small"
                  disabled={busy || !s.graphSubscriptionId}
                  onClick={() => onRenew(s.id)}
                  aria-label={`Renew now: subscription ${s.groupIndex + 1}`}
                >
                  Renew now
                </Button>
              </TableCell>
            </TableRow>
          );
        })}
      </TableBody>
    </Table>
  );
}
