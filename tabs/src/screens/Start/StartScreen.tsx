import { Badge, Body1, Button, mergeClasses, Subtitle2, Text } from '@fluentui/react-components';
import type { Connection } from '../../api/types.ts';
import type { Query } from '../../api/useQuery.ts';
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

export function setupSteps(connection: Connection | undefined): Step[] {
  const connected = !!connection && connection.azure.clientSecret.set && connection.cxone.accessKeySecret.set;
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
      text: 'Sync both directories, let auto-map pair CXone agents with Teams users, review the unsure ones and confirm.',
      done: null,
      action: 'Map users',
    },
    {
      page: 'rules',
      title: 'Write rules',
      text: 'Say which CXone state shows as which Teams presence (and back), then assign rules to teams or people.',
      done: null,
      action: 'Open rules',
    },
    {
      page: 'watching',
      title: 'Choose how Teams presence is watched',
      text: 'The app-only reader works with no extra accounts; subscriptions need owner accounts that sign in with MFA.',
      done: null,
      action: 'Presence watching',
    },
    {
      page: 'activity',
      title: 'Watch it work',
      text: 'Every decision is recorded with a reason in plain words; charts show changes, failures and delay.',
      done: null,
      action: 'Open activity',
    },
  ];
}

/** The guided start: what to do, in order, and what is already done. */
export function StartScreen({ connections }: { connections: Query<Connection[]> }) {
  const styles = useStartStyles();
  const steps = setupSteps(connections.data?.[0]);
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
    </>
  );
}
