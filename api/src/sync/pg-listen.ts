import pg from 'pg';
import type { Logger } from '../logging.ts';

/**
 * One PostgreSQL session that LISTENs on a channel, for wake-ups between replicas. It reconnects by
 * itself (100 ms doubling to 2 s) after a database restart or a dropped session, and says so through
 * `onConnect`, since notifications sent while it was away are gone: the caller looks for missed work
 * then. Never throws into the caller; `connected()` tells whether wake-ups can be relied on right now.
 */
export interface ChannelListener {
  connected(): boolean;
  close(): Promise<void>;
}

export interface ChannelListenerOptions {
  url: string;
  /** A plain identifier (it is not quoted). */
  channel: string;
  onNotify(payload: string): void;
  /** After every (re)connection, once LISTEN is in place. */
  onConnect?(): void;
  logger: Logger;
  /** Shown in pg_stat_activity. */
  applicationName?: string;
}

export function listenChannel(o: ChannelListenerOptions): ChannelListener {
  if (!/^[a-z_][a-z0-9_]*$/.test(o.channel)) throw new TypeError(`channel: not a plain identifier: ${o.channel}`);
  const log = o.logger.child({ component: 'pg-listen', channel: o.channel });
  let client: pg.Client | null = null;
  let closed = false;
  let delay = 100;
  let timer: NodeJS.Timeout | undefined;
  let failures = 0;

  const connect = async (): Promise<void> => {
    const c = new pg.Client({ connectionString: o.url, application_name: o.applicationName ?? 'presence-sync-listen' });
    c.on('error', () => {}); // reported through 'end'
    c.on('notification', (n) => {
      if (n.channel === o.channel) o.onNotify(n.payload ?? '');
    });
    c.on('end', () => {
      if (client !== c) return;
      client = null;
      if (!closed) {
        log.warn('listening session lost; reconnecting (polling meanwhile)');
        retry();
      }
    });
    try {
      await c.connect();
      await c.query(`listen ${o.channel}`);
    } catch (err) {
      await c.end().catch(() => {});
      throw err;
    }
    if (closed) {
      await c.end().catch(() => {});
      return;
    }
    client = c;
    delay = 100;
    if (failures > 0) log.info('listening again');
    failures = 0;
    o.onConnect?.();
  };

  const retry = () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      if (closed) return;
      connect().catch((err: unknown) => {
        if (failures++ === 0) log.warn({ err: (err as Error).message }, 'cannot listen; retrying (polling meanwhile)');
        delay = Math.min(2_000, Math.max(100, delay * 2));
        retry();
      });
    }, delay);
    timer.unref();
  };

  // The first attempt at once; start-up never waits for it (the caller polls until it is in place).
  delay = 0;
  retry();

  return {
    connected: () => client !== null,
    async close() {
      closed = true;
      clearTimeout(timer);
      const c = client;
      client = null;
      await c?.end().catch(() => {});
    },
  };
}
