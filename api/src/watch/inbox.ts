import { sql } from 'drizzle-orm';
import type { Clock, SyncEventSink } from '../domain/ports.ts';
import type { TeamsPresence } from '../domain/presence.ts';
import type { Logger } from '../logging.ts';
import type { Db } from '../storage/db.ts';
import type { CertStore } from './certs.ts';
import { createInlineDecryptor, type DecryptJob, type Decryptor } from './decrypt.ts';
import { unpackInboxPayload } from './inbox-batch.ts';
import { compareSequence, type PresenceLedger, type SeenPresence } from './ledger.ts';
import type { EncryptedContent } from './notification-crypto.ts';
import type { PresenceSeenStore } from './presence-store.ts';
import type { LifecycleItem } from './subscriptions.ts';
import type { ValidationTokenVerifier } from './validation-tokens.ts';

/**
 * The inbox worker: claims persisted webhook rows (FOR UPDATE SKIP LOCKED, so replicas share the
 * work; a row holds one POST's notifications for a connection, see inbox-batch.ts), verifies each
 * row's validation tokens once, checks the HMAC and decrypts resource data (all of a claim in one
 * call to the Decryptor, which may run on another thread), then feeds presences through the shared
 * ledger in sequence order — duplicates and reordered deliveries are harmless. What fails
 * verification is rejected (the row keeps the reason) without touching any state.
 */
export interface InboxWorkerDeps {
  db: Db;
  certs: CertStore;
  /** null → validation tokens are not checked (only for a deployment that cannot reach the JWKS). */
  verifier: ValidationTokenVerifier | null;
  /** The connection's Azure app client id (validation token audience). */
  appClientId(connectionId: string): Promise<string>;
  ledger(connectionId: string): Promise<PresenceLedger>;
  store: PresenceSeenStore;
  sink: SyncEventSink;
  lifecycle(connectionId: string, item: LifecycleItem): Promise<string>;
  notificationsArrived(graphSubscriptionIds: readonly string[], at: number): Promise<void>;
  /** A notification without resource data: read these users now. */
  readUsers?(connectionId: string, userIds: readonly string[]): void;
  clock: Clock;
  logger: Logger;
  /** Where RSA/AES decryption runs (default: on this thread, in slices). */
  decryptor?: Decryptor;
  /** Rows claimed per pass (default 50; a row holds up to one POST's notifications). */
  batchSize?: number;
  /**
   * Woken passes start at least this far apart (default 50 ms). A notification after a quiet spell
   * is processed at once; under a burst one pass takes the rows of many POSTs, and its fixed
   * statements (claim, connection, cursors, subscription liveness) are paid once for them, not once
   * per POST (measured at 500 notifications/s: ~360 statements/s without it, ~130 at 25 ms).
   */
  minPassIntervalMs?: number;
  pollIntervalMs?: number;
}

export interface InboxCounters {
  processed: number;
  presences: number;
  changes: number;
  duplicatesOrStale: number;
  rejectedToken: number;
  rejectedSignature: number;
  rejectedData: number;
  unknownCertificate: number;
  lifecycle: number;
  errors: number;
}

interface Claimed {
  id: number;
  connectionId: string | null;
  kind: string;
  payload: unknown;
}

interface Presence extends TeamsPresence {
  userId: string;
  subscriptionId: string;
}

type Rejection = 'rejectedToken' | 'rejectedSignature' | 'rejectedData' | 'unknownCertificate' | 'errors';

/** One change notification with encrypted resource data, waiting for its key and decryption. */
interface Sealed {
  row: Claimed;
  connectionId: string;
  subscriptionId: string;
  resource: unknown;
  content: EncryptedContent;
}

/**
 * The user a notification's resource names: `presences('id')`, `presences/id`, or a one-id filter
 * `presences?$filter=id+in+(%27id%27)` (Microsoft's published presence notification; URL-encoded or not).
 */
export const userIdFromResource = (resource: unknown): string | null => {
  if (typeof resource !== 'string') return null;
  const m = /presences\('([^']+)'\)/i.exec(resource) ?? /presences\/([^/?]+)/i.exec(resource);
  if (m) return m[1] ?? null;
  let decoded: string;
  try {
    decoded = decodeURIComponent(resource.replace(/\+/g, ' '));
  } catch {
    return null;
  }
  return /presences\?\$filter=id in \('([^',]+)'\)$/i.exec(decoded)?.[1] ?? null;
};

/** The presences in decrypted resource data (one presence, or `{value:[…]}`). */
const presencesIn = (data: unknown, subscriptionId: string, resource: unknown): Presence[] => {
  const list = Array.isArray((data as { value?: unknown })?.value) ? ((data as { value: unknown[] }).value as unknown[]) : [data];
  const out: Presence[] = [];
  for (const d of list) {
    if (!d || typeof d !== 'object') continue;
    const o = d as Record<string, unknown>;
    const userId = typeof o.id === 'string' ? o.id : userIdFromResource(o['@odata.id'] ?? resource);
    if (!userId || typeof o.availability !== 'string' || typeof o.activity !== 'string') continue;
    out.push({
      userId,
      subscriptionId,
      availability: o.availability,
      activity: o.activity,
      sequenceNumber: typeof o.sequenceNumber === 'string' ? o.sequenceNumber : null,
    });
  }
  return out;
};

export function createInboxWorker(deps: InboxWorkerDeps) {
  const log = deps.logger.child({ component: 'graph-inbox' });
  const decryptor = deps.decryptor ?? createInlineDecryptor();
  const counters: InboxCounters = {
    processed: 0,
    presences: 0,
    changes: 0,
    duplicatesOrStale: 0,
    rejectedToken: 0,
    rejectedSignature: 0,
    rejectedData: 0,
    unknownCertificate: 0,
    lifecycle: 0,
    errors: 0,
  };
  let timer: NodeJS.Timeout | undefined;
  let running = false;
  let draining: Promise<number> | undefined;
  let again = false;
  let wakeTimer: NodeJS.Timeout | undefined;
  let lastPassAt = Number.NEGATIVE_INFINITY;

  async function claim(): Promise<Claimed[]> {
    const n = deps.batchSize ?? 50;
    const res = await deps.db.execute(sql`
      update notification_inbox set processed_at = now()
      where id in (
        select id from notification_inbox
        where processed_at is null and kind in ('graph_change', 'graph_lifecycle')
        order by id limit ${n} for update skip locked)
      returning id, connection_id, kind, payload`);
    const rows = (
      res as unknown as { rows: Array<{ id: number | string; connection_id: string | null; kind: string; payload: unknown }> }
    ).rows;
    return rows
      .map((r) => ({
        id: Number(r.id),
        connectionId: r.connection_id,
        kind: r.kind,
        payload: typeof r.payload === 'string' ? (JSON.parse(r.payload) as unknown) : r.payload,
      }))
      .sort((a, b) => a.id - b.id);
  }

  async function markError(id: number, error: string) {
    await deps.db.execute(sql`update notification_inbox set error = ${error} where id = ${id}`);
  }

  async function drainOnce(): Promise<number> {
    const rows = await claim();
    if (rows.length === 0) return 0;
    const now = deps.clock.now();
    const byConnection = new Map<string, Presence[]>();
    const alive = new Set<string>();
    /** Why notifications of a row were rejected (the row keeps the reasons). */
    const rowErrors = new Map<number, Set<string>>();
    const reject = (row: Claimed, counter: Rejection, error: string, count = 1) => {
      counters[counter] += count;
      const set = rowErrors.get(row.id) ?? new Set<string>();
      set.add(error);
      rowErrors.set(row.id, set);
    };
    // Looked up once per pass, not once per notification.
    const appIds = new Map<string, Promise<string>>();
    const appIdOf = (connectionId: string) => {
      let p = appIds.get(connectionId);
      if (!p) {
        p = deps.appClientId(connectionId);
        appIds.set(connectionId, p);
      }
      return p;
    };
    const tokenChecks = new Map<string, Promise<{ ok: true } | { ok: false; reason: string }>>();
    const checkTokens = (verifier: ValidationTokenVerifier, tokens: string[], audience: string) => {
      const key = `${audience}\n${tokens.join('\n')}`;
      let p = tokenChecks.get(key);
      if (!p) {
        p = verifier.verify(tokens, audience);
        tokenChecks.set(key, p);
      }
      return p;
    };

    const sealed: Sealed[] = [];
    for (const row of rows) {
      const { notifications, validationTokens } = unpackInboxPayload(row.payload);
      counters.processed += notifications.length;
      const connectionId = row.connectionId;
      if (!connectionId) {
        await markError(row.id, 'no connection');
        continue;
      }
      try {
        if (row.kind === 'graph_lifecycle') {
          for (const n of notifications) {
            counters.lifecycle++;
            const lc = n as unknown as LifecycleItem;
            try {
              const outcome = await deps.lifecycle(connectionId, lc);
              log.info({ connectionId, event: lc.lifecycleEvent, outcome }, 'lifecycle notification handled');
            } catch (err) {
              log.error({ connectionId, inboxId: row.id, err: (err as Error).message }, 'processing a notification failed');
              reject(row, 'errors', (err as Error).message);
            }
          }
          continue;
        }
        const withData = notifications.filter((n) => n.encryptedContent);
        for (const n of notifications) {
          if (n.encryptedContent) continue;
          // No resource data: read the user now.
          const userId = (n.resourceData as { id?: unknown } | undefined)?.id ?? userIdFromResource(n.resource);
          if (typeof userId === 'string') deps.readUsers?.(connectionId, [userId]);
        }
        if (withData.length === 0) continue;
        if (deps.verifier) {
          const v = await checkTokens(deps.verifier, validationTokens, await appIdOf(connectionId));
          if (!v.ok) {
            reject(row, 'rejectedToken', v.reason, withData.length);
            continue;
          }
        }
        for (const n of withData)
          sealed.push({
            row,
            connectionId,
            subscriptionId: String(n.subscriptionId ?? ''),
            resource: n.resource,
            content: n.encryptedContent as EncryptedContent,
          });
      } catch (err) {
        log.error({ connectionId, inboxId: row.id, err: (err as Error).message }, 'processing a notification failed');
        reject(row, 'errors', (err as Error).message, Math.max(1, notifications.length));
      }
    }

    // Keys, then every decryption of the pass in one call.
    const jobs: DecryptJob[] = [];
    const waiting: Sealed[] = [];
    for (const s of sealed) {
      const keyPem = await deps.certs
        .privateKey(s.connectionId, String(s.content?.encryptionCertificateId ?? ''))
        .catch((err: unknown) => {
          reject(s.row, 'errors', (err as Error).message);
          return undefined;
        });
      if (keyPem === undefined) continue;
      if (!keyPem) {
        reject(s.row, 'unknownCertificate', 'unknown or expired encryption certificate');
        continue;
      }
      jobs.push({ content: s.content, keyPem });
      waiting.push(s);
    }
    const outcomes = jobs.length > 0 ? await decryptor.decrypt(jobs) : [];
    for (const [i, s] of waiting.entries()) {
      const o = outcomes[i];
      if (!o) {
        reject(s.row, 'errors', 'no decryption outcome');
        continue;
      }
      if (!o.ok) {
        reject(s.row, o.code === 'bad_signature' ? 'rejectedSignature' : 'rejectedData', o.message);
        continue;
      }
      const found = presencesIn(o.data, s.subscriptionId, s.resource);
      if (found.length === 0) {
        reject(s.row, 'rejectedData', 'no presence in the resource data');
        continue;
      }
      alive.add(s.subscriptionId);
      const list = byConnection.get(s.connectionId) ?? [];
      list.push(...found);
      byConnection.set(s.connectionId, list);
    }
    for (const [id, errors] of rowErrors) {
      const reasons = [...errors].join('; ');
      log.warn({ inboxId: id, reason: reasons }, 'notification rejected');
      await markError(id, reasons);
    }

    for (const [connectionId, list] of byConnection) {
      // Sequence order per user; without sequence numbers, arrival order.
      const perUser = new Map<string, Presence[]>();
      for (const pr of list) {
        const ps = perUser.get(pr.userId);
        if (ps) ps.push(pr);
        else perUser.set(pr.userId, [pr]);
      }
      const ordered = [...perUser.values()].flatMap((ps) =>
        ps.every((x) => x.sequenceNumber) ? ps.sort((a, b) => compareSequence(a.sequenceNumber!, b.sequenceNumber!)) : ps,
      );
      const ledger = await deps.ledger(connectionId);
      const dirty = new Map<string, SeenPresence>();
      // Only each user's latest presence in the batch goes to the engine: the engine acts as soon as
      // it is told, so handing it a meeting that a later notification in the same batch already ended
      // would write CXone twice for nothing (reordered deliveries land in one batch).
      const changed = new Map<string, Parameters<typeof deps.sink.publish>[0]>();
      for (const pr of ordered) {
        counters.presences++;
        const u = ledger.observe(pr.userId, pr, now);
        if (u.dirty) dirty.set(pr.userId, ledger.get(pr.userId)!);
        if (u.observation === 'changed' || u.observation === 'first') {
          counters.changes++;
          changed.set(pr.userId, {
            kind: 'teams_presence',
            connectionId,
            userId: pr.userId,
            presence: u.presence,
            observedAt: now,
            source: 'subscription',
          });
        } else counters.duplicatesOrStale++;
      }
      for (const event of changed.values()) deps.sink.publish(event);
      if (dirty.size > 0) await deps.store.save(connectionId, [...dirty]);
    }
    if (alive.size > 0) await deps.notificationsArrived([...alive], now);
    return rows.length;
  }

  async function drain(): Promise<number> {
    const batch = deps.batchSize ?? 50;
    let total = 0;
    for (;;) {
      const n = await drainOnce();
      total += n;
      // A short claim took all there was: no empty claim to prove it (rows arriving meanwhile wake us).
      if (n < batch) return total;
    }
  }

  const kick = () => {
    if (draining) {
      again = true;
      return draining;
    }
    lastPassAt = performance.now();
    draining = drain()
      .catch((err: unknown) => {
        counters.errors++;
        log.error({ err: (err as Error).message }, 'inbox drain failed');
        return 0;
      })
      .finally(() => {
        draining = undefined;
        if (again) {
          again = false;
          wake();
        }
      });
    return draining;
  };

  /** Rows arrived: a pass now, or when the last one is `minPassIntervalMs` old; none while one runs (it runs again after). */
  const wake = () => {
    if (draining) {
      again = true;
      return;
    }
    if (wakeTimer) return;
    const wait = lastPassAt + (deps.minPassIntervalMs ?? 50) - performance.now();
    if (wait <= 0) {
      void kick();
      return;
    }
    wakeTimer = setTimeout(() => {
      wakeTimer = undefined;
      void kick();
    }, wait);
    wakeTimer.unref?.();
  };

  const loop = () => {
    if (!running) return;
    timer = setTimeout(() => void kick().finally(loop), deps.pollIntervalMs ?? 1_000);
    timer.unref?.();
  };

  return {
    /** Processes everything waiting; resolves with the number of inbox rows handled. */
    drain: () => kick(),
    wake,
    start() {
      if (running) return;
      running = true;
      loop();
    },
    async stop() {
      running = false;
      if (timer) clearTimeout(timer);
      if (wakeTimer) clearTimeout(wakeTimer);
      wakeTimer = undefined;
      await draining;
    },
    counters: (): InboxCounters => ({ ...counters }),
  };
}
export type InboxWorker = ReturnType<typeof createInboxWorker>;
