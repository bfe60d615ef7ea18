/**
 * CXone agent-state vocabulary (facts/cxone.md: state ids/names from NICE's agent SDK and REST docs).
 */
export const CXONE_STATES = [
  'LoggedOut',
  'Available',
  'Unavailable',
  'InboundContact',
  'OutboundContact',
  'InboundConsult',
  'OutboundConsult',
  'Dialer',
  'LoggedIn',
] as const;
export type CxoneStateName = (typeof CXONE_STATES)[number];

/** One agent's current CXone state, as the CXone client reports it (poll or push). */
export interface AgentStateSnapshot {
  agentId: string;
  /** CXone state name; unknown names are kept as given. */
  state: string;
  outStateId: number | null;
  outStateName: string | null;
  isAcw: boolean;
  contactId: string | null;
  isOutbound: boolean;
  /** The contact's other party is an agent (consult states, or configured as such). */
  agentToAgent: boolean;
  /** ISO time the state started. */
  startTime: string;
}

/** What a rule row can match on the CXone side. */
export type CxoneCondition =
  | 'available'
  | 'unavailable'
  | 'inbound_contact'
  | 'outbound_contact'
  | 'acw'
  | 'logged_out'
  /** Never matched by rows: agent-to-agent calls do not trigger rules. */
  | 'agent_to_agent'
  | 'other';

export function classifyAgentState(s: AgentStateSnapshot): CxoneCondition {
  if (s.agentToAgent) return 'agent_to_agent';
  if (s.isAcw) return 'acw';
  switch (s.state.toLowerCase()) {
    case 'loggedout':
      return 'logged_out';
    case 'available':
      return 'available';
    case 'unavailable':
      return 'unavailable';
    case 'inboundcontact':
      return 'inbound_contact';
    case 'outboundcontact':
    case 'dialer':
      return 'outbound_contact';
    case 'inboundconsult':
    case 'outboundconsult':
      return 'agent_to_agent';
    default:
      return 'other';
  }
}

/** Work in progress: Teams → CXone never changes an agent in this state. */
export function isOnContactOrAcw(s: AgentStateSnapshot): boolean {
  const c = classifyAgentState(s);
  return c === 'inbound_contact' || c === 'outbound_contact' || c === 'acw' || c === 'agent_to_agent';
}

/** The only states an integration may set. */
export type CxoneTarget = { state: 'Available' } | { state: 'Unavailable'; outStateId: number };

export const sameCxoneTarget = (a: CxoneTarget | null | undefined, b: CxoneTarget | null | undefined) =>
  !!a && !!b && a.state === b.state && (a.state === 'Available' || a.outStateId === (b as { outStateId: number }).outStateId);

/** Whether the agent's current state is the target (what CXone shows equals what we would set). */
export function stateMatchesTarget(s: AgentStateSnapshot, t: CxoneTarget): boolean {
  const c = classifyAgentState(s);
  if (t.state === 'Available') return c === 'available';
  return c === 'unavailable' && s.outStateId === t.outStateId;
}
