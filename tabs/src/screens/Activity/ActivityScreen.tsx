import { Button, Caption1, Field, Input, Select, Subtitle2, Switch } from '@fluentui/react-components';
import { useMemo, useState } from 'react';
import { FAILURE_REASONS, reasonText } from '../../activity/reasons.ts';
import { failuresByReason, hourly } from '../../activity/stats.ts';
import { listDecisions, recentDecisions } from '../../api/activity.ts';
import { useQuery } from '../../api/useQuery.ts';
import { useServices } from '../../app/services.tsx';
import { ActivityCharts } from '../../components/ActivityCharts/ActivityCharts.tsx';
import { DecisionFeed } from '../../components/DecisionFeed/DecisionFeed.tsx';
import { EmptyState } from '../../components/EmptyState/EmptyState.tsx';
import { ErrorBar } from '../../components/ErrorBar/ErrorBar.tsx';
import { LoadingSkeleton } from '../../components/LoadingSkeleton/LoadingSkeleton.tsx';
import { PageHeader } from '../../components/PageHeader/PageHeader.tsx';
import { UserDetailPanel } from '../../components/UserDetailPanel/UserDetailPanel.tsx';
import { REASON_CODES } from '../../domain.ts';
import { navigate, useSearchState } from '../../routing/router.ts';
import { useActivityStyles } from './ActivityScreen.styles.ts';

const LIVE_MS = 3000;

/** Activity: live decision feed (filter by agent/reason), a per-agent panel, and 24-hour charts. URL: ?agent=&reason=&detail= */
export function ActivityScreen() {
  const styles = useActivityStyles();
  const { api, connectionId } = useServices();
  const [params, setParams] = useSearchState();
  const agentFilter = params.get('agent') ?? '';
  const reason = params.get('reason') ?? '';
  const detail = params.get('detail');
  const [live, setLive] = useState(true);
  const [before, setBefore] = useState<number | undefined>(undefined);
  const [agentDraft, setAgentDraft] = useState(agentFilter);

  const feed = useQuery(
    connectionId ? `decisions:${connectionId}:${agentFilter}:${reason}:${before ?? ''}` : null,
    () =>
      listDecisions(api, connectionId!, { agentId: agentFilter || undefined, reason: reason || undefined, before, limit: 50 }),
    { pollMs: live && !before ? LIVE_MS : undefined },
  );
  const day = useQuery(connectionId ? `day:${connectionId}` : null, () => recentDecisions(api, connectionId!, Date.now()), {
    pollMs: 60_000,
  });
  const charts = useMemo(() => {
    const items = day.data?.items ?? [];
    return { hours: hourly(items, Date.now()), failures: failuresByReason(items) };
  }, [day.data]);

  if (!connectionId)
    return (
      <>
        <PageHeader title="Activity" />
        <EmptyState
          title="No connection yet"
          action={<Button onClick={() => navigate('connection')}>Set up the connection</Button>}
        >
          Decisions appear here once users are mapped and rules are assigned.
        </EmptyState>
      </>
    );

  return (
    <div className={styles.layout}>
      <PageHeader
        title="Activity"
        description="Every sync decision is recorded with its reason. Click an agent to see both sides' current state and their last decisions."
      />
      <section className={styles.section} aria-labelledby="charts-title">
        <Subtitle2 as="h2" id="charts-title">
          Last 24 hours
        </Subtitle2>
        <ErrorBar error={day.error} title="Could not load the charts" onRetry={day.reload} />
        {day.loading && !day.data ? (
          <LoadingSkeleton rows={3} label="Loading charts" />
        ) : (
          <ActivityCharts hours={charts.hours} failures={charts.failures} />
        )}
        {day.data?.truncated ? <Caption1>Charts show the latest 5,000 decisions.</Caption1> : null}
      </section>

      <section className={styles.section} aria-labelledby="feed-title">
        <Subtitle2 as="h2" id="feed-title">
          Decisions
        </Subtitle2>
        <form
          className={styles.filters}
          onSubmit={(e) => {
            e.preventDefault();
            setBefore(undefined);
            setParams({ agent: agentDraft.trim() || null });
          }}
        >
          <Field label="Agent id">
            <Input value={agentDraft} onChange={(_, d) => setAgentDraft(d.value)} placeholder="All agents" />
          </Field>
          <Button type="submit">Filter</Button>
          <Field label="Reason">
            <Select
              value={reason}
              onChange={(_, d) => {
                setBefore(undefined);
                setParams({ reason: d.value || null });
              }}
            >
              <option value="">All reasons</option>
              <optgroup label="Failures">
                {REASON_CODES.filter((r) => FAILURE_REASONS.has(r)).map((r) => (
                  <option key={r} value={r}>
                    {reasonText(r)}
                  </option>
                ))}
              </optgroup>
              <optgroup label="Other">
                {REASON_CODES.filter((r) => !FAILURE_REASONS.has(r)).map((r) => (
                  <option key={r} value={r}>
                    {reasonText(r)}
                  </option>
                ))}
              </optgroup>
            </Select>
          </Field>
          <Switch checked={live} onChange={(_, d) => setLive(d.checked)} label="Live" />
        </form>
        <ErrorBar error={feed.error} title="Could not load decisions" onRetry={feed.reload} />
        {feed.loading && !feed.data ? (
          <LoadingSkeleton rows={6} label="Loading decisions" />
        ) : feed.data && feed.data.items.length === 0 ? (
          <EmptyState title="No decisions yet">
            {agentFilter || reason
              ? 'Nothing matches these filters.'
              : 'Decisions appear as soon as a mapped agent changes state on either side.'}
          </EmptyState>
        ) : (
          <DecisionFeed items={feed.data?.items ?? []} onAgent={(id) => setParams({ detail: id }, { push: true })} />
        )}
        <div className={styles.pager}>
          {before ? <Button onClick={() => setBefore(undefined)}>Newest</Button> : null}
          {feed.data?.nextBefore ? <Button onClick={() => setBefore(feed.data!.nextBefore!)}>Older</Button> : null}
        </div>
      </section>
      {detail ? <UserDetailPanel agentId={detail} onClose={() => setParams({ detail: null })} /> : null}
    </div>
  );
}
