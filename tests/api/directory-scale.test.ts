import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cxoneAgents, cxoneTeams, teamsUsers } from '../../api/src/storage/schema.ts';
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

  it('when the directory is synced again then changed rows are corrected and none is duplicated', async () => {
    const { db } = w.app.storage;
    const agent = w.seed.agents[7]!;
    const user = w.seed.users.find((u) => u.displayName)!;
    await db.update(cxoneAgents).set({ firstName: 'Stale', isActive: false }).where(eq(cxoneAgents.agentId, agent.agentId));
    await db.update(teamsUsers).set({ displayName: 'Stale' }).where(eq(teamsUsers.userId, user.id));
    await db.update(cxoneTeams).set({ name: 'Stale' });
    const start = await call<{ jobId: string }>(w.app, 'POST', `/api/connections/${id}/directory-sync`, admin);
    expect(await waitForJob(w.app, admin, id, start.body.jobId)).toMatchObject({ status: 'succeeded' });
    const [a] = await db.select().from(cxoneAgents).where(eq(cxoneAgents.agentId, agent.agentId));
    expect(a).toMatchObject({ firstName: agent.firstName, isActive: true });
    const [u] = await db.select().from(teamsUsers).where(eq(teamsUsers.userId, user.id));
    expect(u?.displayName).toBe(user.displayName);
    expect(await db.select().from(cxoneTeams).where(eq(cxoneTeams.name, 'Stale'))).toEqual([]);
    expect(await db.$count(cxoneAgents)).toBe(2_500);
    expect(await db.$count(teamsUsers)).toBe(w.seed.users.length);
  }, 120_000);
});
