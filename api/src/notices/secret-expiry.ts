import { isNotNull } from 'drizzle-orm';
import type { Clock, NoticeSink } from '../domain/ports.ts';
import type { Logger } from '../logging.ts';
import type { Storage } from '../storage/db.ts';
import { connections } from '../storage/schema.ts';

const DAY = 86_400_000;

/**
 * The daily client-secret check: a connection whose Azure client secret expires within `warnDays`
 * raises a `secret_expiring` fault (deduplicated by the notifier); one whose secret was replaced
 * with a later expiry heals it. Returns how many connections are expiring.
 */
export async function checkSecretExpiry(deps: {
  storage: Storage;
  sink: NoticeSink;
  clock: Clock;
  warnDays?: number;
}): Promise<number> {
  const now = deps.clock.now();
  const warnMs = (deps.warnDays ?? 30) * DAY;
  const rows = await deps.storage.db
    .select({ id: connections.id, expiresAt: connections.azureClientSecretExpiresAt })
    .from(connections)
    .where(isNotNull(connections.azureClientSecretExpiresAt));
  let expiring = 0;
  for (const r of rows) {
    const expiresAt = r.expiresAt!.getTime();
    if (expiresAt - now <= warnMs) {
      expiring++;
      const days = Math.floor((expiresAt - now) / DAY);
      deps.sink.notify({
        kind: 'fault',
        connectionId: r.id,
        fault: 'secret_expiring',
        key: 'azure_client_secret',
        message:
          expiresAt <= now
            ? 'The Azure client secret has expired'
            : `The Azure client secret expires in ${days} day${days === 1 ? '' : 's'}`,
        details: { expiresAt: new Date(expiresAt).toISOString() },
        at: now,
      });
    } else {
      deps.sink.notify({
        kind: 'fault_healed',
        connectionId: r.id,
        fault: 'secret_expiring',
        key: 'azure_client_secret',
        at: now,
      });
    }
  }
  return expiring;
}

/** Runs the check now and then every `intervalMs` (default daily); `stop()` ends it. */
export function startSecretExpiryCheck(deps: {
  storage: Storage;
  sink: NoticeSink;
  clock: Clock;
  logger: Logger;
  intervalMs?: number;
  warnDays?: number;
}): { stop(): Promise<void> } {
  let running: Promise<unknown> = Promise.resolve();
  const run = () => {
    running = checkSecretExpiry(deps).catch((err: unknown) => deps.logger.error({ err }, 'client secret expiry check failed'));
  };
  const first = setTimeout(run, 0);
  const timer = setInterval(run, deps.intervalMs ?? DAY);
  first.unref();
  timer.unref();
  return {
    async stop() {
      clearTimeout(first);
      clearInterval(timer);
      await running;
    },
  };
}
