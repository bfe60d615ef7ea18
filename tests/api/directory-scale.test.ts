import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWorld, type World, waitForJob } from './emulators.ts';
import { type Caller, call } from './support.ts';

describe('directory sync with thousands of users (Graph paging, CXone paging)', () => {
  let w: World;
  let admin: Caller;
  let id = '';
  beforeAll(async () => {
    w = await startWorld({}, { agents: 2_500 });
    admin = await w.as(w.seed.users.find((u) => u.userPrincipalName.startsWith('it.admin'))!.id);
    id = await w.createConnection(admin);
  }, 120_000);
  afterAll(async () => w?.stop());

  it('when 2,500 agents and their users are synced then every row arrives and auto-map covers them', async () => {
    const start = await call<{ jobId: string }>(w.app, 'POST', `/api/connections/${id}/directory-sync`, admin);
    const again = await call<{ jobId: string; started: boolean }>(w.app, 'POST', `/api/connections/${id}/directory-sync`, admin);
    expect(again.body.jobId).toBe(start.body.jobId);
    expect(again.body.started).toBe(false);
    const job = await waitForJob(w.app, admin, id, start.body.jobId);
    expect(job).toMatchObject({ status: 'succeeded', result: { agents: 2_500, users: w.seed.users.length } });
    const map = await call<{ summary: { applied: number; confident: number; ambiguous: number; unmatched: number } }>(
      w.app,
      'POST',
      `/api/connections/${id}/mappings/auto-map`,
      admin,
      {},
    );
    expect(map.body.summary.applied + map.body.summary.confident + map.body.summary.ambiguous + map.body.summary.unmatched).toBe(
      2_500,
    );
    expect(map.body.summary.ambiguous).toBe(2);
    const page = await call<{ total: number }>(w.app, 'GET', `/api/connections/${id}/mappings?status=mapped&limit=1`, admin);
    expect(page.body.total).toBe(map.body.summary.applied);
  }, 120_000);
});
