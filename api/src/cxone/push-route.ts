import { createHash, timingSafeEqual } from 'node:crypto';
import type { Request, Response, Server } from 'restify';
import { z } from 'zod';
import type { AgentStateSnapshot } from '../domain/cxone.ts';
import type { SyncEvent } from '../domain/ports.ts';
import { AppError, unauthorized, validationError } from '../http/errors.ts';
import type { Logger } from '../logging.ts';
import { type AgentStateGate, createAgentStateGate } from './order-gate.ts';
import { toSnapshot } from './states.ts';

export const CXONE_PUSH_PATH = '/api/cxone/events';

/** What the route needs to know about a connection; null = unknown (answered 401, like a bad secret). */
export interface PushConnection {
  /** The decrypted connections.cxone_push_secret_enc; null = push not set up (401). */
  pushSecret: string | null;
  agentToAgentStates?: readonly string[];
}

export interface CxonePushRouteOptions {
  resolve: (connectionId: string) => Promise<PushConnection | null>;
  /**
   * Receives each accepted batch (ordered per agent) with each state's push `sequence` (when sent).
   * The 202 is sent after it resolves, so it must resolve only once the batch is safe (with the engine,
   * or durably queued for the replica that runs it); a rejection answers 500 and the sender retries.
   */
  onStates: (
    connectionId: string,
    states: AgentStateSnapshot[],
    sequences: readonly (number | undefined)[],
  ) => void | Promise<void>;
  logger: Logger;
  /** One gate per connection, shared with that connection's poller (default: one per connection here). */
  gateFor?: (connectionId: string) => AgentStateGate;
  /** Default 256 KiB. */
  maxBodyBytes?: number;
}

const id = z.union([z.string().min(1).max(64), z.number().int().nonnegative()]).transform(String);
const iso = z.string().refine((s) => !Number.isNaN(Date.parse(s)), { message: 'expected an ISO date-time' });

/**
 * Body of POST /api/cxone/events (our own contract: CXone has no agent-state webhook, facts/cxone.md
 * "Events"; a stream relay forwards `/agents/states` entries as they are, plus an optional sequence).
 */
export const pushBodySchema = z.object({
  businessUnitId: z.union([z.string(), z.number()]).optional(),
  events: z
    .array(
      z.object({
        agentId: id,
        agentStateName: z.string().min(1).max(64),
        outStateId: z.number().int().nonnegative().nullable().optional(),
        outStateDescription: z.string().max(200).nullable().optional(),
        isACW: z.boolean().optional(),
        contactId: z
          .union([z.string().max(64), z.number().int().nonnegative()])
          .nullable()
          .optional(),
        isOutbound: z.boolean().optional(),
        startDate: iso,
        sequence: z.number().int().nonnegative().optional(),
      }),
    )
    .min(1)
    .max(1000),
});
export type PushBody = z.infer<typeof pushBodySchema>;

function sameSecret(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

/**
 * POST /api/cxone/events — agent-state changes pushed per connection.
 * Auth: `Authorization: Bearer <push secret>` and `x-connection-id: <connection id>`; the secret is
 * compared in constant time with the connection's. 413 when too large, 401 on a missing/wrong secret or
 * unknown connection, 400 naming the field on a bad body (nothing is delivered), 202 when accepted.
 */
export function registerCxonePushRoute(server: Server, o: CxonePushRouteOptions): void {
  const limit = o.maxBodyBytes ?? 256 * 1024;
  const gates = new Map<string, AgentStateGate>();
  const gateFor =
    o.gateFor ??
    ((cid: string) => {
      let g = gates.get(cid);
      if (!g) {
        g = createAgentStateGate();
        gates.set(cid, g);
      }
      return g;
    });

  server.post(CXONE_PUSH_PATH, async (req: Request, res: Response) => {
    // A child logger costs a serialization of its bindings: made only when something is logged.
    const log = () => (req.plog ?? o.logger).child({ component: 'cxone-push' });
    const declared = Number(req.header('content-length') ?? '0');
    // The bytes received (the JSON parser keeps them as rawBody); re-serializing the parsed body cost a
    // JSON.stringify per push.
    const raw = (req as Request & { rawBody?: string | Buffer }).rawBody ?? req.body;
    const actual =
      raw === undefined
        ? 0
        : typeof raw === 'string' || Buffer.isBuffer(raw)
          ? Buffer.byteLength(raw)
          : Buffer.byteLength(JSON.stringify(raw));
    if (declared > limit || actual > limit)
      throw new AppError(413, 'payload_too_large', `request body too large (limit ${limit} bytes)`);

    const connectionId = req.header('x-connection-id') ?? '';
    const m = /^Bearer\s+(\S+)$/i.exec(req.header('authorization') ?? '');
    if (!connectionId || !m) throw unauthorized('x-connection-id and Authorization: Bearer <push secret> are required');
    if (!/^[\w-]{1,64}$/.test(connectionId)) throw unauthorized('unknown connection or wrong push secret');
    const conn = await o.resolve(connectionId);
    // Compare even when the connection is unknown, so timing does not reveal which connections exist.
    const ok = sameSecret(m[1]!, conn?.pushSecret ?? '\u0000no-secret') && !!conn?.pushSecret;
    if (!ok) {
      log().warn({ connectionId }, 'cxone push rejected: unknown connection or wrong secret');
      throw unauthorized('unknown connection or wrong push secret');
    }

    const parsed = pushBodySchema.safeParse(req.body);
    if (!parsed.success) throw validationError('body', parsed.error);
    const a2a = conn?.agentToAgentStates ?? ['InboundConsult', 'OutboundConsult'];
    const states = parsed.data.events.map((e) =>
      toSnapshot(
        {
          agentId: e.agentId,
          agentStateName: e.agentStateName,
          outStateId: e.outStateId ? String(e.outStateId) : null,
          outStateDescription: e.outStateDescription || null,
          isACW: e.isACW ?? false,
          contactId:
            e.contactId === null || e.contactId === undefined || e.contactId === 0 || e.contactId === ''
              ? null
              : String(e.contactId),
          isOutbound: e.isOutbound ?? false,
          startDate: e.startDate,
          teamId: null,
          fromAddress: null,
          toAddress: null,
        },
        a2a,
      ),
    );
    const batch = gateFor(connectionId).tryFilter(
      states,
      parsed.data.events.map((e) => e.sequence),
    );
    const fresh = batch.states;
    try {
      if (fresh.length) await o.onStates(connectionId, fresh, batch.sequences);
    } catch (err) {
      batch.rollback(); // the sender gets a 500 and may retry: the retry must not be dropped as a repeat
      throw err;
    }
    if (o.logger.isLevelEnabled('debug'))
      log().debug({ connectionId, received: states.length, accepted: fresh.length }, 'cxone push accepted');
    res.send(202, { accepted: fresh.length, dropped: states.length - fresh.length });
  });
}

/** States as SyncEvents for the engine's sink (poll, push and sweep all use this). */
export function toSyncEvents(
  connectionId: string,
  states: readonly AgentStateSnapshot[],
  source: 'poll' | 'push' | 'sweep',
  observedAt: number,
): SyncEvent[] {
  return states.map((state) => ({ kind: 'cxone_state', connectionId, state, observedAt, source }));
}
