import { randomUUID } from 'node:crypto';
import pg from 'pg';

/**
 * Which server processes still run, so a lease held by a killed process (kill -9, crash, OOM) is
 * taken over in seconds instead of after its TTL. Every lease holder id carries its process id.
 *
 * - PostgreSQL: each process keeps one session open with `application_name = presence-sync:<id>`;
 *   the server ends it the moment the process dies (its socket closes). A process is alive while that
 *   session shows in pg_stat_activity. Any doubt (the query fails) counts as alive: a lease then just
 *   waits out its TTL, as before. Behind a transaction-pooling proxy (PgBouncer) sessions do not map
 *   to processes, so there this always says alive (the application_name never shows) — safe, not fast.
 * - PGlite: the database lives inside one process, so every other process id is a dead one.
 */
export interface Liveness {
  readonly processId: string;
  /** False only when the process is known to be gone. */
  isAlive(processId: string): Promise<boolean>;
  close(): Promise<void>;
}

export const APP_NAME_PREFIX = 'presence-sync:';

export function embeddedLiveness(): Liveness {
  const processId = randomUUID();
  return { processId, isAlive: async (id) => id === processId, close: async () => {} };
}

export async function postgresLiveness(url: string, pool: pg.Pool): Promise<Liveness> {
  const processId = randomUUID();
  const appName = `${APP_NAME_PREFIX}${processId}`;
  let client: pg.Client | null = null;
  let closed = false;
  let delay = 100;
  let timer: NodeJS.Timeout | undefined;
  let seenAnyMarker = false;

  const connect = async (): Promise<void> => {
    const c = new pg.Client({ connectionString: url, application_name: appName });
    c.on('error', () => {}); // reported through 'end'
    c.on('end', () => {
      if (client === c) client = null;
      if (!closed) retry();
    });
    await c.connect();
    client = c;
    delay = 100;
  };
  // The database restarted or dropped us: come back quickly, or others may think we died.
  const retry = () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      if (closed) return;
      connect().catch(() => {
        delay = Math.min(2_000, delay * 2);
        retry();
      });
    }, delay);
    timer.unref();
  };
  await connect();

  return {
    processId,
    async isAlive(id) {
      if (id === processId) return true;
      try {
        const { rows } = await pool.query<{ mine: boolean; theirs: boolean }>(
          `select bool_or(application_name = $1) as mine, bool_or(application_name = $2) as theirs
             from pg_stat_activity where application_name in ($1, $2)`,
          [appName, `${APP_NAME_PREFIX}${id}`],
        );
        const r = rows[0];
        // If even our own marker is invisible (no rights on pg_stat_activity, or a pooling proxy),
        // the view tells nothing: assume alive.
        if (r?.mine) seenAnyMarker = true;
        if (!seenAnyMarker) return true;
        return r?.theirs === true;
      } catch {
        return true;
      }
    },
    async close() {
      closed = true;
      clearTimeout(timer);
      await client?.end().catch(() => {});
    },
  };
}
