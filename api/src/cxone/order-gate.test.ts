import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { AgentStateSnapshot } from '../domain/cxone.ts';
import { createAgentStateGate } from './order-gate.ts';

const snap = (agentId: string, t: number, state = 'Available'): AgentStateSnapshot => ({
  agentId,
  state,
  outStateId: null,
  outStateName: null,
  isAcw: false,
  contactId: null,
  isOutbound: false,
  agentToAgent: false,
  startTime: new Date(t).toISOString(),
});

describe('per-agent ordering gate', () => {
  it('when states arrive in any order and repeated then what passes is strictly newer per agent', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            agent: fc.constantFrom('a', 'b', 'c'),
            t: fc.integer({ min: 0, max: 50 }),
            state: fc.constantFrom('Available', 'Unavailable'),
          }),
          {
            maxLength: 60,
          },
        ),
        (events) => {
          const gate = createAgentStateGate();
          const passed = gate.filter(events.map((e) => snap(e.agent, e.t * 1000, e.state)));
          const lastT = new Map<string, number>();
          for (const p of passed) {
            const t = Date.parse(p.startTime);
            expect(t).toBeGreaterThanOrEqual(lastT.get(p.agentId) ?? Number.NEGATIVE_INFINITY);
            lastT.set(p.agentId, t);
          }
          // Replaying everything again admits nothing.
          expect(gate.filter(events.map((e) => snap(e.agent, e.t * 1000, e.state)))).toEqual([]);
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('when a batch is rolled back then the same states pass again', () => {
    const gate = createAgentStateGate();
    gate.admit(snap('a', 1000));
    const batch = gate.tryFilter([snap('a', 2000), snap('b', 2000)]);
    expect(batch.states).toHaveLength(2);
    batch.rollback();
    expect(gate.filter([snap('a', 2000), snap('b', 2000)])).toHaveLength(2);
    expect(gate.admit(snap('a', 1500))).toBe(false);
  });

  it('when a batch is filtered then each admitted state keeps its own sequence (forwarded to the holder with it)', () => {
    const gate = createAgentStateGate();
    gate.admit(snap('a', 2000), 5);
    const batch = gate.tryFilter([snap('a', 1000), snap('b', 1000), snap('a', 3000), snap('c', 1000)], [4, 7, undefined, 9]);
    expect(batch.states.map((s) => s.agentId)).toEqual(['b', 'a', 'c']);
    expect(batch.sequences).toEqual([7, undefined, 9]);
  });

  it('when sequences are given at the same start time then the higher sequence wins', () => {
    const gate = createAgentStateGate();
    expect(gate.admit(snap('a', 1000, 'Available'), 2)).toBe(true);
    expect(gate.admit(snap('a', 1000, 'Unavailable'), 1)).toBe(false);
    expect(gate.admit(snap('a', 1000, 'Unavailable'), 3)).toBe(true);
  });
});
