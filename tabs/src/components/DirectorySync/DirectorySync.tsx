import { Button, Caption1, Field, ProgressBar, Text } from '@fluentui/react-components';
import { useEffect, useRef, useState } from 'react';
import { ApiError, errorMessage } from '../../api/client.ts';
import { fetchJob, startDirectorySync } from '../../api/connections.ts';
import type { Job } from '../../api/types.ts';
import { useNotify, useServices } from '../../app/services.tsx';
import { ErrorBar } from '../ErrorBar/ErrorBar.tsx';
import { useDirectorySyncStyles } from './DirectorySync.styles.ts';

const PHASES = ['cxone_teams', 'cxone_agents', 'cxone_codes', 'teams_users', 'done'] as const;
const PHASE_TEXT: Record<string, string> = {
  queued: 'Waiting to start…',
  cxone_teams: 'Reading CXone teams…',
  cxone_agents: 'Reading CXone agents…',
  cxone_codes: 'Reading unavailable codes…',
  teams_users: 'Reading Teams (Entra) users…',
  done: 'Done',
};

export function jobFraction(job: Job): number {
  if (job.status === 'succeeded') return 1;
  const i = PHASES.indexOf((job.progress.phase ?? 'queued') as (typeof PHASES)[number]);
  return i < 0 ? 0 : i / (PHASES.length - 1);
}

/** Pulls both directories (CXone agents/teams/codes, Entra users) as a job, with live progress. */
export function DirectorySync({ onDone }: { onDone(): void }) {
  const styles = useDirectorySyncStyles();
  const { api, connectionId } = useServices();
  const notify = useNotify();
  const [job, setJob] = useState<Job | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const timer = useRef<number | undefined>(undefined);
  useEffect(() => () => window.clearTimeout(timer.current), []);

  const poll = (jobId: string) => {
    timer.current = window.setTimeout(async () => {
      try {
        const j = await fetchJob(api, connectionId!, jobId);
        setJob(j);
        if (j.status === 'succeeded') {
          notify('Directories synced', 'success', `${j.result?.agents ?? 0} agents, ${j.result?.users ?? 0} Teams users`);
          onDone();
        } else if (j.status === 'failed') notify('Directory sync failed', 'error', j.error ?? undefined);
        else poll(jobId);
      } catch (err) {
        setError(err instanceof ApiError ? err : new ApiError(0, 'client', errorMessage(err)));
      }
    }, 600);
  };
  const start = async () => {
    setError(null);
    try {
      const r = await startDirectorySync(api, connectionId!);
      setJob(r.job);
      poll(r.jobId);
    } catch (err) {
      setError(err instanceof ApiError ? err : new ApiError(0, 'client', errorMessage(err)));
    }
  };
  const running = job?.status === 'queued' || job?.status === 'running';
  const counts = job?.result ?? job?.progress;

  return (
    <div className={styles.root}>
      <div className={styles.bar}>
        <Button appearance="primary" onClick={() => void start()} disabled={running}>
          {running ? 'Syncing…' : 'Sync directories'}
        </Button>
        <Caption1>Reads CXone teams, agents and unavailable codes, and your Entra users.</Caption1>
      </div>
      <ErrorBar error={error} title="Directory sync could not run" />
      {job ? (
        <Field
          label="Directory sync"
          validationState={job.status === 'failed' ? 'error' : job.status === 'succeeded' ? 'success' : 'none'}
          validationMessage={
            job.status === 'failed' ? (job.error ?? 'failed') : (PHASE_TEXT[job.progress.phase ?? job.status] ?? job.status)
          }
        >
          <ProgressBar value={jobFraction(job)} max={1} thickness="large" aria-label="Directory sync progress" />
        </Field>
      ) : null}
      {counts ? (
        <Text>
          {counts.teams ?? 0} teams · {counts.agents ?? 0} agents · {counts.codes ?? 0} unavailable codes · {counts.users ?? 0}{' '}
          Teams users
        </Text>
      ) : null}
    </div>
  );
}
