import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiApp, type Caller, call, connectionBody, signIn, startApiApp } from '../api/support.ts';

describe('connection options patch', () => {
  let app: ApiApp;
  let admin: Caller;
  beforeAll(async () => {
    app = await startApiApp();
    admin = await signIn(app, { upn: 'admin@contoso.com' });
  });
  afterAll(async () => app?.stop());

  it('when one option is patched then every other option keeps its value', async () => {
    const body = {
      ...connectionBody(),
      options: { presenceWatch: 'subscriptions', graphQuota: { requests: 9_000, windowMs: 30_000 }, subscriptionGroupSize: 100 },
    };
    const c = await call<{ id: string; options: Record<string, unknown> }>(app, 'POST', '/api/connections', admin, body);
    expect(c.status).toBe(201);
    const p = await call<{ options: Record<string, unknown> }>(app, 'PATCH', `/api/connections/${c.body.id}`, admin, {
      options: { cxoneChangeMode: 'push' },
    });
    expect(p.status).toBe(200);
    expect(p.body.options).toMatchObject({
      cxoneChangeMode: 'push',
      presenceWatch: 'subscriptions',
      graphQuota: { requests: 9_000, windowMs: 30_000 },
      subscriptionGroupSize: 100,
    });
  });

  it('when a patch names an unknown option then 400 names it and nothing changes', async () => {
    const c = await call<{ id: string }>(app, 'POST', '/api/connections', admin, connectionBody());
    const p = await call<{ error: string }>(app, 'PATCH', `/api/connections/${c.body.id}`, admin, { options: { bogus: 1 } });
    expect(p.status).toBe(400);
    expect(p.text).toContain('bogus');
    const g = await call<{ options: Record<string, unknown> }>(app, 'GET', `/api/connections/${c.body.id}`, admin);
    expect(g.body.options).toMatchObject({ cxoneChangeMode: 'poll', presenceWatch: 'reader' });
  });
});
