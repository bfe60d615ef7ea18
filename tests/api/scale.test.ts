import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cxoneAgents, teamsUsers } from '../../api/src/storage/schema.ts';
import { type ApiApp, type Caller, call, connectionBody, signIn, startApiApp } from './support.ts';

const N = 10_000;

describe('mappings at 10,000 agents', () => {
  let app: ApiApp;
  let admin: Caller;
  let base = '';
  beforeAll(async () => {
    app = await startApiApp();
    admin = await signIn(app, { upn: 'admin@contoso.com' });
    const c = await call<{ id: string }>(app, 'POST', '/api/connections', admin, connectionBody());
    base = `/api/connections/${c.body.id}`;
    const id = c.body.id;
    for (let i = 0; i < N; i += 1000) {
      const idx = Array.from({ length: Math.min(1000, N - i) }, (_, k) => i + k);
      await app.storage.db.insert(cxoneAgents).values(
        idx.map((n) => ({
          connectionId: id,
          agentId: String(500000 + n),
          firstName: `First${n}`,
          lastName: `Last${n}`,
          email: `agent${n}@contoso.com`,
          teamId: `T${n % 20}`,
        })),
      );
      // Every 10th user has a different address, so it is found by name only.
      await app.storage.db.insert(teamsUsers).values(
        idx.map((n) => ({
          connectionId: id,
          userId: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
          userPrincipalName: n % 10 === 0 ? `f${n}.l@contoso.com` : `agent${n}@contoso.com`,
          mail: null,
          displayName: `First${n} Last${n}`,
        })),
      );
    }
  }, 120_000);
  afterAll(async () => app?.stop());

  it('when auto-map runs then exact matches are applied and name-only ones proposed', async () => {
    const r = await call<{ summary: Record<string, number> }>(app, 'POST', `${base}/mappings/auto-map`, admin, {});
    expect(r.status).toBe(200);
    expect(r.body.summary).toEqual({ applied: 9_000, confident: 1_000, ambiguous: 0, unmatched: 0 });
    const ev = app.events.at(-1)!;
    expect(ev.kind === 'settings_changed' && ev.agentIds !== 'all' ? ev.agentIds.length : 0).toBe(9_000);
  }, 60_000);

  it('when filtering, searching and paging then totals and pages come from SQL', async () => {
    const unmapped = await call<{ total: number; items: unknown[] }>(
      app,
      'GET',
      `${base}/mappings?status=unmapped&limit=100`,
      admin,
    );
    expect(unmapped.body.total).toBe(1_000);
    expect(unmapped.body.items).toHaveLength(100);
    const team = await call<{ total: number }>(app, 'GET', `${base}/mappings?teamId=T3`, admin);
    expect(team.body.total).toBe(500);
    const search = await call<{ total: number; items: { agentId: string }[] }>(
      app,
      'GET',
      `${base}/mappings?q=agent4242%40`,
      admin,
    );
    expect(search.body.items.map((i) => i.agentId)).toEqual(['504242']);
    const last = await call<{ items: unknown[] }>(app, 'GET', `${base}/mappings?limit=500&offset=9900`, admin);
    expect(last.body.items).toHaveLength(100);
    const wild = await call<{ total: number }>(app, 'GET', `${base}/mappings?q=${encodeURIComponent('%_')}`, admin);
    expect(wild.body.total).toBe(0);
  });

  it('when candidates are asked for a name-only agent then the right user comes first', async () => {
    const c = await call<{ items: { userId: string; signal: string }[] }>(
      app,
      'GET',
      `${base}/mappings/500010/candidates`,
      admin,
    );
    expect(c.body.items[0]).toMatchObject({ userId: '00000000-0000-4000-8000-000000000010', signal: 'display_name' });
  });
});
