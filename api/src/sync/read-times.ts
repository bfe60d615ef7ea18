/**
 * Read times of one connection's CXone agent states as handed to the engine, one per agent, never
 * going back. The engine drops an observation read before the one it holds (right for a sweep racing a
 * push); but a state forwarded from another replica carries the time *that* replica accepted it, which
 * can be a few milliseconds before a state this replica accepted and already published — even when the
 * ordering gate found the forwarded one newer (CXone start time, then sequence). `stamp` gives each
 * state the later of its own read time and the last one handed over for its agent, so the engine
 * applies states in the gate's order, while a sweep that read after a forwarded state was accepted
 * still wins over it. Pure, in memory.
 */
export interface ReadTimes {
  /** The read time to publish this agent's next state with (and remembers it). */
  stamp(agentId: string, observedAt: number): number;
  forget(agentId: string): void;
}

export function createReadTimes(): ReadTimes {
  const last = new Map<string, number>();
  return {
    stamp(agentId, observedAt) {
      const prev = last.get(agentId);
      const t = prev !== undefined && prev > observedAt ? prev : observedAt;
      last.set(agentId, t);
      return t;
    },
    forget(agentId) {
      last.delete(agentId);
    },
  };
}
