import { Badge, Body1, Button, mergeClasses, Subtitle2, Text } from '@fluentui/react-components';
import { listDecisions } from '../../api/activity.ts';
import { type ApiClient, errorMessage } from '../../api/client.ts';
import { listMappings } from '../../api/mappings.ts';
import { listAssignments, listRules } from '../../api/rules.ts';
import type { Connection } from '../../api/types.ts';
import type { Query } from '../../api/useQuery.ts';
import { useQuery } from '../../api/useQuery.ts';
import { fetchWatchStatus } from '../../api/watch.ts';
import { useServices } from '../../app/services.tsx';
import { ErrorBar } from '../../components/ErrorBar/ErrorBar.tsx';
import { LoadingSkeleton } from '../../components/LoadingSkeleton/LoadingSkeleton.tsx';
import { PageHeader } from '../../components/PageHeader/PageHeader.tsx';
import { navigate, type PageId } from '../../routing/router.ts';
import { useStartStyles } from './StartScreen.styles.ts';

interface Step {
  page: PageId;
  title: string;
  text: string;
  done: boolean | null;
  action: string;
}

/** What the checklist knows about the current connection (null = not known yet). */
export interface SetupFacts {
  agents: number | null;
  mapped: number | null;
  rules: number | null;
  assignedOrDefault: boolean | null;
  watcherRunning: boolean | null;
  decisions: number | null;
  /** Why some facts are unknown (shown under the checklist). */
  problems?: string[];
}

const UNKNOWN: SetupFacts = {
  agents: null,
  mapped: null,
  rules: null,
  assignedOrDefault: null,
  watcherRunning: null,
  decisions: null,
};

export function setupSteps(connection: Connection | undefined, facts: SetupFacts = UNKNOWN): Step[] {
  const connected = !!connection && connection.azure.clientSecret.set && connection.cxone.accessKeySecret.set;
  const known = (v: boolean | null) => (connection ? v : false);
  return [
    {
      page: 'connection',
      title: 'Connect Azure and CXone',
      text: 'Register the Azure app with the presence permissions, grant admin consent, add the CXone access key, then test.',
      done: connected,
      action: connected ? 'Review connection' : 'Connect',
    },
    {
      page: 'users',
      title: 'Map users',
      text:
        facts.mapped !== null && facts.agents !== null && facts.agents > 0
          ? `${facts.mapped} of ${facts.agents} CXone agents are mapped to Teams users.`
          : 'Sync both directories, let auto-map pair CXone agents with Teams users, review the unsure ones and confirm.',
      done: known(facts.mapped === null ? null : facts.mapped > 0),
      action: 'Map users',
    },
    {
      page: 'rules',
      title: 'Write rules',
      text:
        facts.rules !== null && facts.rules > 0
          ? `${facts.rules} rule${facts.rules === 1 ? '' : 's'}${facts.assignedOrDefault ? ', assigned or default' : ', not assigned yet: assign one to a team or make it the default'}.`
          : 'Say which CXone state shows as which Teams presence (and back), then assign rules to teams or people.',
      done: known(facts.rules === null || facts.assignedOrDefault === null ? null : facts.rules > 0 && facts.assignedOrDefault),
      action: 'Open rules',
    },
    {
      page: 'watching',
      title: 'Choose how Teams presence is watched',
      text: 'The app-only reader works with no extra accounts; subscriptions need owner accounts that sign in with MFA.',
      done: known(facts.watcherRunning),
      action: 'Presence watching',
    },
    {
      page: 'activity',
      title: 'Watch it work',
      text:
        facts.decisions !== null && facts.decisions > 0
          ? 'Decisions are being recorded: see what happened and why.'
          : 'Every decision is recorded with a reason in plain words; charts show changes, failures and delay.',
      done: known(facts.decisions === null ? null : facts.decisions > 0),
      action: 'Open activity',
    },
  ];
}

/** Each fact on its own: one failing call leaves that step unknown instead of hiding the checklist. */
async function loadFacts(api: ApiClient, id: string): Promise<SetupFacts> {
  const problems: string[] = [];
  const settle = async <T,>(p: Promise<T>): Promise<T | null> =>
    p.then(
      (v) => v,
      (err: unknown) => {
        problems.push(errorMessage(err));
        return null;
      },
    );
  const [all, mapped, rules, assignments, watch, decisions] = await Promise.all([
    settle(listMappings(api, id, { status: 'all', limit: 1 })),
    settle(listMappings(api, id, { status: 'mapped', limit: 1 })),
    settle(listRules(api, id)),
    settle(listAssignments(api, id)),
    settle(fetchWatchStatus(api, id)),
    settle(listDecisions(api, id, { limit: 1 })),
  ]);
  return {
    agents: all?.total ?? null,
    mapped: mapped?.total ?? null,
    rules: rules?.length ?? null,
    assignedOrDefault: rules && assignments ? rules.some((r) => r.isDefault) || assignments.length > 0 : null,
    watcherRunning: watch
      ? !!watch.reader?.running || (watch.subscriptions?.subscriptions.some((s) => s.status === 'active') ?? false)
      : null,
    decisions: decisions?.items.length ?? null,
    problems,
  };
}

/** The guided start: what to do, in order, and what is already done. */
export function StartScreen({ connections }: { connections: Query<Connection[]> }) {
  const styles = useStartStyles();
  const { api, connectionId } = useServices();
  const connection = connections.data?.find((c) => c.id === connectionId);
  const facts = useQuery(connection ? `setup:${connection.id}` : null, () => loadFacts(api, connection!.id));
  const steps = setupSteps(connection, facts.data);
  return (
    <>
      <PageHeader
        title="Get started"
        description="Presence Sync keeps each agent's NICE CXone state and Microsoft Teams presence in step, both ways, by your rules. Five steps set it up."
      />
      <ErrorBar error={connections.error} title="Could not load connections" onRetry={connections.reload} />
      {connections.loading && !connections.data ? (
        <LoadingSkeleton rows={5} label="Loading setup status" />
      ) : (
        <ol className={styles.steps} aria-label="Setup steps">
          {steps.map((s, i) => (
            <li key={s.page} className={styles.step}>
              <span className={mergeClasses(styles.number, s.done === true && styles.done)} aria-hidden="true">
                {s.done ? '✓' : i + 1}
              </span>
              <div className={styles.text}>
                <Subtitle2 as="h2">
                  {s.title}{' '}
                  {s.done === true ? (
                    <Badge appearance="tint" color="success">
                      Done
                    </Badge>
                  ) : s.done === false ? (
                    <Badge appearance="tint" color="warning">
                      To do
                    </Badge>
                  ) : null}
                </Subtitle2>
                <Body1>{s.text}</Body1>
              </div>
              <Button appearance={s.done === false ? 'primary' : 'secondary'} onClick={() => navigate(s.page)}>
                {s.action}
              </Button>
            </li>
          ))}
        </ol>
      )}
      {connections.data && connections.data.length === 0 ? <Text>No connection yet: start with step 1.</Text> : null}
      {facts.data?.problems?.length ? (
        <Text role="status">Some steps show no status: {[...new Set(facts.data.problems)].join(' ')}</Text>
      ) : null}
    </>
  );
}
