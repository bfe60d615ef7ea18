import { Body1, Button, MessageBar, MessageBarBody, Radio, RadioGroup, Subtitle2, Text } from '@fluentui/react-components';
import { useState } from 'react';
import { ApiError, errorMessage } from '../../api/client.ts';
import { updateConnection } from '../../api/connections.ts';
import type { Connection } from '../../api/types.ts';
import type { Query } from '../../api/useQuery.ts';
import { useQuery } from '../../api/useQuery.ts';
import { fetchCoverage, fetchPlan, fetchWatchStatus, readNow, renewNow, replan } from '../../api/watch.ts';
import { useNotify, useServices } from '../../app/services.tsx';
import { EmptyState } from '../../components/EmptyState/EmptyState.tsx';
import { ErrorBar } from '../../components/ErrorBar/ErrorBar.tsx';
import { LoadingSkeleton } from '../../components/LoadingSkeleton/LoadingSkeleton.tsx';
import { OwnersPanel } from '../../components/OwnersPanel/OwnersPanel.tsx';
import { PageHeader } from '../../components/PageHeader/PageHeader.tsx';
import { ReaderHealth } from '../../components/ReaderHealth/ReaderHealth.tsx';
import { SubscriptionTable } from '../../components/SubscriptionTable/SubscriptionTable.tsx';
import { navigate } from '../../routing/router.ts';
import { useScreenStyles } from '../screen.styles.ts';

const POLL_MS = 5000;

/** Presence watching: the app-only reader, subscription owners, the plan, and each subscription's health. */
export function WatchingScreen({ connections, onChanged }: { connections: Query<Connection[]>; onChanged(): void }) {
  const styles = useScreenStyles();
  const { api, connectionId } = useServices();
  const notify = useNotify();
  const key = connectionId ? `watch:${connectionId}` : null;
  const status = useQuery(key, () => fetchWatchStatus(api, connectionId!), { pollMs: POLL_MS });
  const coverage = useQuery(key && `${key}:coverage`, () => fetchCoverage(api, connectionId!), { pollMs: POLL_MS });
  const plan = useQuery(key && `${key}:plan`, () => fetchPlan(api, connectionId!), { pollMs: 15_000 });
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const connection = connections.data?.find((c) => c.id === connectionId);

  if (!connectionId || !connection)
    return (
      <>
        <PageHeader title="Presence watching" />
        <EmptyState
          title="No connection yet"
          action={<Button onClick={() => navigate('connection')}>Set up the connection</Button>}
        >
          Watching Teams presence needs a connected Azure app.
        </EmptyState>
      </>
    );

  const act = async (what: () => Promise<unknown>, done: string) => {
    setBusy(true);
    setError(null);
    try {
      await what();
      notify(done);
      status.reload();
      coverage.reload();
      plan.reload();
    } catch (err) {
      setError(err instanceof ApiError ? err : new ApiError(0, 'client', errorMessage(err)));
    } finally {
      setBusy(false);
    }
  };
  /** Renews one or every subscription; each result is reported (a refused renewal is a warning, not a success). */
  const renew = async (id?: string) => {
    setBusy(true);
    setError(null);
    try {
      const { results } = await renewNow(api, connectionId, id);
      const bad = results.filter((r) => r.result !== 'renewed');
      if (bad.length === 0) notify(results.length === 1 ? 'Subscription renewed' : `Renewed ${results.length} subscriptions`);
      else
        notify(
          'Renewal failed',
          'error',
          `${bad.length} of ${results.length}: ${[...new Set(bad.map((r) => r.result))].join(', ')}. See the error in the table.`,
        );
      coverage.reload();
      status.reload();
    } catch (err) {
      setError(err instanceof ApiError ? err : new ApiError(0, 'client', errorMessage(err)));
    } finally {
      setBusy(false);
    }
  };
  const mode = connection.options.presenceWatch;
  const setMode = (m: 'reader' | 'subscriptions') =>
    void act(
      async () => {
        await updateConnection(api, connectionId, { options: { presenceWatch: m } });
        onChanged();
      },
      m === 'reader' ? 'Using the app-only reader' : 'Using subscriptions (the reader keeps healing)',
    );

  return (
    <div className={styles.layout}>
      <PageHeader
        title="Presence watching"
        description="How Presence Sync sees Teams presence changes (Teams → CXone). The app-only reader needs no extra accounts; subscriptions are optional and need signed-in owner accounts."
      />
      <ErrorBar error={error} title="That did not work" />
      <section className={styles.section} aria-labelledby="mode-title">
        <Subtitle2 as="h2" id="mode-title">
          Mode
        </Subtitle2>
        <RadioGroup
          value={mode}
          onChange={(_, d) => setMode(d.value as 'reader' | 'subscriptions')}
          disabled={busy}
          aria-labelledby="mode-title"
        >
          <Radio
            value="reader"
            label="App-only presence reader (recommended): batched reads, typically 1–3 s, no extra accounts"
          />
          <Radio
            value="subscriptions"
            label="Subscriptions: change notifications through owner accounts; the reader keeps running slowly to heal"
          />
        </RadioGroup>
      </section>

      <section className={styles.section} aria-labelledby="reader-title">
        <div className={styles.bar}>
          <Subtitle2 as="h2" id="reader-title">
            Presence reader
          </Subtitle2>
          <Button size="small" disabled={busy} onClick={() => void act(() => readNow(api, connectionId), 'Read everyone now')}>
            Read now
          </Button>
        </div>
        <ErrorBar error={status.error} title="Could not load the watcher's status" onRetry={status.reload} />
        {status.loading && !status.data ? (
          <LoadingSkeleton rows={3} label="Loading the reader" />
        ) : status.data ? (
          <ReaderHealth reader={status.data.reader} quota={connection.options.graphQuota} />
        ) : null}
      </section>

      <section className={styles.section} aria-labelledby="owners-title">
        <Subtitle2 as="h2" id="owners-title">
          Subscription owners
        </Subtitle2>
        <OwnersPanel onChanged={() => void plan.reload()} />
      </section>

      <section className={styles.section} aria-labelledby="subs-title">
        <div className={styles.bar}>
          <Subtitle2 as="h2" id="subs-title">
            Subscriptions
          </Subtitle2>
          <Button
            size="small"
            disabled={busy}
            onClick={() => void act(() => replan(api, connectionId), 'Subscriptions re-planned')}
          >
            Re-plan now
          </Button>
          <Button size="small" disabled={busy} onClick={() => void renew()}>
            Renew all now
          </Button>
        </div>
        {plan.data ? (
          <Body1>
            Plan: {plan.data.users} users in {plan.data.groups.length} group{plan.data.groups.length === 1 ? '' : 's'} of at most{' '}
            {plan.data.groupSize}; owners needed {plan.data.ownersNeeded}, available {plan.data.ownersAvailable}.
          </Body1>
        ) : null}
        {plan.data && plan.data.ownersMissing > 0 && mode === 'subscriptions' ? (
          <MessageBar intent="warning">
            <MessageBarBody>
              {plan.data.ownersMissing} more owner account{plan.data.ownersMissing === 1 ? ' is' : 's are'} needed:{' '}
              {plan.data.uncoveredUsers} users have no subscription (the reader still sees them).
            </MessageBarBody>
          </MessageBar>
        ) : null}
        <ErrorBar error={coverage.error ?? plan.error} title="Could not load subscriptions" onRetry={coverage.reload} />
        {coverage.loading && !coverage.data ? (
          <LoadingSkeleton rows={3} label="Loading subscriptions" />
        ) : coverage.data && coverage.data.subscriptions.length > 0 ? (
          <>
            <Text>
              Covered: {coverage.data.coveredUsers} of {coverage.data.mappedUsers} mapped users.
            </Text>
            <SubscriptionTable items={coverage.data.subscriptions} busy={busy} onRenew={(id) => void renew(id)} />
          </>
        ) : (
          <EmptyState title="No subscriptions">
            {mode === 'subscriptions'
              ? 'Add owner accounts; subscriptions are created for them automatically.'
              : 'The reader is watching presence; subscriptions are off.'}
          </EmptyState>
        )}
      </section>
    </div>
  );
}
