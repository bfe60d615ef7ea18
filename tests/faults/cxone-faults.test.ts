import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FaultSpec } from '../../emulators/cxone/index.ts';
import { describeMismatch, type FaultWorld, flip, startFaultWorld } from './support.ts';

/**
 * CXone misbehaving (poll mode, so reading CXone is affected as well as setting states) while both
 * sides keep changing: afterwards every mapped user shows what the rules want, each Teams → CXone
 * change was applied exactly once, and nothing was lost.
 */
describe('CXone faults', () => {
  let w: FaultWorld;
  beforeAll(async () => {
    w = await startFaultWorld({ agents: 24, options: { cxoneChangeMode: 'poll', cxonePollIntervalMs: 500 } });
    expect(describeMismatch(await w.converge())).toEqual([]);
  });
  afterAll(async () => w?.stop());

  /** Some agents' CXone states change and others join a Teams meeting while the fault holds. */
  async function duringFault(inject: () => void, heal: () => void, failedCalls: (since: number) => number) {
    const since = w.cxone.control.now();
    const idle = w
      .idleAgents()
      .filter((a) => w.graph.control.getPresence(w.cfg.mapped.get(a)!).aggregated.activity !== 'InAMeeting');
    const meeting = idle.filter((a) => w.cxone.control.agentState(a).state === 'Available').slice(0, 3);
    const flipped = idle.filter((a) => !meeting.includes(a));
    inject();
    for (const a of flipped) flip(w, a);
    for (const a of meeting) w.graph.control.startMeeting(w.cfg.mapped.get(a)!);
    // The fault is felt (bounded wait), then lifted.
    for (let i = 0; i < 200 && failedCalls(since) < 2; i++) await new Promise((r) => setTimeout(r, 100));
    expect(failedCalls(since)).toBeGreaterThanOrEqual(2);
    heal();
    const left = await w.converge(60_000);
    const writes = w.cxoneWrites(since);
    return { left, writes, meeting };
  }
  const failed = (status: number) => (since: number) =>
    w.cxone.control.calls({ since }).filter((c) => c.status === status).length;

  it('when CXone is unreachable for 30 s then both directions catch up and each meeting is set once', async () => {
    const r = await duringFault(
      () => w.cxone.control.injectFault({ kind: 'outage', forMs: 30_000 }),
      () => w.cxone.control.advanceTime(30_000),
      failed(0),
    );
    expect(describeMismatch(r.left)).toEqual([]);
    for (const a of r.meeting) expect(r.writes.get(a)?.ok, a).toBe(1);
  });

  it('when the access key is revoked and later restored then sync resumes and converges', async () => {
    const r = await duringFault(
      () => w.cxone.control.revokeKey(),
      () => w.cxone.control.restoreKey(),
      failed(401),
    );
    expect(describeMismatch(r.left)).toEqual([]);
    for (const a of r.meeting) expect(r.writes.get(a)?.ok, a).toBe(1);
  });

  it('when CXone answers 429 with Retry-After then calls wait and everything converges', async () => {
    const fault: FaultSpec = { kind: 'throttle', retryAfterSec: 1, requests: 8 };
    const r = await duringFault(
      () => w.cxone.control.injectFault(fault),
      () => {},
      failed(429),
    );
    expect(describeMismatch(r.left)).toEqual([]);
    for (const a of r.meeting) expect(r.writes.get(a)?.ok, a).toBe(1);
  });
});
