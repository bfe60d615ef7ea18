import type { ConnectionRuntime, WriteUrgency } from '../domain/ports.ts';
import { ExternalError, type ReasonCode } from '../domain/reasons.ts';
import type { Action } from './types.ts';

/** A keep-alive re-send is never urgent, whatever woke the user. */
export function urgencyOf(urgency: WriteUrgency, a: Action): WriteUrgency {
  return 'keepAlive' in a && a.keepAlive ? 'background' : urgency;
}

/** Performs one decided write through the connection's clients. */
export async function execute(rt: ConnectionRuntime, a: Action, urgency: WriteUrgency = 'background'): Promise<void> {
  switch (a.kind) {
    case 'teams_set_session':
      return rt.teams.setPresence(a.userId, a.pair, a.expiration, urgency);
    case 'teams_clear_session':
      return rt.teams.clearPresence(a.userId, urgency);
    case 'teams_set_preferred':
      return rt.teams.setUserPreferredPresence(a.userId, a.pair, a.expiration, urgency);
    case 'teams_clear_preferred':
      return rt.teams.clearUserPreferredPresence(a.userId, urgency);
    case 'cxone_set':
      return rt.cxone.setAgentState(a.agentId, a.target);
  }
}

export const serviceOf = (a: Action): 'graph' | 'cxone' => (a.kind === 'cxone_set' ? 'cxone' : 'graph');

/** Any failure as an ExternalError: clients should only throw those, but a bug must not stall a user. */
export function asExternal(err: unknown, service: 'graph' | 'cxone'): ExternalError {
  if (err instanceof ExternalError) return err;
  const reason: ReasonCode = service === 'graph' ? 'graph_unreachable' : 'cxone_unreachable';
  return new ExternalError(reason, err instanceof Error ? err.message : String(err), { service, cause: err });
}

/**
 * Retry delay after the n-th consecutive failure: Retry-After when given, else exponential from 1 s.
 * Refusals (the request itself is wrong for now: permission, rejected state) back off to 10 minutes;
 * transient faults to 1 minute.
 */
export function retryDelayMs(err: ExternalError, failures: number): number {
  if (err.extra.retryAfterMs !== undefined && err.extra.retryAfterMs >= 0) return Math.max(100, err.extra.retryAfterMs);
  const refusal = err.reason === 'permission_missing' || err.reason === 'cxone_rejected' || err.reason === 'graph_rejected';
  const cap = refusal ? 10 * 60_000 : 60_000;
  return Math.min(cap, 1_000 * 2 ** Math.min(20, Math.max(0, failures - 1)));
}
