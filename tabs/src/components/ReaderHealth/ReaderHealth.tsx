import { Badge, Caption1, Field, ProgressBar, Text } from '@fluentui/react-components';
import type { ReaderStatus } from '../../api/watch.ts';
import { useReaderHealthStyles } from './ReaderHealth.styles.ts';

/** The app-only presence reader: is it running, how fast, how much of the Graph quota it uses. */
export function ReaderHealth({ reader, quota }: { reader: ReaderStatus | null; quota: { requests: number; windowMs: number } }) {
  const styles = useReaderHealthStyles();
  if (!reader?.running)
    return (
      <Badge appearance="tint" color="warning">
        Not running — it starts once the connection has mapped users
      </Badge>
    );
  const use = reader.cadence ? Math.min(1, reader.cadence.requestsPerWindow / quota.requests) : 0;
  const failing = (reader.errors?.consecutive ?? 0) > 0;
  return (
    <>
      <div>
        <Badge appearance="filled" color={failing ? 'danger' : 'success'}>
          {failing ? 'Failing' : 'Healthy'}
        </Badge>{' '}
        <Text>{reader.mode === 'healing' ? 'Healing mode (subscriptions lead)' : 'Primary watcher'}</Text>
      </div>
      <div className={styles.grid}>
        <div className={styles.stat}>
          <Caption1>Users read</Caption1>
          <span className={styles.value}>{reader.users ?? 0}</span>
        </div>
        <div className={styles.stat}>
          <Caption1>Every</Caption1>
          <span className={styles.value}>{reader.cadence ? `${(reader.cadence.intervalMs / 1000).toFixed(1)} s` : '—'}</span>
        </div>
        <div className={styles.stat}>
          <Caption1>Expected delay</Caption1>
          <span className={styles.value}>{reader.cadence ? `${(reader.cadence.expectedDelayMs / 1000).toFixed(1)} s` : '—'}</span>
        </div>
        <div className={styles.stat}>
          <Caption1>Changes seen</Caption1>
          <span className={styles.value}>{reader.changesEmitted ?? 0}</span>
        </div>
      </div>
      <Field
        label={`Graph quota used by reads: ${reader.cadence?.requestsPerWindow ?? 0} of ${quota.requests} requests per ${quota.windowMs / 1000} s`}
        validationState={use > 0.8 ? 'warning' : 'none'}
        validationMessage={use > 0.8 ? 'Reads use most of the quota: writes keep priority, reads slow down.' : undefined}
      >
        <ProgressBar value={use} max={1} aria-label="Graph quota use" />
      </Field>
      {reader.errors?.last ? (
        <Caption1>
          Last error ({new Date(reader.errors.last.at).toLocaleTimeString()}): {reader.errors.last.message}
        </Caption1>
      ) : null}
    </>
  );
}
