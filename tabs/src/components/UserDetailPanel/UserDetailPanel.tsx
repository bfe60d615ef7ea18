import {
  Body1,
  Button,
  Caption1,
  DrawerBody,
  DrawerHeader,
  DrawerHeaderTitle,
  OverlayDrawer,
  Subtitle2,
  Text,
} from '@fluentui/react-components';
import { cxoneStateText, reasonText } from '../../activity/reasons.ts';
import { fetchStatus, listDecisions } from '../../api/activity.ts';
import { useQuery } from '../../api/useQuery.ts';
import { useServices } from '../../app/services.tsx';
import { pairLabel } from '../../rules/ruleDraft.ts';
import { actionText } from '../DecisionFeed/DecisionFeed.tsx';
import { ErrorBar } from '../ErrorBar/ErrorBar.tsx';
import { LoadingSkeleton } from '../LoadingSkeleton/LoadingSkeleton.tsx';
import { useUserDetailPanelStyles } from './UserDetailPanel.styles.ts';

const when = (iso: string | null) => (iso ? new Date(iso).toLocaleString() : 'never');

/** One agent: both sides' current state, what we set, the rule, and their last decisions. */
export function UserDetailPanel({ agentId, onClose }: { agentId: string; onClose(): void }) {
  const styles = useUserDetailPanelStyles();
  const { api, connectionId } = useServices();
  const status = useQuery(`status:${connectionId}:${agentId}`, () => fetchStatus(api, connectionId!, agentId), { pollMs: 5000 });
  const recent = useQuery(`recent:${connectionId}:${agentId}`, () => listDecisions(api, connectionId!, { agentId, limit: 10 }), {
    pollMs: 5000,
  });
  const s = status.data;
  const cx = s?.cxone.current;
  return (
    <OverlayDrawer open position="end" size="medium" onOpenChange={(_, d) => !d.open && onClose()}>
      <DrawerHeader>
        <DrawerHeaderTitle
          action={
            <Button appearance="subtle" onClick={onClose} aria-label="Close">
              Close
            </Button>
          }
        >
          {s?.agent.name || `Agent ${agentId}`}
        </DrawerHeaderTitle>
      </DrawerHeader>
      <DrawerBody className={styles.body}>
        <ErrorBar error={status.error ?? recent.error} title="Could not load this agent" onRetry={status.reload} />
        {!s ? (
          <LoadingSkeleton rows={4} label="Loading the agent" />
        ) : (
          <>
            <Body1>
              {s.mapping
                ? `Mapped to ${s.mapping.displayName ?? s.mapping.userPrincipalName} (${s.mapping.userPrincipalName ?? s.mapping.userId})`
                : 'Not mapped'}
              {s.mapping && !s.mapping.included ? ' — excluded from sync' : ''}. Rule:{' '}
              {s.rule ? `${s.rule.name} (via ${s.rule.via})` : 'none'}.
            </Body1>
            <div className={styles.sides}>
              <section className={styles.side} aria-label="CXone side">
                <Subtitle2 as="h3">CXone</Subtitle2>
                <Text>
                  {cx
                    ? `${cxoneStateText(cx.state)}${cx.outStateName ? `: ${cx.outStateName}` : ''}${cx.isAcw ? ' (after-call work)' : ''}`
                    : 'unknown'}
                </Text>
                <Caption1 className={styles.muted}>seen {when(s.cxone.seenAt)}</Caption1>
              </section>
              <section className={styles.side} aria-label="Teams side">
                <Subtitle2 as="h3">Teams</Subtitle2>
                <Text>{s.teams.current ? pairLabel(s.teams.current) : 'unknown'}</Text>
                <Caption1 className={styles.muted}>seen {when(s.teams.seenAt)}</Caption1>
              </section>
            </div>
            <Body1>
              Last result: <b>{reasonText(s.lastReason)}</b> ({when(s.lastSyncAt)})
            </Body1>
            <Subtitle2 as="h3">Last decisions</Subtitle2>
            {recent.data && recent.data.items.length > 0 ? (
              <ol className={styles.list}>
                {recent.data.items.map((d) => (
                  <li key={d.id}>
                    <Text>
                      {new Date(d.at).toLocaleTimeString()} — {reasonText(d.reason)}
                    </Text>
                    {d.actions.length ? <Caption1 block>{d.actions.map(actionText).join('; ')}</Caption1> : null}
                  </li>
                ))}
              </ol>
            ) : (
              <Caption1>No decisions yet.</Caption1>
            )}
          </>
        )}
      </DrawerBody>
    </OverlayDrawer>
  );
}
