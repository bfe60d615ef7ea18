import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FaultSpec } from '../../emulators/graph/index.ts';
import { describeMismatch, type FaultWorld, flip, startFaultWorld } from './support.ts';

/**
 * Graph misbehaving while CXone changes keep coming: every mapped user still ends where the rules
 * say, each change is written once (failed attempts are only what the fault forced), nothing is lost.
 */
describe('Graph faults', () => {
  let w: FaultWorld;
  beforeAll(async () => {
    w = await startFaultWorld({ agents: 24 });
    expect(describeMismatch(await w.converge())).toEqual([]);
  });
  afterAll(async () => w?.stop());

  async function underFault(fault: FaultSpec, timeoutMs?: number) {
    const since = w.graph.control.now();
    const before = w.graph.control.stats();
    w.graph.control.injectFault(fault);
    const agents = w.idleAgents();
    const users = agents.map((a) => w.cfg.mapped.get(a)!);
    for (const a of agents) flip(w, a);
    const left = await w.converge(timeoutMs);
    w.graph.control.clearFaults();
    const writes = w.teamsWrites(since);
    return { left, writes, users, before, after: w.graph.control.stats() };
  }

  it('when Graph answers a storm of 429s with Retry-After then every user converges with one successful write each', async () => {
    const r = await underFault({ kind: 'throttle', pathPrefix: '/users/', retryAfterSeconds: 1, count: 12 });
    expect(describeMismatch(r.left)).toEqual([]);
    expect(r.after.throttled - r.before.throttled).toBeGreaterThanOrEqual(1);
    for (const u of r.users) expect(r.writes.get(u)?.ok, u).toBe(1);
    const failed = [...r.writes.values()].reduce((s, x) => s + x.failed, 0);
    expect(failed).toBeLessThanOrEqual(12);
  });

  it('when Graph answers 503 for a while then every user converges with one successful write each', async () => {
    const r = await underFault({ kind: 'server_error', pathPrefix: '/users/', status: 503, count: 10 });
    expect(describeMismatch(r.left)).toEqual([]);
    expect(r.after.serverErrors - r.before.serverErrors).toBe(10);
    for (const u of r.users) expect(r.writes.get(u)?.ok, u).toBe(1);
  });

  it('when Graph answers slowly then every user converges with one write each', async () => {
    const r = await underFault({ kind: 'slow', pathPrefix: '/users/', delayMs: 1_500, count: 6 });
    expect(describeMismatch(r.left)).toEqual([]);
    for (const u of r.users) expect(r.writes.get(u)?.ok, u).toBe(1);
  });

  it('when the app token expires mid-run and the token endpoint is down then writes wait for a new token and converge', {
    timeout: 90_000,
  }, async () => {
    // Sessions that do not fade (Away) are set now, after the current app token was issued.
    for (const a of w.idleAgents()) w.cxone.control.setAgentState(a, { state: 'Unavailable', outStateId: 2 });
    expect(describeMismatch(await w.converge())).toEqual([]);
    const issued = w.graph.control
      .calls({ pathPrefix: `/${w.graph.tenantId}/oauth2/v2.0/token` })
      .filter((c) => c.status === 200 && (c.body as { grant_type?: string }).grant_type === 'client_credentials')
      .map((c) => c.at);
    expect(issued.length).toBeGreaterThan(0);
    // Jump Graph's clock just past that token's lifetime (3599 s): it is refused; the sessions still hold.
    w.graph.control.advanceTime(Math.max(...issued) + 3_600_000 - w.graph.control.now());
    const tokensBefore = w.graph.control.stats().tokensIssued;
    // Three refused token requests: our backoff (1, 2, 4 s) rides them out. (msal alone would shut token
    // requests for 60 s after each, i.e. three minutes or more — past this wait.)
    const r = await underFault({ kind: 'token_endpoint_down', count: 3 }, 45_000);
    expect(describeMismatch(r.left)).toEqual([]);
    expect(w.graph.control.stats().tokensIssued).toBeGreaterThan(tokensBefore);
    for (const u of r.users) expect(r.writes.get(u)?.ok, u).toBe(1);
  });
});
