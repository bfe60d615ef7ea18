/**
 * Stable reason codes: every decision record carries one, and the bot, the tab and the logs speak
 * in them. Add codes at the end; never rename one.
 */
export const REASON_CODES = [
  'applied',
  'unchanged',
  'cleared',
  'unmapped',
  'excluded',
  'no_rule',
  'no_matching_row',
  'agent_to_agent_excluded',
  'contact_in_progress',
  'manual_status_override',
  'hidden_by_other_session',
  'echo_suppressed',
  'not_owned',
  'throttled',
  'subscription_missing',
  'subscription_expired',
  'permission_missing',
  'cxone_unreachable',
  'cxone_rejected',
  'graph_unreachable',
  'keep_alive',
  'graph_rejected',
  'agent_logged_out',
] as const;
export type ReasonCode = (typeof REASON_CODES)[number];

/** Plain words for each code, for the tab and logs (the bot adds the user-specific fix). */
export const REASON_TEXT: Record<ReasonCode, string> = {
  applied: 'Applied the rule',
  unchanged: 'Already in the desired state',
  cleared: "Cleared Presence Sync's Teams status",
  unmapped: 'Not mapped to a Teams user / CXone agent',
  excluded: 'Excluded from sync',
  no_rule: 'No rule applies to this user',
  no_matching_row: 'The rule has no row for this state',
  agent_to_agent_excluded: "Agent-to-agent call: doesn't change status",
  contact_in_progress: 'Waiting for the contact or after-call work to end',
  manual_status_override: 'Teams status was set by hand and hides Presence Sync',
  hidden_by_other_session: "Another Teams session outranks the app's status",
  echo_suppressed: 'Our own change came back: not synced again',
  not_owned: 'Set by a person, not by Presence Sync: left alone',
  throttled: 'Throttled by Microsoft Graph or CXone: will retry',
  subscription_missing: 'No presence subscription covers this user',
  subscription_expired: 'The presence subscription expired',
  permission_missing: 'A required permission is missing',
  cxone_unreachable: 'CXone could not be reached',
  cxone_rejected: 'CXone refused the state change',
  graph_unreachable: 'Microsoft Graph could not be reached',
  keep_alive: "Renewed the app's Teams presence session",
  graph_rejected: 'Microsoft Graph refused the request',
  agent_logged_out: 'The agent is logged out of CXone: its state cannot be set',
};

/**
 * A failure talking to Graph or CXone, carrying the reason code the engine records.
 * Clients throw these (or subclasses); nothing else crosses the client boundary.
 */
export class ExternalError extends Error {
  override name = 'ExternalError';
  constructor(
    readonly reason: ReasonCode,
    message: string,
    readonly extra: {
      status?: number;
      /** How long to wait before trying again (Retry-After), when known. */
      retryAfterMs?: number;
      /** The missing permission, for permission_missing. */
      permission?: string;
      /** Service side: graph | cxone */
      service?: 'graph' | 'cxone';
      cause?: unknown;
    } = {},
  ) {
    super(message);
  }
}
