import { Body1, Button, Caption1, Spinner, Subtitle2 } from '@fluentui/react-components';
import { useState } from 'react';
import { ApiError, errorMessage } from '../../api/client.ts';
import {
  type AutoMapResult,
  agentName,
  autoMap,
  confirmProposals,
  listMappings,
  type MappingStatus,
  setIncluded,
  unmap,
} from '../../api/mappings.ts';
import { useQuery } from '../../api/useQuery.ts';
import { useNotify, useServices } from '../../app/services.tsx';
import { DirectorySync } from '../../components/DirectorySync/DirectorySync.tsx';
import { EmptyState } from '../../components/EmptyState/EmptyState.tsx';
import { ErrorBar } from '../../components/ErrorBar/ErrorBar.tsx';
import { LoadingSkeleton } from '../../components/LoadingSkeleton/LoadingSkeleton.tsx';
import { MappingReview } from '../../components/MappingReview/MappingReview.tsx';
import { MappingTable } from '../../components/MappingTable/MappingTable.tsx';
import { PageHeader } from '../../components/PageHeader/PageHeader.tsx';
import { RemapDialog } from '../../components/RemapDialog/RemapDialog.tsx';
import { navigate, useSearchState } from '../../routing/router.ts';
import { useScreenStyles } from '../screen.styles.ts';

const PAGE_SIZE = 50;
const STATUSES: MappingStatus[] = ['all', 'mapped', 'unmapped', 'excluded', 'included'];

/** Users: directory sync, auto-map review, the agent list (search/filter/page), remap, include/exclude. URL: ?q=&status=&offset=&remap= */
export function UsersScreen() {
  const styles = useScreenStyles();
  const { api, connectionId } = useServices();
  const notify = useNotify();
  const [params, setParams] = useSearchState();
  const q = params.get('q') ?? '';
  const statusParam = params.get('status') as MappingStatus | null;
  const status = statusParam && STATUSES.includes(statusParam) ? statusParam : 'all';
  const offset = Math.max(0, Number(params.get('offset') ?? 0) || 0);
  const remapId = params.get('remap');

  const list = useQuery(connectionId ? `mappings:${connectionId}:${status}:${q}:${offset}` : null, () =>
    listMappings(api, connectionId!, { status, q: q || undefined, limit: PAGE_SIZE, offset }),
  );
  const [selected, setSelected] = useState<ReadonlySet<string>>(new Set());
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const [review, setReview] = useState<AutoMapResult | null>(null);
  const [mapping, setMapping] = useState(false);
  const [confirming, setConfirming] = useState(false);

  if (!connectionId)
    return (
      <>
        <PageHeader title="Users" />
        <EmptyState
          title="No connection yet"
          action={<Button onClick={() => navigate('connection')}>Set up the connection</Button>}
        >
          Connect Azure and CXone first; then sync both directories here.
        </EmptyState>
      </>
    );

  const run = async (what: () => Promise<unknown>, done: string) => {
    setBusy(true);
    setError(null);
    try {
      await what();
      notify(done);
      setSelected(new Set());
      list.reload();
    } catch (err) {
      setError(err instanceof ApiError ? err : new ApiError(0, 'client', errorMessage(err)));
    } finally {
      setBusy(false);
    }
  };
  const runAutoMap = async () => {
    setMapping(true);
    setError(null);
    try {
      setReview(await autoMap(api, connectionId, false));
    } catch (err) {
      setError(err instanceof ApiError ? err : new ApiError(0, 'client', errorMessage(err)));
    } finally {
      setMapping(false);
    }
  };
  const confirm = async (pairs: { agentId: string; userId: string }[]) => {
    setConfirming(true);
    setError(null);
    try {
      const r = await confirmProposals(api, connectionId, pairs);
      notify(`Confirmed ${r.confirmed} mapping${r.confirmed === 1 ? '' : 's'}`, 'success', 'They sync from now on.');
      setReview(null);
      list.reload();
    } catch (err) {
      setError(err instanceof ApiError ? err : new ApiError(0, 'client', errorMessage(err)));
    } finally {
      setConfirming(false);
    }
  };
  const remapItem = remapId ? list.data?.items.find((m) => m.agentId === remapId) : undefined;

  return (
    <div className={styles.layout}>
      <PageHeader
        title="Users"
        description="Pair each CXone agent with their Teams user. Auto-map proposes pairs by email, user name and display name; you confirm them, fix the unsure ones by hand, and choose who is included in sync."
      />
      <ErrorBar error={error} title="That did not work" />
      <section className={styles.section} aria-labelledby="sync-title">
        <Subtitle2 as="h2" id="sync-title">
          1. Sync directories
        </Subtitle2>
        <DirectorySync onDone={list.reload} />
      </section>

      <section className={styles.section} aria-labelledby="automap-title">
        <Subtitle2 as="h2" id="automap-title">
          2. Auto-map and review
        </Subtitle2>
        <div className={styles.bar}>
          <Button appearance="primary" onClick={() => void runAutoMap()} disabled={mapping}>
            {mapping ? <Spinner size="tiny" label="Matching…" /> : 'Auto-map unmapped agents'}
          </Button>
          {review ? (
            <Button appearance="subtle" onClick={() => setReview(null)}>
              Discard proposals
            </Button>
          ) : null}
          <Caption1>Nothing is saved until you confirm.</Caption1>
        </div>
        {review ? (
          review.proposals.length + review.unmatched.length === 0 ? (
            <Body1>Every active agent is already mapped.</Body1>
          ) : (
            <MappingReview
              key={review.proposals.length + review.unmatched.length}
              proposals={review.proposals}
              unmatched={review.unmatched}
              confirming={confirming}
              onConfirm={(pairs) => void confirm(pairs)}
              onRemap={(agentId) => setParams({ remap: agentId })}
            />
          )
        ) : null}
      </section>

      <section className={styles.section} aria-labelledby="list-title">
        <Subtitle2 as="h2" id="list-title">
          3. Agents
        </Subtitle2>
        <ErrorBar error={list.error} title="Could not load agents" onRetry={list.reload} />
        {list.loading && !list.data ? (
          <LoadingSkeleton rows={8} label="Loading agents" />
        ) : list.data && list.data.total === 0 && !q && status === 'all' ? (
          <EmptyState title="No agents yet">Sync the directories to bring in CXone agents and Teams users.</EmptyState>
        ) : (
          <MappingTable
            page={list.data}
            status={status}
            q={q}
            selected={selected}
            busy={busy}
            onFilter={(f) =>
              setParams({
                ...(f.q !== undefined ? { q: f.q } : {}),
                ...(f.status !== undefined ? { status: f.status === 'all' ? null : f.status } : {}),
                ...(f.offset !== undefined ? { offset: f.offset ? String(f.offset) : null } : {}),
              })
            }
            onSelect={setSelected}
            onRemap={(m) => setParams({ remap: m.agentId })}
            onUnmap={(m) => void run(() => unmap(api, connectionId, m.agentId), `Unmapped ${agentName(m)}`)}
            onInclude={(ids, included) =>
              void run(
                () => setIncluded(api, connectionId, ids, included),
                `${included ? 'Included' : 'Excluded'} ${ids.length} agent${ids.length === 1 ? '' : 's'}`,
              )
            }
          />
        )}
      </section>
      {remapId ? (
        <RemapDialog
          agentId={remapId}
          agentLabel={remapItem ? agentName(remapItem) : `agent ${remapId}`}
          onClose={() => setParams({ remap: null })}
          onSaved={() => {
            setParams({ remap: null });
            list.reload();
          }}
        />
      ) : null}
    </div>
  );
}
