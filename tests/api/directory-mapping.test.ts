import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { subscriptionOwners } from '../../api/src/storage/schema.ts';
import { DEFAULT_APP } from '../../emulators/graph/index.ts';
import { startWorld, type World, waitForJob } from './emulators.ts';
import { type Caller, call } from './support.ts';

type Check = { id: string; status: string; detail: string; fix?: string };
type Report = {
  ok: boolean;
  checks: Check[];
  permissions: { permission: string; granted: boolean; confirmed: string; why: string }[];
  adminConsentUrl: string;
};
type Proposal = {
  agentId: string;
  status: string;
  userId: string | null;
  signal: string;
  confidence: number;
  candidates: { userId: string }[];
};

describe('test-connection, directory sync and auto-map against the Graph and CXone emulators', () => {
  let w: World;
  let admin: Caller;
  let agentUser: Caller;
  let id = '';
  const texts: string[] = [];
  const failed = (r: Report) => r.checks.filter((c) => c.status === 'failed');

  beforeAll(async () => {
    w = await startWorld();
    admin = await w.as(w.seed.users.find((u) => u.userPrincipalName.startsWith('it.admin'))!.id);
    agentUser = await w.as(w.seed.agents[0]!.teamsUserId!);
    id = await w.createConnection(admin);
    w.cxone.control.login(w.seed.agents[1]!.agentId);
    w.cxone.control.setAgentState(w.seed.agents[1]!.agentId, { state: 'Available' });
  });
  afterAll(async () => w?.stop());

  it('when everything is in order then every check passes and each permission says why it is needed', async () => {
    const r = await call<Report>(w.app, 'POST', `/api/connections/${id}/test`, admin);
    texts.push(r.text);
    expect(r.status).toBe(200);
    expect(failed(r.body)).toEqual([]);
    expect(r.body.ok).toBe(true);
    expect(r.body.permissions.map((p) => [p.permission, p.granted, p.confirmed])).toEqual([
      ['User.Read.All', true, 'ok'],
      ['Presence.Read.All', true, 'ok'],
      ['Presence.ReadWrite.All', true, 'ok'],
    ]);
    for (const p of r.body.permissions) expect(p.why.length).toBeGreaterThan(10);
    expect(r.body.checks.find((c) => c.id === 'cxone.setState')).toMatchObject({ status: 'ok' });
  });

  it('when Presence.ReadWrite.All is removed then exactly that check fails with the admin-consent link', async () => {
    w.graph.control.setRoles(DEFAULT_APP.clientId, ['User.Read.All', 'Presence.Read.All']);
    try {
      const r = await call<Report>(w.app, 'POST', `/api/connections/${id}/test`, admin);
      expect(r.body.ok).toBe(false);
      const ids = failed(r.body).map((c) => c.id);
      expect(ids).toContain('azure.permission.Presence.ReadWrite.All');
      expect(ids.every((x) => x.includes('Presence.ReadWrite.All'))).toBe(true);
      const perm = failed(r.body).find((c) => c.id === 'azure.permission.Presence.ReadWrite.All')!;
      expect(perm.fix).toContain('adminconsent?client_id=');
      expect(r.body.adminConsentUrl).toContain(w.graph.authorityHost);
      expect(r.body.permissions.find((p) => p.permission === 'Presence.ReadWrite.All')).toMatchObject({ granted: false });
    } finally {
      w.graph.control.setRoles(DEFAULT_APP.clientId, DEFAULT_APP.roles);
    }
  });

  it('when system-user mode is on then User.ReadWrite.All is required and reported missing', async () => {
    await call(w.app, 'PATCH', `/api/connections/${id}`, admin, {
      options: { systemUserMode: true, systemUserMfaWarningAccepted: true },
    });
    try {
      const r = await call<Report>(w.app, 'POST', `/api/connections/${id}/test`, admin);
      expect(r.body.permissions.map((p) => p.permission)).toContain('User.ReadWrite.All');
      expect(failed(r.body).map((c) => c.id)).toEqual(['azure.permission.User.ReadWrite.All']);
    } finally {
      await call(w.app, 'PATCH', `/api/connections/${id}`, admin, { options: { systemUserMode: false } });
    }
  });

  it('when the client secret is wrong then the token check names the secret; rotating it back heals without a restart', async () => {
    await call(w.app, 'PATCH', `/api/connections/${id}`, admin, { azure: { clientSecret: 'wrong-secret-value-123' } });
    const bad = await call<Report>(w.app, 'POST', `/api/connections/${id}/test`, admin);
    texts.push(bad.text);
    const token = bad.body.checks.find((c) => c.id === 'azure.token')!;
    expect(token.status).toBe('failed');
    expect(`${token.detail} ${token.fix}`).toMatch(/secret/i);
    await call(w.app, 'PATCH', `/api/connections/${id}`, admin, { azure: { clientSecret: DEFAULT_APP.clientSecret } });
    const good = await call<Report>(w.app, 'POST', `/api/connections/${id}/test`, admin);
    expect(good.body.ok).toBe(true);
  });

  it('when the CXone access key is revoked then the CXone check fails and says how to fix the key', async () => {
    w.cxone.control.revokeKey();
    try {
      const r = await call<Report>(w.app, 'POST', `/api/connections/${id}/test`, admin);
      const c = failed(r.body);
      expect(c.map((x) => x.id)).toEqual(['cxone.agents']);
      expect(c[0]!.fix).toMatch(/access key/i);
    } finally {
      w.cxone.control.restoreKey();
    }
  });

  it('when a subscription owner’s token cannot be refreshed then that owner’s check fails and says to sign in again', async () => {
    const owner = w.seed.users.find((u) => u.role === 'owner')!;
    const [row] = await w.app.storage.db
      .insert(subscriptionOwners)
      .values({
        connectionId: id,
        userId: owner.id,
        userPrincipalName: owner.userPrincipalName,
        kind: 'signed_in',
        refreshTokenEnc: w.app.secrets.seal('bogus-refresh-token-value'),
      })
      .returning();
    try {
      const r = await call<Report>(w.app, 'POST', `/api/connections/${id}/test`, admin);
      texts.push(r.text);
      const c = r.body.checks.find((x) => x.id === `azure.owner.${owner.userPrincipalName}`)!;
      expect(c.status).toBe('failed');
      expect(c.fix).toMatch(/sign .* in again/i);
    } finally {
      await w.app.storage.db.delete(subscriptionOwners).where(eq(subscriptionOwners.id, row!.id));
    }
    expect(w.app.rawLogs()).not.toContain('bogus-refresh-token-value');
  });

  it('when directory sync runs then a job reports progress and fills agents, teams, codes and users', async () => {
    const start = await call<{ jobId: string }>(w.app, 'POST', `/api/connections/${id}/directory-sync`, admin);
    expect(start.status).toBe(202);
    const job = await waitForJob(w.app, admin, id, start.body.jobId);
    expect(job).toMatchObject({ status: 'succeeded', result: { agents: 48, teams: 4, users: w.seed.users.length, codes: 28 } });
    const codes = await call<{ items: { outStateId: number }[] }>(
      w.app,
      'GET',
      `/api/connections/${id}/unavailable-codes`,
      admin,
    );
    expect(codes.body.items.map((c) => c.outStateId)).toEqual([1, 2, 3, 4, 5, 6, 9]);
    expect(w.app.events.some((e) => e.kind === 'settings_changed' && e.connectionId === id && e.agentIds === 'all')).toBe(true);
  });

  it('when auto-map runs on the seed then exact matches are applied and the traps are proposed or left unmatched', async () => {
    const before = w.app.events.length;
    const r = await call<{
      applied: { agentId: string }[];
      proposals: Proposal[];
      unmatched: string[];
      summary: Record<string, number>;
    }>(w.app, 'POST', `/api/connections/${id}/mappings/auto-map`, admin, {});
    expect(r.status).toBe(200);
    const a = w.seed.agents;
    expect(r.body.summary).toEqual({ applied: 43, confident: 2, ambiguous: 2, unmatched: 1 });
    const by = new Map(r.body.proposals.map((p) => [p.agentId, p]));
    expect(by.get(a[3]!.agentId)).toMatchObject({ status: 'confident', signal: 'local_part', userId: a[3]!.teamsUserId });
    expect(by.get(a[5]!.agentId)).toMatchObject({ status: 'confident', userId: a[5]!.teamsUserId });
    for (const i of [7, 8]) {
      const p = by.get(a[i]!.agentId)!;
      expect(p).toMatchObject({ status: 'ambiguous', userId: null, signal: 'display_name' });
      expect(p.candidates.map((c) => c.userId).sort()).toEqual([a[7]!.teamsUserId, a[8]!.teamsUserId].sort());
    }
    expect(r.body.unmatched).toEqual([a[10]!.agentId]);
    const ev = w.app.events.slice(before).find((e) => e.kind === 'settings_changed')!;
    expect(ev.kind === 'settings_changed' && ev.agentIds !== 'all' && ev.agentIds.length).toBe(43);
    // Nothing ambiguous was applied.
    const unmapped = await call<{ items: { agentId: string }[]; total: number }>(
      w.app,
      'GET',
      `/api/connections/${id}/mappings?status=unmapped`,
      admin,
    );
    expect(unmapped.body.items.map((i) => i.agentId).sort()).toEqual([3, 5, 7, 8, 10].map((i) => a[i]!.agentId).sort());
  });

  it('when proposals are confirmed then they are saved all-or-nothing; a bad one is named and nothing changes', async () => {
    const a = w.seed.agents;
    const bad = await call(w.app, 'POST', `/api/connections/${id}/mappings/confirm`, admin, {
      proposals: [
        { agentId: a[3]!.agentId, userId: a[3]!.teamsUserId },
        { agentId: a[5]!.agentId, userId: a[0]!.teamsUserId },
      ],
    });
    expect(bad.status).toBe(409);
    expect(bad.text).toContain('proposals.1.userId');
    const still = await call<{ total: number }>(w.app, 'GET', `/api/connections/${id}/mappings?status=unmapped`, admin);
    expect(still.body.total).toBe(5);
    const ok = await call(w.app, 'POST', `/api/connections/${id}/mappings/confirm`, admin, {
      proposals: [
        { agentId: a[3]!.agentId, userId: a[3]!.teamsUserId },
        { agentId: a[5]!.agentId, userId: a[5]!.teamsUserId },
      ],
    });
    expect(ok.body).toEqual({ confirmed: 2 });
    const list = await call<{ items: { agentId: string; mapping: { source: string; signal: string } }[] }>(
      w.app,
      'GET',
      `/api/connections/${id}/mappings?q=${encodeURIComponent(a[3]!.lastName)}&status=mapped`,
      admin,
    );
    expect(list.body.items.find((i) => i.agentId === a[3]!.agentId)?.mapping).toMatchObject({
      source: 'auto_confirmed',
      signal: 'local_part',
    });
  });

  it('when an ambiguous agent is remapped by hand then candidates list both Alex Kims and a taken user is refused with 409', async () => {
    const a = w.seed.agents;
    const c = await call<{ items: { userId: string; signal: string }[] }>(
      w.app,
      'GET',
      `/api/connections/${id}/mappings/${a[8]!.agentId}/candidates`,
      admin,
    );
    expect(
      c.body.items
        .slice(0, 2)
        .map((x) => x.userId)
        .sort(),
    ).toEqual([a[7]!.teamsUserId, a[8]!.teamsUserId].sort());
    const taken = await call(w.app, 'PUT', `/api/connections/${id}/mappings/${a[8]!.agentId}`, admin, {
      userId: a[0]!.teamsUserId,
    });
    expect(taken.status).toBe(409);
    expect(taken.text).toContain(a[0]!.agentId);
    const before = w.app.events.length;
    const ok = await call(w.app, 'PUT', `/api/connections/${id}/mappings/${a[8]!.agentId}`, admin, { userId: a[8]!.teamsUserId });
    expect(ok.status).toBe(200);
    expect(w.app.events.slice(before)).toEqual([
      expect.objectContaining({ kind: 'settings_changed', connectionId: id, agentIds: [a[8]!.agentId] }),
    ]);
    const noUser = await call(w.app, 'PUT', `/api/connections/${id}/mappings/${a[7]!.agentId}`, admin, { userId: 'nobody' });
    expect(noUser.status).toBe(400);
    expect(noUser.text).toContain('userId');
  });

  it('when agents are excluded, included and unmapped then exactly those agents are published and audited', async () => {
    const a = w.seed.agents;
    const ids = [a[0]!.agentId, a[1]!.agentId];
    const before = w.app.events.length;
    const ex = await call(w.app, 'POST', `/api/connections/${id}/mappings/include`, admin, { agentIds: ids, included: false });
    expect(ex.body).toEqual({ changed: ids });
    const excluded = await call<{ total: number }>(w.app, 'GET', `/api/connections/${id}/mappings?status=excluded`, admin);
    expect(excluded.body.total).toBe(2);
    expect(
      (await call(w.app, 'PATCH', `/api/connections/${id}/mappings/${a[0]!.agentId}`, admin, { included: true })).status,
    ).toBe(200);
    expect((await call(w.app, 'DELETE', `/api/connections/${id}/mappings/${a[1]!.agentId}`, admin)).status).toBe(204);
    expect((await call(w.app, 'DELETE', `/api/connections/${id}/mappings/${a[1]!.agentId}`, admin)).status).toBe(404);
    expect(w.app.events.slice(before).map((e) => (e.kind === 'settings_changed' ? e.agentIds : null))).toEqual([
      ids,
      [a[0]!.agentId],
      [a[1]!.agentId],
    ]);
    const audit = await call<{ items: { action: string; target: string }[] }>(
      w.app,
      'GET',
      `/api/connections/${id}/audit?limit=10`,
      admin,
    );
    expect(audit.body.items.slice(0, 3).map((e) => e.action)).toEqual(['mapping.remove', 'mapping.include', 'mapping.exclude']);
    const bad = await call(w.app, 'POST', `/api/connections/${id}/mappings/include`, admin, { agentIds: 'x', included: 'yes' });
    expect(bad.status).toBe(400);
    expect(bad.text).toMatch(/agentIds/);
    expect(bad.text).toMatch(/included/);
  });

  it('when an admin is added by UPN from the synced directory then that user gets access; an unknown UPN is 400', async () => {
    const staff = w.seed.users.find((u) => u.userPrincipalName.startsWith('facilities'))!;
    const bad = await call(w.app, 'POST', `/api/connections/${id}/admins`, admin, { upn: 'ghost@contoso.com' });
    expect(bad.status).toBe(400);
    expect(bad.text).toContain('upn');
    const ok = await call<{ items: { userId: string; displayName: string }[] }>(
      w.app,
      'POST',
      `/api/connections/${id}/admins`,
      admin,
      {
        upn: staff.userPrincipalName.toUpperCase(),
      },
    );
    expect(ok.status).toBe(201);
    expect(ok.body.items.find((a) => a.userId === staff.id)).toMatchObject({ displayName: staff.userPrincipalName });
    expect((await call(w.app, 'GET', `/api/connections/${id}`, await w.as(staff.id))).status).toBe(200);
  });

  it('when an agent (not an admin) calls admin routes then 403, but their own status works', async () => {
    expect((await call(w.app, 'GET', `/api/connections/${id}/mappings`, agentUser)).status).toBe(403);
    const me = await call<{ mapped: boolean; items: { agentId: string; rule: unknown }[] }>(
      w.app,
      'GET',
      '/api/me/status',
      agentUser,
    );
    expect(me.status).toBe(200);
    expect(me.body.mapped).toBe(true);
    expect(me.body.items.map((i) => i.agentId)).toEqual([w.seed.agents[0]!.agentId]);
  });

  it('when listing mappings with bad query parameters then 400 names them', async () => {
    const r = await call(w.app, 'GET', `/api/connections/${id}/mappings?status=weird&limit=0&bogus=1`, admin);
    expect(r.status).toBe(400);
    expect(r.text).toContain('status');
    expect(r.text).toContain('limit');
  });

  it('when all this happened then no secret reached a response or a log line', () => {
    const raw = w.app.rawLogs();
    for (const s of [DEFAULT_APP.clientSecret, w.cxone.accessKey.secret, 'wrong-secret-value-123']) {
      expect(raw).not.toContain(s);
      for (const t of texts) expect(t).not.toContain(s);
    }
  });
});
