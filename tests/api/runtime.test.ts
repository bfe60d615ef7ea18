import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_APP } from '../../emulators/graph/index.ts';
import { startWorld, type World } from './emulators.ts';
import { type Caller, call } from './support.ts';

describe('per-connection runtime provider', () => {
  let w: World;
  let admin: Caller;
  let id = '';
  beforeAll(async () => {
    w = await startWorld();
    admin = await w.as(w.seed.users.find((u) => u.userPrincipalName.startsWith('it.admin'))!.id);
    id = await w.createConnection(admin);
  });
  afterAll(async () => w?.stop());

  it('when a runtime is asked for then it is built from the stored connection with working Graph and CXone clients, and cached', async () => {
    expect(await w.app.runtimes.listConnectionIds()).toContain(id);
    const rt = await w.app.runtimes.get(id);
    expect(rt).toMatchObject({ connectionId: id, tenantId: w.seed.tenantId, options: { subscriptionGroupSize: 650 } });
    expect(await w.app.runtimes.get(id)).toBe(rt);
    expect(await rt.cxone.listAgents()).toHaveLength(48);
    const users = w.seed.agents.slice(0, 3).map((a) => a.teamsUserId!);
    expect([...(await rt.teams.getPresences(users)).keys()].sort()).toEqual([...users].sort());
  });

  it('when the client secret is rotated through the API then the next runtime uses it at once (no restart)', async () => {
    const before = await w.app.runtimes.get(id);
    await call(w.app, 'PATCH', `/api/connections/${id}`, admin, { azure: { clientSecret: 'not-the-right-secret' } });
    const broken = await w.app.runtimes.get(id);
    expect(broken).not.toBe(before);
    await expect(broken.teams.getPresences([w.seed.agents[0]!.teamsUserId!])).rejects.toThrow();
    await call(w.app, 'PATCH', `/api/connections/${id}`, admin, { azure: { clientSecret: DEFAULT_APP.clientSecret } });
    const healed = await w.app.runtimes.get(id);
    expect((await healed.teams.getPresences([w.seed.agents[0]!.teamsUserId!])).size).toBe(1);
    expect(w.app.rawLogs()).not.toContain('not-the-right-secret');
  });

  it('when options change then the runtime carries the new options', async () => {
    await call(w.app, 'PATCH', `/api/connections/${id}`, admin, {
      options: { subscriptionGroupSize: 100, cxoneChangeMode: 'push' },
    });
    expect((await w.app.runtimes.get(id)).options).toMatchObject({ subscriptionGroupSize: 100, cxoneChangeMode: 'push' });
  });

  it('when test-connection runs then its Graph calls draw on the tenant quota the engine uses', async () => {
    await call(w.app, 'PATCH', `/api/connections/${id}`, admin, {
      options: { graphQuota: { requests: 1_500, windowMs: 300_000 } },
    });
    const quota = w.app.runtimes.quotaFor(w.seed.tenantId);
    expect((await w.app.runtimes.get(id)).teams.quota).toBe(quota);
    const before = quota.snapshot().usedInWindow;
    const r = await call<{ ok: boolean }>(w.app, 'POST', `/api/connections/${id}/test`, admin);
    expect(r.body.ok).toBe(true);
    // GET /users, getPresencesByUserId, clearPresence.
    expect(quota.snapshot().usedInWindow - before).toBeGreaterThanOrEqual(3);
  });

  it('when the connection does not exist then get rejects and nothing is cached', async () => {
    await expect(w.app.runtimes.get('00000000-0000-4000-8000-000000000001')).rejects.toThrow(/does not exist/);
  });

  it('when directory sync cannot reach CXone (key revoked) then the job fails with a reason and no secret', async () => {
    w.cxone.control.revokeKey();
    try {
      const start = await call<{ jobId: string }>(w.app, 'POST', `/api/connections/${id}/directory-sync`, admin);
      let job: Record<string, unknown> = {};
      for (let i = 0; i < 200 && job.status !== 'failed' && job.status !== 'succeeded'; i++) {
        await new Promise((r) => setTimeout(r, 50));
        job = (await call(w.app, 'GET', `/api/connections/${id}/jobs/${start.body.jobId}`, admin)).body;
      }
      expect(job.status).toBe('failed');
      expect(String(job.error)).not.toContain(w.cxone.accessKey.secret);
      expect(String(job.error).length).toBeGreaterThan(5);
      const missing = await call(w.app, 'GET', `/api/connections/${id}/jobs/00000000-0000-4000-8000-000000000001`, admin);
      expect(missing.status).toBe(404);
    } finally {
      w.cxone.control.restoreKey();
    }
  });
});
