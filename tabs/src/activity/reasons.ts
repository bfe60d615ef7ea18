import { REASON_CODES, REASON_TEXT, type ReasonCode } from '../domain.ts';

/** A reason code in plain words (unknown codes are shown as they are, never hidden). */
export function reasonText(code: string | null | undefined): string {
  if (!code) return '—';
  return (REASON_CODES as readonly string[]).includes(code) ? REASON_TEXT[code as ReasonCode] : code;
}

export const FAILURE_REASONS: ReadonlySet<string> = new Set([
  'throttled',
  'subscription_missing',
  'subscription_expired',
  'permission_missing',
  'cxone_unreachable',
  'cxone_rejected',
  'graph_unreachable',
  'graph_rejected',
]);

export type ReasonTone = 'success' | 'informative' | 'warning' | 'danger';

export function reasonTone(code: string): ReasonTone {
  if (code === 'applied' || code === 'cleared' || code === 'keep_alive') return 'success';
  if (FAILURE_REASONS.has(code)) return 'danger';
  if (
    code === 'manual_status_override' ||
    code === 'hidden_by_other_session' ||
    code === 'unmapped' ||
    code === 'no_rule' ||
    code === 'no_matching_row'
  )
    return 'warning';
  return 'informative';
}

const STATE_WORDS: Record<string, string> = {
  LoggedOut: 'Logged out',
  LoggedIn: 'Logged in',
  InboundContact: 'Inbound contact',
  OutboundContact: 'Outbound contact',
  InboundConsult: 'Inbound consult (agent to agent)',
  OutboundConsult: 'Outbound consult (agent to agent)',
};

/** A CXone state name in words (unknown names are shown as they are). */
export const cxoneStateText = (state: string): string => STATE_WORDS[state] ?? state;
