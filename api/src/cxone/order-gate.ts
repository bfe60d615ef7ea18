import type { AgentStateSnapshot } from '../domain/cxone.ts';

/**
 * Per-agent ordering for the CXone change stream (poll and push feed the same one): a state older than
 * the last one seen for that agent is dropped, and so is an exact repeat. Order is by start time, then
 * by `sequence` when the source gives one (push). Pure and in memory; share one gate per connection.
 */
export interface AgentStateGate {
  /** True when the state is new for its agent (and records it); false when it is stale or a repeat. */
  admit(state: AgentStateSnapshot, sequence?: number): boolean;
  /** Admits what passes, in order. */
  filter(states: readonly AgentStateSnapshot[], sequences?: readonly (number | undefined)[]): AgentStateSnapshot[];
  /** Like filter, with an undo for when delivering the batch failed (so a retry is not dropped as a repeat). */
  tryFilter(
    states: readonly AgentStateSnapshot[],
    sequences?: readonly (number | undefined)[],
  ): { states: AgentStateSnapshot[]; sequences: (number | undefined)[]; rollback(): void };
  forget(agentId: string): void;
}

const fingerprint = (s: AgentStateSnapshot) =>
  [s.state, s.outStateId, s.isAcw, s.contactId, s.isOutbound, s.agentToAgent, s.startTime].join('|');

export function createAgentStateGate(): AgentStateGate {
  /** Per agent: the latest start time, the sequence seen with it, and every state seen at that time. */
  const last = new Map<string, { t: number; seq: number | undefined; fps: Set<string> }>();
  const gate: AgentStateGate = {
    admit(state, sequence) {
      const t = Date.parse(state.startTime);
      const fp = fingerprint(state);
      const prev = last.get(state.agentId);
      if (prev && t < prev.t) return false;
      if (prev && t === prev.t) {
        if (prev.seq !== undefined && sequence !== undefined) {
          if (sequence <= prev.seq) return false;
        } else if (prev.fps.has(fp)) return false;
        last.set(state.agentId, { t, seq: sequence ?? prev.seq, fps: new Set([...prev.fps, fp]) });
        return true;
      }
      last.set(state.agentId, { t, seq: sequence, fps: new Set([fp]) });
      return true;
    },
    filter(states, sequences) {
      return states.filter((s, i) => gate.admit(s, sequences?.[i]));
    },
    tryFilter(states, sequences) {
      const before = new Map(states.map((s) => [s.agentId, last.get(s.agentId)]));
      const admitted: AgentStateSnapshot[] = [];
      const seqs: (number | undefined)[] = [];
      for (const [i, st] of states.entries())
        if (gate.admit(st, sequences?.[i])) {
          admitted.push(st);
          seqs.push(sequences?.[i]);
        }
      return {
        states: admitted,
        sequences: seqs,
        rollback() {
          for (const [agentId, prev] of before) {
            if (prev) last.set(agentId, prev);
            else last.delete(agentId);
          }
        },
      };
    },
    forget(agentId) {
      last.delete(agentId);
    },
  };
  return gate;
}
