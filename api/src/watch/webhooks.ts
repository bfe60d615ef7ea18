import type { Request, Response, Server } from 'restify';
import { z } from 'zod';
import { AppError } from '../http/errors.ts';
import type { Logger } from '../logging.ts';
import { type InboxBatchPayload, packInboxBatch, storedNotification } from './inbox-batch.ts';
import { safeEqual } from './notification-crypto.ts';

/**
 * Graph's webhooks (no SSO; Graph calls them): /api/graph/notifications and /api/graph/lifecycle.
 * - `?validationToken=…` → 200 text/plain, the URL-decoded token, nothing else (the handshake).
 * - Otherwise a JSON body `{value:[…]}`: each item's clientState is checked (constant time) against its
 *   subscription (a cached lookup); matching items are persisted to the inbox — one row per connection
 *   per POST, written by one INSERT shared with concurrent POSTs — and only then the answer is 202.
 *   That is all the acknowledgement waits for: validation tokens, signatures and decryption are the
 *   inbox worker's. Malformed JSON/shape → 400; too big → 413 (server limit); wrong or missing
 *   clientState and unknown subscriptions → ignored and counted, still 202, nothing stored.
 */
export const NOTIFICATIONS_PATH = '/api/graph/notifications';
export const LIFECYCLE_PATH = '/api/graph/lifecycle';

export interface KnownSubscription {
  connectionId: string;
  clientState: string;
}

/** One inbox row: the accepted notifications of one POST for one connection (see inbox-batch.ts). */
export interface InboxItem {
  connectionId: string;
  kind: 'graph_change' | 'graph_lifecycle';
  payload: InboxBatchPayload;
}

export interface WebhookDeps {
  /** Finds the subscription a notification names (by Graph subscription id), with its opened clientState. */
  lookup(graphSubscriptionId: string): Promise<KnownSubscription | null>;
  /** Persists accepted rows durably (one statement); the 202 is sent after it resolves. */
  persist(items: readonly InboxItem[]): Promise<void>;
  /** Wakes the inbox worker. */
  wake?(): void;
  logger: Logger;
  /** Largest accepted body in bytes (default 1 MiB; the server's body parser enforces its own too). */
  maxBodyBytes?: number;
}

export interface WebhookCounters {
  validations: number;
  received: number;
  accepted: number;
  ignoredClientState: number;
  ignoredUnknownSubscription: number;
  malformed: number;
  tooLarge: number;
}

const itemSchema = z
  .object({
    subscriptionId: z.string().min(1).max(200),
    clientState: z.string().max(256).nullish(),
  })
  .loose();
const envelopeSchema = z
  .object({
    value: z.array(itemSchema).max(1000),
    validationTokens: z.array(z.string().max(20_000)).max(50).optional(),
  })
  .loose();

export function registerGraphWebhooks(server: Server, deps: WebhookDeps): { counters(): WebhookCounters } {
  const counters: WebhookCounters = {
    validations: 0,
    received: 0,
    accepted: 0,
    ignoredClientState: 0,
    ignoredUnknownSubscription: 0,
    malformed: 0,
    tooLarge: 0,
  };
  const log = deps.logger.child({ component: 'graph-webhooks' });
  // Graph batches up to 100 encrypted notifications per POST (over 1 MiB): see DEFAULT_MAX_BODY_BYTES.
  const max = deps.maxBodyBytes ?? 8 * 1024 * 1024;

  const handler = (kind: InboxItem['kind']) => async (req: Request, res: Response) => {
    const token = (req.query as Record<string, unknown> | undefined)?.validationToken;
    if (typeof token === 'string') {
      counters.validations++;
      res.setHeader('content-type', 'text/plain; charset=utf-8');
      res.sendRaw(200, token);
      return;
    }
    const length = Number(req.header('content-length') ?? '0');
    if (length > max) {
      counters.tooLarge++;
      throw new AppError(413, 'payload_too_large', 'request body too large');
    }
    const parsed = envelopeSchema.safeParse(req.body);
    if (!parsed.success) {
      counters.malformed++;
      throw new AppError(400, 'bad_request', 'expected a JSON body {"value":[{subscriptionId, clientState, …}]}');
    }
    counters.received += parsed.data.value.length;
    // Accepted notifications, as stored (no clientState: it is a secret), by connection.
    const byConnection = new Map<string, Record<string, unknown>[]>();
    const subs = new Map<string, KnownSubscription | null>();
    let accepted = 0;
    for (const n of parsed.data.value) {
      let sub = subs.get(n.subscriptionId);
      if (sub === undefined) {
        sub = await deps.lookup(n.subscriptionId);
        subs.set(n.subscriptionId, sub);
      }
      if (!sub) {
        counters.ignoredUnknownSubscription++;
        continue;
      }
      if (typeof n.clientState !== 'string' || !safeEqual(n.clientState, sub.clientState)) {
        counters.ignoredClientState++;
        continue;
      }
      const list = byConnection.get(sub.connectionId) ?? [];
      list.push(storedNotification(n));
      byConnection.set(sub.connectionId, list);
      accepted++;
    }
    if (accepted > 0) {
      const items: InboxItem[] = [...byConnection].map(([connectionId, list]) => ({
        connectionId,
        kind,
        payload: packInboxBatch(list, parsed.data.validationTokens),
      }));
      await deps.persist(items);
      counters.accepted += accepted;
      deps.wake?.();
    }
    const ignored = parsed.data.value.length - accepted;
    if (ignored > 0) log.warn({ kind, ignored, accepted }, 'ignored notifications (unknown subscription or clientState)');
    res.send(202);
  };

  server.post(NOTIFICATIONS_PATH, handler('graph_change'));
  server.post(LIFECYCLE_PATH, handler('graph_lifecycle'));
  return { counters: () => ({ ...counters }) };
}
