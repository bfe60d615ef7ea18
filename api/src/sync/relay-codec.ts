import { z } from 'zod';
import type { SyncEvent } from '../domain/ports.ts';

/**
 * The `engine_inbox.payload` of one forwarded event, versioned: during a rolling upgrade a replica may
 * read rows another version wrote, so a row that does not parse is skipped (and logged), never thrown.
 */
export interface Relayed {
  event: SyncEvent;
  /** The push's per-agent `sequence`, when the sender gave one (ordering at the holder's gate). */
  sequence?: number | undefined;
}

const agentState = z.object({
  agentId: z.string().min(1),
  state: z.string(),
  outStateId: z.number().nullable(),
  outStateName: z.string().nullable(),
  isAcw: z.boolean(),
  contactId: z.string().nullable(),
  isOutbound: z.boolean(),
  agentToAgent: z.boolean(),
  startTime: z.string(),
});

const presence = z.object({
  availability: z.string(),
  activity: z.string(),
  sequenceNumber: z.string().nullable().optional(),
});

const event = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('cxone_state'),
    connectionId: z.string(),
    state: agentState,
    observedAt: z.number(),
    source: z.enum(['poll', 'push', 'sweep']),
  }),
  z.object({
    kind: z.literal('teams_presence'),
    connectionId: z.string(),
    userId: z.string(),
    presence,
    observedAt: z.number(),
    source: z.enum(['reader', 'subscription', 'sweep']),
  }),
  z.object({
    kind: z.literal('settings_changed'),
    connectionId: z.string(),
    agentIds: z.union([z.literal('all'), z.array(z.string())]),
    observedAt: z.number(),
  }),
]);

const payload = z.object({ v: z.literal(1), event, sequence: z.number().int().nonnegative().optional() });

export function encodeRelayed(r: Relayed): Record<string, unknown> {
  return r.sequence === undefined ? { v: 1, event: r.event } : { v: 1, event: r.event, sequence: r.sequence };
}

/** The event a row holds, or why it cannot be used; the row's own connection id wins over the payload's. */
export function decodeRelayed(connectionId: string, raw: unknown): Relayed | { error: string } {
  const value = typeof raw === 'string' ? safeJson(raw) : raw;
  const parsed = payload.safeParse(value);
  if (!parsed.success) return { error: parsed.error.issues[0]?.message ?? 'unreadable payload' };
  const e = parsed.data.event as SyncEvent;
  const out: Relayed = { event: { ...e, connectionId } };
  if (parsed.data.sequence !== undefined) out.sequence = parsed.data.sequence;
  return out;
}

function safeJson(s: string): unknown {
  try {
    return JSON.parse(s);
  } catch {
    return undefined;
  }
}
