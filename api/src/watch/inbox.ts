import { sql } from 'drizzle-orm';
import type { Clock, SyncEventSink } from '../domain/ports.ts';
import type { TeamsPresence } from '../domain/presence.ts';
import type { Logger } from '../logging.ts';
import type { Db } from '../storage/db.ts';
import type { CertStore } from './certs.ts';
import { compareSequence, type PresenceLedger, type SeenPresence } from './ledger.ts';
import { decryptResourceData, type EncryptedContent, NotificationCryptoError } from './notification-crypto.ts';
import type { PresenceSeenStore } from './presence-store.ts';
import type { LifecycleItem } from './subscriptions.ts';
import type { ValidationTokenVerifier } from './validation-tokens.ts';

/**
 * The inbox worker: claims persisted webhook items (FOR UPDATE SKIP LOCKED, so replicas share the
 * work), verifies validation tokens, checks the HMAC and decrypts resource data, then feeds presences
 * through the shared ledger in sequence order — duplicates and reordered deliveries are harmless.
 * What fails verification is rejected (the row keeps the reason) without touching any state.
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
  batchSize?: number;
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
  payload: Record<string, unknown>;
}

interface Presence extends TeamsPresence {
  userId: string;
  subscriptionId: string;
}

const userIdFromResource = (resource: unknown): string | null => {
  if (typeof resource !== 'string') return null;
  const m = /presences\('([^']+)'\)/i.exec(resource) ?? /presences\/([^/?]+)/i.exec(resource);
  return m?.[1] ?? null;
};

export function createInboxWorker(deps: InboxWorkerDeps) {
  const log = deps.logger.child({ component: 'graph-inbox' });
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

  async function claim(): Promise<Claimed[]> {
    const n = deps.batchSize ?? 200;
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
        payload: (typeof r.payload === 'string' ? JSON.parse(r.payload) : r.payload) as Record<string, unknown>,
      }))
      .sort((a, b) => a.id - b.id);
  }

  async function markError(id: number, error: string) {
    await deps.db.execute(sql`update notification_inbox set error = ${error} where id = ${id}`);
  }

  /** Verifies and decrypts one change notification; returns its presences or a rejection reason. */
  async function open(
    connectionId: string,
    item: Claimed,
  ): Promise<Presence[] | { rejected: keyof InboxCounters; error: string }> {
    const p = item.payload;
    const subscriptionId = String(p.subscriptionId ?? '');
    const enc = p.encryptedContent as EncryptedContent | undefined;
    if (!enc) {
      const userId = (p.resourceData as { id?: unknown } | undefined)?.id ?? userIdFromResource(p.resource);
      if (typeof userId === 'string') deps.readUsers?.(connectionId, [userId]);
      return [];
    }
    if (deps.verifier) {
      const tokens = Array.isArray(p.validationTokens)
        ? p.validationTokens.filter((t): t is string => typeof t === 'string')
        : [];
      const v = await deps.verifier.verify(tokens, await deps.appClientId(connectionId));
      if (!v.ok) return { rejected: 'rejectedToken', error: v.reason };
    }
    const key = await deps.certs.privateKey(connectionId, String(enc.encryptionCertificateId ?? ''));
    if (!key) return { rejected: 'unknownCertificate', error: 'unknown or expired encryption certificate' };
    let data: unknown;
    try {
      data = decryptResourceData(enc, key);
    } catch (err) {
      if (err instanceof NotificationCryptoError)
        return { rejected: err.code === 'bad_signature' ? 'rejectedSignature' : 'rejectedData', error: err.message };
      throw err;
    }
    const list = Array.isArray((data as { value?: unknown })?.value)
      ? ((data as { value: unknown[] }).value as unknown[])
      : [data];
    const out: Presence[] = [];
    for (const d of list) {
      if (!d || typeof d !== 'object') continue;
      const o = d as Record<string, unknown>;
      const userId = typeof o.id === 'string' ? o.id : userIdFromResource(o['@odata.id'] ?? p.resource);
      if (!userId || typeof o.availability !== 'string' || typeof o.activity !== 'string') continue;
      out.push({
        userId,
        subscriptionId,
        availability: o.availability,
        activity: o.activity,
        sequenceNumber: typeof o.sequenceNumber === 'string' ? o.sequenceNumber : null,
      });
    }
    if (out.length === 0) return { rejected: 'rejectedData', error: 'no presence in the resource data' };
    return out;
  }

  async function drainOnce(): Promise<number> {
    const items = await claim();
    if (items.length === 0) return 0;
    const now = deps.clock.now();
    const byConnection = new Map<string, Presence[]>();
    const alive = new Set<string>();
    for (const [index, item] of items.entries()) {
      // Decrypting is synchronous CPU work (RSA + AES per notification): give the event loop back every
      // few items so webhook acknowledgements are not queued behind a whole batch.
      if (index > 0 && index % 8 === 0) await new Promise<void>((r) => setImmediate(r));
      counters.processed++;
      const connectionId = item.connectionId;
      if (!connectionId) {
        await markError(item.id, 'no connection');
        continue;
      }
      try {
        if (item.kind === 'graph_lifecycle') {
          counters.lifecycle++;
          const lc = item.payload as unknown as LifecycleItem;
          const outcome = await deps.lifecycle(connectionId, lc);
          log.info({ connectionId, event: lc.lifecycleEvent, outcome }, 'lifecycle notification handled');
          continue;
        }
        const r = await open(connectionId, item);
        if (!Array.isArray(r)) {
          counters[r.rejected]++;
          log.warn({ connectionId, inboxId: item.id, reason: r.error }, 'notification rejected');
          await markError(item.id, r.error);
          continue;
        }
        alive.add(String(item.payload.subscriptionId));
        const list = byConnection.get(connectionId) ?? [];
        list.push(...r);
        byConnection.set(connectionId, list);
      } catch (err) {
        counters.errors++;
        log.error({ connectionId, inboxId: item.id, err: (err as Error).message }, 'processing a notification failed');
        await markError(item.id, (err as Error).message);
      }
    }
    for (const [connectionId, list] of byConnection) {
      // Sequence order per user; without sequence numbers, arrival order.
      const perUser = new Map<string, Presence[]>();
      for (const pr of list) perUser.set(pr.userId, [...(perUser.get(pr.userId) ?? []), pr]);
      const ordered = [...perUser.values()].flatMap((ps) =>
        ps.every((x) => x.sequenceNumber) ? ps.sort((a, b) => compareSequence(a.sequenceNumber!, b.sequenceNumber!)) : ps,
      );
      const ledger = await deps.ledger(connectionId);
      const dirty = new Map<string, SeenPresence>();
      for (const pr of ordered) {
        counters.presences++;
        const u = ledger.observe(pr.userId, pr, now);
        if (u.dirty) dirty.set(pr.userId, ledger.get(pr.userId)!);
        if (u.observation === 'changed' || u.observation === 'first') {
          counters.changes++;
          deps.sink.publish({
            kind: 'teams_presence',
            connectionId,
            userId: pr.userId,
            presence: u.presence,
            observedAt: now,
            source: 'subscription',
          });
        } else counters.duplicatesOrStale++;
      }
      if (dirty.size > 0) await deps.store.save(connectionId, [...dirty]);
    }
    if (alive.size > 0) await deps.notificationsArrived([...alive], now);
    return items.length;
  }

  async function drain(): Promise<number> {
    let total = 0;
    for (;;) {
      const n = await drainOnce();
      total += n;
      if (n === 0) return total;
    }
  }

  const kick = () => {
    if (draining) {
      again = true;
      return draining;
    }
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
          void kick();
        }
      });
    return draining;
  };

  const loop = () => {
    if (!running) return;
    timer = setTimeout(() => void kick().finally(loop), deps.pollIntervalMs ?? 1_000);
    timer.unref?.();
  };

  return {
    /** Processes everything waiting; resolves with the number of items handled. */
    drain: () => kick(),
    wake: () => void kick(),
    start() {
      if (running) return;
      running = true;
      loop();
    },
    async stop() {
      running = false;
      if (timer) clearTimeout(timer);
      await draining;
    },
    counters: (): InboxCounters => ({ ...counters }),
  };
}
export type InboxWorker = ReturnType<typeof createInboxWorker>;
