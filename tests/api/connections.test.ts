import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jobs } from '../../api/src/storage/schema.ts';
import {
  type ApiApp,
  AZURE_SECRET,
  type Caller,
  CXONE_SECRET,
  call,
  connectionBody,
  leaks,
  signIn,
  startApiApp,
  TENANT_A,
  TENANT_B,
} from './support.ts';

describe('connections API', () => {
  let app: ApiApp;
  let admin: Caller;
  let other: Caller;
  let stranger: Caller;
  const texts: string[] = [];
  let id = '';

  beforeAll(async () => {
    app = await startApiApp();
    admin = await signIn(app, { upn: 'admin@contoso.com' });
    other = await signIn(app, { upn: 'someone@contoso.com' });
    stranger = await signIn(app, { upn: 'eve@fabrikam.com', tenantId: TENANT_B });
  });
  afterAll(async () => app?.stop());

  it('when nobody is signed in then every admin route answers 401', async () => {
    for (const [m, p] of [
      ['GET', '/api/connections'],
      ['POST', '/api/connections'],
      ['GET', '/api/connections/9a3c1f52-6d0e-4b8f-a2c4-5e7d9b1f3a60'],
      ['GET', '/api/me/status'],
    ] as const) {
      const r = await call(app, m, p, null, m === 'POST' ? {} : undefined);
      expect(r.status, `${m} ${p}`).toBe(401);
      expect(r.body).toMatchObject({ error: { code: 'unauthorized' } });
    }
  });

  it('when a connection is created then the creator is admin and secrets show only as set', async () => {
    const r = await call(app, 'POST', '/api/connections', admin, connectionBody());
    texts.push(r.text);
    expect(r.status).toBe(201);
    id = (r.body as { id: string }).id;
    expect(r.body).toMatchObject({
      tenantId: TENANT_A,
      isAdmin: true,
      azure: { clientSecret: { set: true, updatedAt: expect.any(String) } },
      cxone: { accessKeySecret: { set: true } },
      options: { subscriptionGroupSize: 650, cxoneChangeMode: 'poll' },
    });
    const admins = await call(app, 'GET', `/api/connections/${id}/admins`, admin);
    expect((admins.body as { items: { userId: string }[] }).items.map((a) => a.userId)).toEqual([admin.userId]);
    expect(app.events.some((e) => e.kind === 'settings_changed' && e.connectionId === id && e.agentIds === 'all')).toBe(true);
  });

  it('when the body is malformed then 400 names each field and nothing is created', async () => {
    const bad = connectionBody();
    const r = await call(app, 'POST', '/api/connections', admin, {
      ...bad,
      azure: { ...bad.azure, clientId: 'nope' },
      cxone: { ...bad.cxone, baseUrl: 'ftp://x' },
      extra: 1,
    });
    expect(r.status).toBe(400);
    const fields = (r.body as { error: { details: { fields: { field: string }[] } } }).error.details.fields.map((f) => f.field);
    expect(fields).toEqual(expect.arrayContaining(['azure.clientId', 'cxone.baseUrl']));
    expect(r.text).toMatch(/extra/);
    const list = await call(app, 'GET', '/api/connections', admin);
    expect((list.body as { items: unknown[] }).items).toHaveLength(1);
  });

  it('when system-user mode is turned on without accepting the MFA warning then 400 names the field', async () => {
    const r = await call(app, 'PATCH', `/api/connections/${id}`, admin, { options: { systemUserMode: true } });
    expect(r.status).toBe(400);
    expect(r.text).toContain('options.systemUserMfaWarningAccepted');
    const ok = await call(app, 'PATCH', `/api/connections/${id}`, admin, {
      options: { systemUserMode: true, systemUserMfaWarningAccepted: true },
    });
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ options: { systemUserMode: true } });
  });

  it('when the azure tenant is not the caller’s then 400 names azure.tenantId', async () => {
    const r = await call(app, 'POST', '/api/connections', admin, connectionBody(TENANT_B));
    expect(r.status).toBe(400);
    expect(r.text).toContain('azure.tenantId');
  });

  it('when a non-admin of the same tenant reads it then 403; another tenant gets 404', async () => {
    expect((await call(app, 'GET', `/api/connections/${id}`, other)).status).toBe(403);
    expect((await call(app, 'PATCH', `/api/connections/${id}`, other, { name: 'x' })).status).toBe(403);
    expect((await call(app, 'GET', `/api/connections/${id}`, stranger)).status).toBe(404);
    expect((await call(app, 'DELETE', `/api/connections/${id}`, stranger)).status).toBe(404);
    const list = await call(app, 'GET', '/api/connections', stranger);
    expect(list.body).toEqual({ items: [], others: [] });
    const colleague = await call<{ items: unknown[]; others: { id: string; name: string }[] }>(
      app,
      'GET',
      '/api/connections',
      other,
    );
    expect(colleague.body.items).toEqual([]);
    expect(colleague.body.others).toEqual([{ id, name: expect.any(String) }]);
    expect(colleague.text).not.toContain('key-id-1');
  });

  it('when the id is not a GUID then 400 names the path field', async () => {
    const r = await call(app, 'GET', '/api/connections/not-a-guid', admin);
    expect(r.status).toBe(400);
    expect(r.body).toMatchObject({ error: { code: 'validation_failed', details: { fields: [{ field: 'id' }] } } });
  });

  it('when a secret is rotated then the read shows a new updatedAt, the audit records it without the value', async () => {
    const before = await call<{ azure: { clientSecret: { updatedAt: string } } }>(app, 'GET', `/api/connections/${id}`, admin);
    await new Promise((r) => setTimeout(r, 5));
    const r = await call(app, 'PATCH', `/api/connections/${id}`, admin, {
      azure: { clientSecret: 'rotated-SECRET-xyz' },
      name: 'Renamed',
    });
    texts.push(r.text, before.text);
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ name: 'Renamed', azure: { clientSecret: { set: true } } });
    expect((r.body as { azure: { clientSecret: { updatedAt: string } } }).azure.clientSecret.updatedAt).not.toBe(
      before.body.azure.clientSecret.updatedAt,
    );
    const audit = await call<{
      items: { action: string; actor: string; before: unknown; after: { rotatedSecrets?: string[] } }[];
    }>(app, 'GET', `/api/connections/${id}/audit`, admin);
    texts.push(audit.text);
    const entry = audit.body.items.find((e) => e.action === 'connection.update')!;
    expect(entry.actor).toContain('admin@contoso.com');
    expect(entry.after.rotatedSecrets).toEqual(['azure.clientSecret']);
    expect(audit.body.items.map((e) => e.action)).toContain('connection.create');
    expect(leaks(app, texts, ['rotated-SECRET-xyz'])).toEqual([]);
  });

  it('when admins add and remove admins then the new admin gets access and the last admin cannot be removed', async () => {
    expect((await call(app, 'POST', `/api/connections/${id}/admins`, admin, { userId: other.userId })).status).toBe(201);
    expect((await call(app, 'GET', `/api/connections/${id}`, other)).status).toBe(200);
    expect((await call(app, 'POST', `/api/connections/${id}/admins`, admin, { userId: other.userId })).status).toBe(409);
    expect((await call(app, 'POST', `/api/connections/${id}/admins`, admin, { userId: 'x' })).text).toContain('userId');
    expect((await call(app, 'DELETE', `/api/connections/${id}/admins/${admin.userId}`, other)).status).toBe(204);
    expect((await call(app, 'GET', `/api/connections/${id}`, admin)).status).toBe(403);
    const last = await call(app, 'DELETE', `/api/connections/${id}/admins/${other.userId}`, other);
    expect(last.status).toBe(409);
    const audit = await call<{ items: { action: string }[] }>(app, 'GET', `/api/connections/${id}/audit`, other);
    expect(audit.body.items.map((e) => e.action)).toEqual(expect.arrayContaining(['admin.add', 'admin.remove']));
  });

  it('when a push secret is set then it is write-only; a short one is refused naming cxone.pushSecret', async () => {
    const short = await call(app, 'PATCH', `/api/connections/${id}`, other, { cxone: { pushSecret: 'short' } });
    expect(short.status).toBe(400);
    expect(short.text).toContain('cxone.pushSecret');
    const r = await call(app, 'PATCH', `/api/connections/${id}`, other, { cxone: { pushSecret: 'push-SECRET-0123456789' } });
    texts.push(r.text);
    expect(r.body).toMatchObject({ cxone: { pushSecret: { set: true } } });
    const cleared = await call(app, 'PATCH', `/api/connections/${id}`, other, { cxone: { pushSecret: null } });
    expect(cleared.body).toMatchObject({ cxone: { pushSecret: { set: false } } });
  });

  it('when the body is not a JSON object then 400; when the token is missing the answer says Bearer', async () => {
    const text = await call(app, 'PATCH', `/api/connections/${id}`, other, '[1,2]');
    expect(text.status).toBe(400);
    const bad = await call(app, 'PATCH', `/api/connections/${id}`, other, '{"name":', { 'content-type': 'application/json' });
    expect(bad.status).toBe(400);
    const anon = await call(app, 'GET', `/api/connections/${id}`, null);
    expect(anon.headers.get('www-authenticate')).toMatch(/^Bearer/);
  });

  it('when a job of another module holds sealed material then the jobs route does not show it', async () => {
    const [job] = await app.storage.db
      .insert(jobs)
      .values({ connectionId: id, kind: 'owner_sign_in', status: 'running', progress: { verifierEnc: 'v1.sealed.value.x' } })
      .returning();
    const r = await call(app, 'GET', `/api/connections/${id}/jobs/${job!.id}`, other);
    expect(r.status).toBe(404);
    expect(r.text).not.toContain('sealed');
  });

  it('when the identity platform cannot be reached then the token check says so and how to fix it', async () => {
    const r = await call<{ ok: boolean; checks: { id: string; status: string; detail: string; fix?: string }[] }>(
      app,
      'POST',
      `/api/connections/${id}/test`,
      other,
    );
    texts.push(r.text);
    expect(r.body.ok).toBe(false);
    const token = r.body.checks.find((c) => c.id === 'azure.token')!;
    expect(token).toMatchObject({ status: 'failed', detail: expect.stringMatching(/identity platform could not be reached/i) });
    expect(token.fix).toMatch(/AUTHORITY_HOST/);
  });

  it('when the body is larger than the limit then 413', async () => {
    const big = JSON.stringify({ name: 'x'.repeat(1_200_000) });
    const r = await call(app, 'PATCH', `/api/connections/${id}`, other, big);
    expect(r.status).toBe(413);
  });

  it('when anything happened then no secret appears in any response or log line', async () => {
    expect(leaks(app, texts, [AZURE_SECRET, CXONE_SECRET, 'rotated-SECRET-xyz', 'push-SECRET-0123456789'])).toEqual([]);
  });
});
