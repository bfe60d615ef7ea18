import { z } from 'zod';
import type { GraphEmulatorControl } from './control.ts';
import { escapeHtml, html, isRecord, json, noContent, type Req, type Res, type Router, redirect } from './http.ts';

/**
 * The control operations over HTTP under /_emulator (JSON), for processes that did not start the
 * emulator themselves (the demo, benchmarks in another process), and a small HTML page at
 * /_emulator/ to play the people in the demo. Bad input → 400 naming the field.
 */
const pair = z.object({ availability: z.string().min(1), activity: z.string().min(1) });
const schemas = {
  app: z.object({
    clientId: z.string().min(1),
    clientSecret: z.string().min(1),
    roles: z.array(z.string()),
    tenantId: z.string().optional(),
  }),
  roles: z.object({ roles: z.array(z.string()) }),
  user: z.object({
    id: z.string().optional(),
    userPrincipalName: z.string().min(3),
    mail: z.string().nullable().optional(),
    displayName: z.string().min(1),
    accountEnabled: z.boolean().optional(),
    password: z.string().optional(),
  }),
  clientPresence: z.object({ pair: pair.nullable() }),
  preferred: z.object({ pair: pair.nullable(), expiresInMs: z.number().positive().optional() }),
  advance: z.object({ ms: z.number().nonnegative() }),
  fault: z.discriminatedUnion('kind', [
    z.object({
      kind: z.literal('throttle'),
      retryAfterSeconds: z.number().positive().optional(),
      pathPrefix: z.string().optional(),
      count: z.number().int().positive().optional(),
      durationMs: z.number().positive().optional(),
    }),
    z.object({
      kind: z.literal('server_error'),
      status: z.number().int().min(500).max(599).optional(),
      pathPrefix: z.string().optional(),
      count: z.number().int().positive().optional(),
      durationMs: z.number().positive().optional(),
    }),
    z.object({
      kind: z.literal('slow'),
      delayMs: z.number().nonnegative(),
      pathPrefix: z.string().optional(),
      count: z.number().int().positive().optional(),
      durationMs: z.number().positive().optional(),
    }),
    z.object({
      kind: z.literal('token_endpoint_down'),
      status: z.number().int().min(400).max(599).optional(),
      count: z.number().int().positive().optional(),
      durationMs: z.number().positive().optional(),
    }),
    z.object({
      kind: z.literal('subscription_silent'),
      subscriptionId: z.string().optional(),
      durationMs: z.number().positive().optional(),
    }),
    z.object({
      kind: z.literal('refuse_renewal'),
      subscriptionId: z.string().optional(),
      status: z.number().int().min(400).max(599).optional(),
      count: z.number().int().positive().optional(),
      durationMs: z.number().positive().optional(),
    }),
  ]),
  lifecycle: z.object({ event: z.enum(['reauthorizationRequired', 'subscriptionRemoved', 'missed']) }),
  userToken: z.object({
    userId: z.string().min(1),
    audience: z.string().min(1),
    scopes: z.array(z.string()).optional(),
    appId: z.string().optional(),
  }),
};

class ControlError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function parse<T>(schema: z.ZodType<T>, value: unknown): T {
  const r = schema.safeParse(value ?? {});
  if (!r.success) {
    const msg = r.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ');
    throw new ControlError(400, `invalid body: ${msg}`);
  }
  return r.data;
}

export function controlRoutes(router: Router, c: GraphEmulatorControl): void {
  const wrap =
    (h: (req: Req) => Promise<Res> | Res) =>
    async (req: Req): Promise<Res> => {
      try {
        return await h(req);
      } catch (e) {
        const status = e instanceof ControlError ? e.status : /^no such/.test((e as Error).message) ? 404 : 400;
        return json(status, { error: { code: status === 404 ? 'not_found' : 'bad_request', message: (e as Error).message } });
      }
    };
  const on = (method: string, path: string, h: (req: Req) => Promise<Res> | Res) =>
    router.on(method, `/_emulator${path}`, wrap(h));

  on('GET', '/', (req) => html(200, page(c, req.query.get('q') ?? '')));
  on('POST', '/ui', (req) => uiAction(c, req));

  on('GET', '/users', () => json(200, { value: c.users() }));
  on('POST', '/users', (req) => {
    const u = parse(schemas.user, req.body);
    return json(201, c.addUser({ ...u, ...(u.mail === undefined ? {} : { mail: u.mail }) }));
  });
  on('POST', '/apps', (req) => {
    const a = parse(schemas.app, req.body);
    c.registerApp({
      clientId: a.clientId,
      clientSecret: a.clientSecret,
      roles: a.roles,
      ...(a.tenantId ? { tenantId: a.tenantId } : {}),
    });
    return noContent();
  });
  on('PUT', '/apps/:clientId/roles', (req) => {
    c.setRoles(req.params.clientId!, parse(schemas.roles, req.body).roles);
    return noContent();
  });
  on('GET', '/users/:id/presence', (req) => json(200, c.getPresence(req.params.id!)));
  on('POST', '/users/:id/account', (req) => {
    c.setAccountEnabled(req.params.id!, parse(z.object({ accountEnabled: z.boolean() }), req.body).accountEnabled);
    return noContent();
  });
  on('POST', '/users/:id/revoke-sign-in-sessions', (req) => json(200, { revoked: c.revokeSignInSessions(req.params.id!) }));
  on('POST', '/users/:id/client-presence', (req) => {
    c.setClientPresence(req.params.id!, parse(schemas.clientPresence, req.body).pair);
    return json(200, c.getPresence(req.params.id!));
  });
  for (const [path, fn] of [
    ['/users/:id/meeting/start', c.startMeeting],
    ['/users/:id/meeting/end', c.endMeeting],
    ['/users/:id/call/start', c.startCall],
    ['/users/:id/call/end', c.endCall],
    ['/users/:id/reset-status', c.resetStatus],
  ] as const)
    on('POST', path, (req) => {
      fn(req.params.id!);
      return json(200, c.getPresence(req.params.id!));
    });
  on('POST', '/users/:id/preferred', (req) => {
    const b = parse(schemas.preferred, req.body);
    c.setPreferredPresence(req.params.id!, b.pair, b.expiresInMs);
    return json(200, c.getPresence(req.params.id!));
  });
  on('GET', '/time', () => json(200, { now: c.now(), iso: new Date(c.now()).toISOString() }));
  on('POST', '/time/advance', (req) => {
    c.advanceTime(parse(schemas.advance, req.body).ms);
    return json(200, { now: c.now(), iso: new Date(c.now()).toISOString() });
  });
  on('GET', '/faults', () => json(200, { value: c.faults() }));
  on('POST', '/faults', (req) => {
    c.injectFault(parse(schemas.fault, req.body));
    return noContent();
  });
  on('DELETE', '/faults', () => {
    c.clearFaults();
    return noContent();
  });
  on('GET', '/calls', (req) => {
    const since = req.query.get('since');
    if (since !== null && !Number.isFinite(Number(since))) throw new ControlError(400, 'since must be a number (ms)');
    const pathPrefix = req.query.get('pathPrefix');
    return json(200, {
      value: c.calls({ ...(since !== null ? { since: Number(since) } : {}), ...(pathPrefix ? { pathPrefix } : {}) }),
    });
  });
  on('DELETE', '/calls', () => {
    c.resetCalls();
    return noContent();
  });
  on('GET', '/subscriptions', () => json(200, { value: c.subscriptions() }));
  on('DELETE', '/subscriptions/:id', async (req) => {
    if (!(await c.removeSubscription(req.params.id!))) throw new ControlError(404, `no such subscription ${req.params.id}`);
    return noContent();
  });
  on('POST', '/subscriptions/:id/lifecycle', async (req) => {
    await c.sendLifecycle(req.params.id!, parse(schemas.lifecycle, req.body).event);
    return noContent();
  });
  on('POST', '/user-tokens', async (req) => {
    const b = parse(schemas.userToken, req.body);
    return json(200, {
      token: await c.issueUserToken({
        userId: b.userId,
        audience: b.audience,
        ...(b.scopes ? { scopes: b.scopes } : {}),
        ...(b.appId ? { appId: b.appId } : {}),
      }),
    });
  });
  on('GET', '/stats', () => json(200, c.stats()));
}

const PAGE_LIMIT = 200;
const PICKS: { label: string; pair: { availability: string; activity: string } | null }[] = [
  { label: 'Available', pair: { availability: 'Available', activity: 'Available' } },
  { label: 'Busy', pair: { availability: 'Busy', activity: 'Busy' } },
  { label: 'Do not disturb', pair: { availability: 'DoNotDisturb', activity: 'DoNotDisturb' } },
  { label: 'Be right back', pair: { availability: 'BeRightBack', activity: 'BeRightBack' } },
  { label: 'Appear away', pair: { availability: 'Away', activity: 'Away' } },
  { label: 'Appear offline', pair: { availability: 'Offline', activity: 'OffWork' } },
];

function uiAction(c: GraphEmulatorControl, req: Req): Res {
  const f = isRecord(req.body) ? req.body : {};
  const id = String(f.userId ?? '');
  const q = typeof f.q === 'string' ? f.q : '';
  switch (f.action) {
    case 'open':
      c.setClientPresence(id, { availability: 'Available', activity: 'Available' });
      break;
    case 'away':
      c.setClientPresence(id, { availability: 'Away', activity: 'Away' });
      break;
    case 'close':
      c.setClientPresence(id, null);
      break;
    case 'meeting':
      c.startMeeting(id);
      break;
    case 'call':
      c.startCall(id);
      break;
    case 'end':
      c.endMeeting(id);
      break;
    case 'reset':
      c.resetStatus(id);
      break;
    case 'pick': {
      const pick = PICKS[Number(f.pick)];
      if (!pick) throw new ControlError(400, 'pick: unknown status');
      c.setPreferredPresence(id, pick.pair);
      break;
    }
    case 'advance':
      c.advanceTime(Number(f.minutes ?? 0) * 60_000);
      break;
    default:
      throw new ControlError(400, `action: unknown action ${String(f.action)}`);
  }
  return redirect(`/_emulator/?q=${encodeURIComponent(q)}`, 303);
}

function page(c: GraphEmulatorControl, q: string): string {
  const needle = q.trim().toLowerCase();
  const all = c.users();
  const users = (
    needle ? all.filter((u) => `${u.displayName} ${u.userPrincipalName}`.toLowerCase().includes(needle)) : all
  ).slice(0, PAGE_LIMIT);
  const form = (id: string, action: string, label: string, extra = '') =>
    `<form method="post" action="/_emulator/ui"><input type="hidden" name="userId" value="${escapeHtml(id)}"><input type="hidden" name="q" value="${escapeHtml(q)}"><input type="hidden" name="action" value="${action}">${extra}<button type="submit">${escapeHtml(label)}</button></form>`;
  const rows = users
    .map((u) => {
      const p = c.getPresence(u.id);
      const sessions =
        p.sessions.map((s) => `${s.kind === 'app' ? 'app' : 'Teams'}: ${s.availability}/${s.activity}`).join(', ') || '—';
      const pick = `<form method="post" action="/_emulator/ui"><input type="hidden" name="userId" value="${escapeHtml(u.id)}"><input type="hidden" name="q" value="${escapeHtml(q)}"><input type="hidden" name="action" value="pick"><select name="pick" aria-label="Status for ${escapeHtml(u.displayName)}">${PICKS.map((k, i) => `<option value="${i}">${k.label}</option>`).join('')}</select><button type="submit">Set by hand</button></form>`;
      return `<tr><td>${escapeHtml(u.displayName)}<br><small>${escapeHtml(u.userPrincipalName)}</small></td>
<td><strong>${escapeHtml(p.aggregated.availability)}</strong> / ${escapeHtml(p.aggregated.activity)}</td>
<td><small>${escapeHtml(sessions)}${p.preferred ? `<br>by hand: ${escapeHtml(p.preferred.availability)}` : ''}</small></td>
<td class="acts">${form(u.id, 'open', 'Open Teams')}${form(u.id, 'away', 'Idle')}${form(u.id, 'close', 'Close Teams')}${form(u.id, 'meeting', 'Join meeting')}${form(u.id, 'call', 'Start call')}${form(u.id, 'end', 'Hang up')}${pick}${form(u.id, 'reset', 'Reset status')}</td></tr>`;
    })
    .join('\n');
  const s = c.stats();
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Graph emulator</title>
<style>body{font-family:system-ui,sans-serif;margin:1.5rem}table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #ddd;padding:.35rem;text-align:left;vertical-align:top}
.acts form{display:inline-block;margin:0 .2rem .2rem 0}button{font-size:.8rem}</style></head><body>
<h1>Microsoft Graph emulator</h1>
<p>Emulator time ${escapeHtml(new Date(c.now()).toISOString())} · ${s.users} users · ${s.subscriptions} subscriptions · ${s.requests} Graph requests · ${s.throttled} throttled · ${s.notificationsDelivered} notifications delivered</p>
<form method="get" action="/_emulator/"><label>Find <input name="q" value="${escapeHtml(q)}"></label> <button type="submit">Search</button></form>
<form method="post" action="/_emulator/ui"><input type="hidden" name="action" value="advance"><input type="hidden" name="q" value="${escapeHtml(q)}"><label>Advance time by <input name="minutes" type="number" min="0" value="5" style="width:4rem"> minutes</label> <button type="submit">Advance</button></form>
<table><thead><tr><th>User</th><th>Presence</th><th>Sessions</th><th>Do</th></tr></thead><tbody>
${rows}
</tbody></table>${all.length > users.length ? `<p>Showing ${users.length} of ${needle ? 'the matches' : all.length}; search to narrow.</p>` : ''}
</body></html>`;
}
