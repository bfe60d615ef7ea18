import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  cxoneAgents,
  cxoneTeams,
  cxoneUnavailableCodes,
  decisions,
  mappings,
  syncState,
  teamsUsers,
} from '../../api/src/storage/schema.ts';
import { type ApiApp, type Caller, call, connectionBody, signIn, startApiApp, TENANT_B } from './support.ts';

type Rule = { id: string; name: string; version: number; warnings: { field: string }[] };
const settings = (app: ApiApp, from: number) =>
  app.events
    .slice(from)
    .map((e) => (e.kind === 'settings_changed' ? (e.agentIds === 'all' ? 'all' : [...e.agentIds].sort()) : null));

// Agents a1..a6: a1-a3 in team T1, a4-a5 in T2, a6 in T1 but unmapped.
const AGENTS = [
  ['a1', 'T1'],
  ['a2', 'T1'],
  ['a3', 'T1'],
  ['a4', 'T2'],
  ['a5', 'T2'],
  ['a6', 'T1'],
] as const;
const uid = (a: string) => `u-${a}`;

describe('rules, assignments, preview, activity and status', () => {
  let app: ApiApp;
  let admin: Caller;
  let id = '';
  let base = '';
  let defaultRule: Rule;
  let salesRule: Rule;

  beforeAll(async () => {
    app = await startApiApp();
    admin = await signIn(app, { upn: 'admin@contoso.com' });
    const c = await call<{ id: string }>(app, 'POST', '/api/connections', admin, connectionBody());
    id = c.body.id;
    base = `/api/connections/${id}`;
    const db = app.storage.db;
    await db.insert(cxoneTeams).values([
      { connectionId: id, teamId: 'T1', name: 'Sales' },
      { connectionId: id, teamId: 'T2', name: 'Care' },
    ]);
    await db.insert(cxoneAgents).values(
      AGENTS.map(([a, t]) => ({
        connectionId: id,
        agentId: a,
        firstName: a.toUpperCase(),
        lastName: 'Agent',
        email: `${a}@contoso.com`,
        teamId: t,
      })),
    );
    await db.insert(cxoneUnavailableCodes).values([
      { connectionId: id, teamId: 'T1', outStateId: 1, name: 'Break' },
      { connectionId: id, teamId: 'T1', outStateId: 9, name: 'ACW', isAcw: true },
      { connectionId: id, teamId: 'T2', outStateId: 1, name: 'Break' },
    ]);
    await db.insert(teamsUsers).values(
      AGENTS.map(([a]) => ({
        connectionId: id,
        userId: uid(a),
        userPrincipalName: `${a}@contoso.com`,
        displayName: `${a.toUpperCase()} Agent`,
      })),
    );
    await db
      .insert(mappings)
      .values(
        AGENTS.filter(([a]) => a !== 'a6').map(([a]) => ({ connectionId: id, agentId: a, userId: uid(a), source: 'manual' })),
      );
  });
  afterAll(async () => app?.stop());

  it('when a rule is invalid then 400 names each row field and nothing is saved', async () => {
    const r = await call(app, 'POST', `${base}/rules`, admin, {
      name: 'Bad',
      rows: [
        { direction: 'to_teams', cxone: { condition: 'available' }, teams: { availability: 'Busy', activity: 'Busy' } },
        {
          direction: 'to_teams',
          cxone: { condition: 'unavailable', outStateId: 99 },
          teams: { availability: 'Away', activity: 'Away' },
        },
        { direction: 'to_cxone', teams: { availability: 'Busy' }, cxone: { condition: 'unavailable', outStateId: 9 } },
      ],
    });
    expect(r.status).toBe(400);
    const fields = (r.body as { error: { details: { fields: { field: string }[] } } }).error.details.fields.map((f) => f.field);
    expect(fields).toEqual(['rows.0.teams', 'rows.1.cxone.outStateId', 'rows.2.cxone.outStateId']);
    const shape = await call(app, 'POST', `${base}/rules`, admin, { name: '', rows: [{ direction: 'sideways' }] });
    expect(shape.status).toBe(400);
    expect(shape.text).toContain('name');
    expect(shape.text).toContain('rows.0.direction');
    expect((await call<{ items: unknown[] }>(app, 'GET', `${base}/rules`, admin)).body.items).toEqual([]);
  });

  it('when a default rule is created then it answers its warnings and every mapped agent is published', async () => {
    const from = app.events.length;
    const r = await call<Rule>(app, 'POST', `${base}/rules`, admin, {
      name: 'Default',
      isDefault: true,
      rows: [
        { direction: 'to_teams', cxone: { condition: 'available' }, teams: { availability: 'Available', activity: 'Available' } },
        { direction: 'to_teams', cxone: { condition: 'inbound_contact' }, teams: { availability: 'Busy', activity: 'InACall' } },
        {
          direction: 'both',
          cxone: { condition: 'unavailable', outStateId: 1 },
          teams: { availability: 'DoNotDisturb', activity: 'Presenting' },
        },
        { direction: 'to_teams', cxone: { condition: 'logged_out' }, teams: null },
      ],
    });
    expect(r.status).toBe(201);
    defaultRule = r.body;
    expect(r.body.warnings.map((w) => w.field)).toEqual(['rows.0.teams']);
    expect(settings(app, from)).toEqual([['a1', 'a2', 'a3', 'a4', 'a5']]);
  });

  it('when a rule is assigned to a team then exactly that team’s mapped agents are published; a second rule for it is 409 naming the first', async () => {
    const s = await call<Rule>(app, 'POST', `${base}/rules`, admin, {
      name: 'Sales',
      rows: [
        {
          direction: 'to_teams',
          cxone: { condition: 'available' },
          teams: { availability: 'Busy', activity: 'InAConferenceCall' },
        },
      ],
    });
    salesRule = s.body;
    const other = await call<Rule>(app, 'POST', `${base}/rules`, admin, { name: 'Other', rows: [] });
    const from = app.events.length;
    const a = await call(app, 'POST', `${base}/assignments`, admin, { ruleId: salesRule.id, targetType: 'team', targetId: 'T1' });
    expect(a.status).toBe(201);
    expect(settings(app, from)).toEqual([['a1', 'a2', 'a3']]);
    const again = await call(app, 'POST', `${base}/assignments`, admin, {
      ruleId: salesRule.id,
      targetType: 'team',
      targetId: 'T1',
    });
    expect(again.status).toBe(200);
    const clash = await call(app, 'POST', `${base}/assignments`, admin, {
      ruleId: other.body.id,
      targetType: 'team',
      targetId: 'T1',
    });
    expect(clash.status).toBe(409);
    expect(clash.text).toContain('Sales');
    expect(clash.body).toMatchObject({ error: { details: { conflictingRule: { id: salesRule.id, name: 'Sales' } } } });
    const unknown = await call(app, 'POST', `${base}/assignments`, admin, {
      ruleId: other.body.id,
      targetType: 'team',
      targetId: 'T9',
    });
    expect(unknown.status).toBe(400);
    expect(unknown.text).toContain('targetId');
    const user = await call(app, 'POST', `${base}/assignments`, admin, {
      ruleId: other.body.id,
      targetType: 'user',
      targetId: 'a2',
    });
    expect(user.status).toBe(201);
    expect(settings(app, from).at(-1)).toEqual(['a2']);
  });

  it('when previewing then the rule and how it applies (user, team, default) and each state’s outcome are shown', async () => {
    const p1 = await call<{
      via: string;
      rule: { name: string };
      cxoneToTeams: { label: string; teams: unknown; reason: string }[];
    }>(app, 'GET', `${base}/preview?agentId=a1`, admin);
    expect(p1.body).toMatchObject({ via: 'team', rule: { name: 'Sales' } });
    expect(p1.body.cxoneToTeams.find((o) => o.label === 'Available')).toMatchObject({
      teams: { availability: 'Busy', activity: 'InAConferenceCall' },
      reason: 'applied',
    });
    expect((await call(app, 'GET', `${base}/preview?agentId=a2`, admin)).body).toMatchObject({
      via: 'user',
      rule: { name: 'Other' },
    });
    const p4 = await call<{
      via: string;
      cxoneToTeams: { label: string; teams: unknown; reason: string }[];
      teamsToCxone: { availability: string; activity: string; cxone: unknown }[];
    }>(app, 'GET', `${base}/preview?userId=${uid('a4')}`, admin);
    expect(p4.body.via).toBe('default');
    const out = Object.fromEntries(p4.body.cxoneToTeams.map((o) => [o.label, o.reason]));
    expect(out).toMatchObject({
      Available: 'applied',
      'Unavailable: Break': 'applied',
      'Inbound contact': 'applied',
      'Agent-to-agent call': 'agent_to_agent_excluded',
      'Logged out': 'cleared',
      'Outbound contact': 'no_matching_row',
    });
    expect(p4.body.teamsToCxone.find((t) => t.availability === 'DoNotDisturb' && t.activity === 'Presenting')?.cxone).toEqual({
      state: 'Unavailable',
      outStateId: 1,
    });
    const p6 = await call(app, 'GET', `${base}/preview?agentId=a6`, admin);
    expect(p6.body).toMatchObject({ blockedBy: 'unmapped' });
    expect((await call(app, 'GET', `${base}/preview`, admin)).status).toBe(400);
  });

  it('when a rule is edited then only its agents are published, the version rises, and a stale version is refused', async () => {
    const from = app.events.length;
    const body = {
      name: 'Sales',
      rows: [{ direction: 'to_teams', cxone: { condition: 'available' }, teams: { availability: 'Busy', activity: 'InACall' } }],
      version: salesRule.version,
    };
    const r = await call<Rule>(app, 'PUT', `${base}/rules/${salesRule.id}`, admin, body);
    expect(r.status).toBe(200);
    expect(r.body.version).toBe(salesRule.version + 1);
    expect(settings(app, from)).toEqual([['a1', 'a3']]);
    const stale = await call(app, 'PUT', `${base}/rules/${salesRule.id}`, admin, body);
    expect(stale.status).toBe(409);
    expect(stale.text).toContain('version');
    const dup = await call(app, 'PUT', `${base}/rules/${salesRule.id}`, admin, { ...body, name: 'Default', version: undefined });
    expect(dup.status).toBe(409);
    expect(dup.text).toContain('name');
  });

  it('when a rule is deleted then its assignments go and its agents fall back (published)', async () => {
    const from = app.events.length;
    expect((await call(app, 'DELETE', `${base}/rules/${salesRule.id}`, admin)).status).toBe(204);
    expect(settings(app, from)).toEqual([['a1', 'a3']]);
    expect(
      (await call<{ items: { targetId: string }[] }>(app, 'GET', `${base}/assignments`, admin)).body.items.map((a) => a.targetId),
    ).toEqual(['a2']);
    expect((await call(app, 'DELETE', `${base}/assignments/user/a2`, admin)).status).toBe(204);
    expect((await call(app, 'DELETE', `${base}/assignments/user/a2`, admin)).status).toBe(404);
    const audit = await call<{ items: { action: string; before: unknown }[] }>(
      app,
      'GET',
      `${base}/audit?action=rule.delete`,
      admin,
    );
    expect(audit.body.items).toHaveLength(1);
    expect(audit.body.items[0]!.before).toMatchObject({ name: 'Sales' });
  });

  it('when another tenant or a non-admin asks for rules then 404 / 403', async () => {
    const stranger = await signIn(app, { upn: 'x@fabrikam.com', tenantId: TENANT_B });
    const colleague = await signIn(app, { upn: 'colleague@contoso.com' });
    expect((await call(app, 'GET', `${base}/rules`, stranger)).status).toBe(404);
    expect((await call(app, 'POST', `${base}/rules`, stranger, { name: 'x', rows: [] })).status).toBe(404);
    expect((await call(app, 'GET', `${base}/rules/${defaultRule.id}`, colleague)).status).toBe(403);
    expect((await call(app, 'GET', `${base}/decisions`, colleague)).status).toBe(403);
    expect((await call(app, 'GET', `${base}/status/a1`, stranger)).status).toBe(404);
  });

  it('when decisions are listed then they filter by agent, reason, direction and time, and paginate', async () => {
    const t0 = Date.parse('2026-11-01T10:00:00Z');
    await app.storage.db.insert(decisions).values(
      Array.from({ length: 7 }, (_, i) => ({
        connectionId: id,
        agentId: i % 2 ? 'a1' : 'a4',
        userId: i % 2 ? uid('a1') : uid('a4'),
        at: new Date(t0 + i * 60_000),
        direction: i < 5 ? 'cxone_to_teams' : 'teams_to_cxone',
        reason: i === 3 ? 'manual_status_override' : 'applied',
        ruleId: defaultRule.id,
        rowIndex: 0,
      })),
    );
    type Page = { items: { id: number; agentId: string; reason: string; at: string }[]; nextBefore: number | null };
    const a1 = await call<Page>(app, 'GET', `${base}/decisions?agentId=a1`, admin);
    expect(a1.body.items.map((d) => d.agentId)).toEqual(['a1', 'a1', 'a1']);
    expect((await call<Page>(app, 'GET', `${base}/decisions?reason=manual_status_override`, admin)).body.items).toHaveLength(1);
    expect((await call<Page>(app, 'GET', `${base}/decisions?direction=teams_to_cxone`, admin)).body.items).toHaveLength(2);
    const window = await call<Page>(app, 'GET', `${base}/decisions?from=2026-11-01T10:01:00Z&to=2026-11-01T10:03:00Z`, admin);
    expect(window.body.items).toHaveLength(3);
    const p1 = await call<Page>(app, 'GET', `${base}/decisions?limit=4`, admin);
    expect(p1.body.items).toHaveLength(4);
    const p2 = await call<Page>(app, 'GET', `${base}/decisions?limit=4&before=${p1.body.nextBefore}`, admin);
    expect(p2.body.items).toHaveLength(3);
    expect(p2.body.nextBefore).toBeNull();
    const bad = await call(app, 'GET', `${base}/decisions?reason=nonsense&from=yesterday`, admin);
    expect(bad.status).toBe(400);
    expect(bad.text).toContain('reason');
    expect(bad.text).toContain('from');
  });

  it('when an agent’s status is asked then it shows both sides, what we set, the rule and the last decision; agents see only their own', async () => {
    await app.storage.db.insert(syncState).values({
      connectionId: id,
      agentId: 'a1',
      cxoneState: { state: 'Available' },
      teamsPresence: { availability: 'Available', activity: 'Available' },
      teamsSet: { availability: 'Available', activity: 'Available' },
      lastReason: 'applied',
      lastSyncAt: new Date(),
    });
    const s = await call(app, 'GET', `${base}/status/a1`, admin);
    expect(s.body).toMatchObject({
      agentId: 'a1',
      mapping: { userId: uid('a1'), included: true },
      cxone: { current: { state: 'Available' } },
      teams: { current: { availability: 'Available' }, setByUs: { availability: 'Available' } },
      rule: { name: 'Default', via: 'default' },
      lastDecision: { agentId: 'a1', reason: 'applied' },
      lastReason: 'applied',
    });
    const list = await call<{ items: { agentId: string }[] }>(app, 'GET', `${base}/status?limit=2`, admin);
    expect(list.body.items.map((i) => i.agentId)).toEqual(['a1', 'a2']);
    expect((await call(app, 'GET', `${base}/status/zz`, admin)).status).toBe(404);

    const agent = await signIn(app, { upn: 'a1@contoso.com' });
    const mine = await call<{ mapped: boolean; items: { agentId: string }[] }>(app, 'GET', '/api/me/status', agent);
    expect(mine.body.mapped).toBe(true);
    expect(mine.body.items.map((i) => i.agentId)).toEqual(['a1']);
    expect((await call(app, 'GET', `${base}/status/a4`, agent)).status).toBe(403);
    const nobody = await signIn(app, { upn: 'nobody@contoso.com' });
    expect((await call(app, 'GET', '/api/me/status', nobody)).body).toMatchObject({ mapped: false, items: [] });
  });

  it('when the OpenAPI document is fetched then it describes the routes from the same zod schemas', async () => {
    const r = await call<{
      openapi: string;
      paths: Record<
        string,
        Record<
          string,
          {
            requestBody?: { content: { 'application/json': { schema: { properties: Record<string, unknown> } } } };
            parameters: { name: string; in: string }[];
          }
        >
      >;
    }>(app, 'GET', '/api/openapi.json');
    expect(r.status).toBe(200);
    expect(r.body.openapi).toBe('3.1.0');
    const post = r.body.paths['/api/connections/{id}/rules']!.post!;
    expect(Object.keys(post.requestBody!.content['application/json'].schema.properties)).toEqual(
      expect.arrayContaining(['name', 'rows', 'isDefault']),
    );
    expect(r.body.paths['/api/connections/{id}/decisions']!.get!.parameters.map((p) => p.name)).toEqual(
      expect.arrayContaining(['id', 'agentId', 'reason', 'from']),
    );
    expect(Object.keys(r.body.paths)).toEqual(
      expect.arrayContaining([
        '/api/connections',
        '/api/connections/{id}/mappings/auto-map',
        '/api/me/status',
        '/api/dev/sign-in',
      ]),
    );
  });
});
