import type { AgentStateSnapshot } from '../domain/cxone.ts';
import type { WireAgentState } from './schemas.ts';

/**
 * Maps a validated `agentStates[]` entry (facts/cxone.md: agentId, agentStateName, outStateId,
 * outStateDescription, isACW, contactId, isOutbound, startDate) to the domain snapshot. Which states
 * count as agent-to-agent is configuration (ConnectionOptions.agentToAgentStates; UNCONFIRMED).
 */
export function toSnapshot(w: WireAgentState, agentToAgentStates: readonly string[]): AgentStateSnapshot {
  const a2a = agentToAgentStates.some((s) => s.toLowerCase() === w.agentStateName.toLowerCase());
  const outStateId = w.outStateId === null ? null : Number(w.outStateId);
  return {
    agentId: w.agentId,
    state: w.agentStateName,
    outStateId: outStateId !== null && Number.isFinite(outStateId) ? outStateId : null,
    outStateName: w.outStateDescription,
    isAcw: w.isACW,
    contactId: w.contactId,
    isOutbound: w.isOutbound,
    agentToAgent: a2a,
    startTime: new Date(w.startDate).toISOString(),
  };
}
