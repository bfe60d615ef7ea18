import type { Directory, DirectoryUser } from './directory.ts';
import { SELECTABLE_USER_PROPERTIES, userJson, userProperty } from './directory.ts';
import { badRequest, fail } from './graph-errors.ts';
import { isRecord, json, type Req, type Router } from './http.ts';
import { PERMS, type Principal, requirePermission } from './principal.ts';

/**
 * /users (users-list, user-get, user-post-users). Supports `$select`, `$top` (1–999, default 100),
 * `$filter` with `eq` on id/userPrincipalName/mail/displayName, and `@odata.nextLink` paging
 * through an opaque `$skiptoken`.
 */
export function usersRoutes(
  router: Router,
  o: { dir: Directory; graphBase: () => string; onUserAdded: (u: DirectoryUser) => void },
): void {
  const { dir } = o;
  const principal = (req: Req): Principal => req.principal!;

  router.on('GET', '/users', (req) => {
    requirePermission(principal(req), PERMS.usersRead.app, PERMS.usersRead.delegated);
    const select = parseSelect(req.query.get('$select'));
    const topRaw = req.query.get('$top');
    const top = topRaw === null ? 100 : Number(topRaw);
    if (!Number.isInteger(top) || top < 1 || top > 999)
      throw badRequest(`Invalid page size specified: '${topRaw}'. Must be between 1 and 999 inclusive.`);
    const skip = decodeSkip(req.query.get('$skiptoken'));
    const filter = req.query.get('$filter');
    let source: readonly DirectoryUser[];
    if (filter) {
      const f = parseFilter(filter);
      if (f.field === 'id' || f.field === 'userPrincipalName') {
        const u = dir.find(f.value);
        source =
          u && (f.field === 'id' ? u.id === f.value : u.userPrincipalName.toLowerCase() === f.value.toLowerCase()) ? [u] : [];
      } else {
        const want = f.value.toLowerCase();
        source = dir.users.filter((u) => (f.field === 'mail' ? u.mail : u.displayName)?.toLowerCase() === want);
      }
    } else source = dir.users;
    const page = source.slice(skip, skip + top);
    const body: Record<string, unknown> = {
      '@odata.context': `${o.graphBase()}/$metadata#users${select ? `(${select.join(',')})` : ''}`,
      value: page.map((u) => project(u, select)),
    };
    if (skip + top < source.length) {
      const next = new URLSearchParams();
      if (select) next.set('$select', select.join(','));
      if (filter) next.set('$filter', filter);
      next.set('$top', String(top));
      next.set('$skiptoken', encodeSkip(skip + top));
      body['@odata.nextLink'] = `${o.graphBase()}/users?${next.toString()}`;
    }
    return json(200, body);
  });

  const getOne = (req: Req, idOrUpn: string) => {
    const select = parseSelect(req.query.get('$select'));
    const u = dir.find(idOrUpn);
    if (!u)
      throw fail(
        404,
        'Request_ResourceNotFound',
        `Resource '${idOrUpn}' does not exist or one of its queried reference-property objects are not present.`,
      );
    return json(200, { '@odata.context': `${o.graphBase()}/$metadata#users/$entity`, ...project(u, select) });
  };
  router.on('GET', '/users/:id', (req) => {
    requirePermission(principal(req), PERMS.usersRead.app, PERMS.usersRead.delegated);
    return getOne(req, req.params.id!);
  });
  router.on('GET', '/me', (req) => {
    const p = principal(req);
    if (p.kind !== 'user' || !p.userId) throw badRequest('/me request is only valid with delegated authentication flow.');
    requirePermission(p, [], ['User.Read', ...PERMS.usersRead.delegated]);
    return getOne(req, p.userId);
  });

  router.on('POST', '/users', (req) => {
    requirePermission(principal(req), PERMS.usersWrite.app, PERMS.usersWrite.delegated);
    const b = req.body;
    if (!isRecord(b))
      throw badRequest(
        'A request body is required: accountEnabled, displayName, mailNickname, passwordProfile, userPrincipalName.',
      );
    const missing = ['accountEnabled', 'displayName', 'mailNickname', 'passwordProfile', 'userPrincipalName'].filter(
      (k) => b[k] === undefined,
    );
    if (missing.length)
      throw fail(
        400,
        'Request_BadRequest',
        `Property '${missing[0]}' is required but missing from the request. Missing: ${missing.join(', ')}.`,
      );
    const upn = b.userPrincipalName;
    if (typeof upn !== 'string' || !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(upn))
      throw fail(400, 'Request_BadRequest', "Property 'userPrincipalName' is invalid: expected alias@domain.");
    if (typeof b.displayName !== 'string' || !b.displayName.trim())
      throw fail(400, 'Request_BadRequest', "Property 'displayName' is invalid.");
    if (typeof b.accountEnabled !== 'boolean')
      throw fail(400, 'Request_BadRequest', "Property 'accountEnabled' must be a boolean.");
    const pp = b.passwordProfile;
    if (!isRecord(pp) || typeof pp.password !== 'string' || pp.password.length < 8)
      throw fail(
        400,
        'Request_BadRequest',
        "Property 'passwordProfile.password' is invalid: at least 8 characters are required.",
      );
    if (dir.find(upn))
      throw fail(400, 'Request_BadRequest', 'Another object with the same value for property userPrincipalName already exists.');
    const user = dir.addUser({
      userPrincipalName: upn,
      displayName: b.displayName,
      mail: typeof b.mail === 'string' ? b.mail : null,
      accountEnabled: b.accountEnabled,
      password: pp.password,
      ...(typeof b.givenName === 'string' ? { givenName: b.givenName } : {}),
      ...(typeof b.surname === 'string' ? { surname: b.surname } : {}),
    });
    o.onUserAdded(user);
    return json(201, { '@odata.context': `${o.graphBase()}/$metadata#users/$entity`, ...userJson(user) });
  });
}

function parseSelect(raw: string | null): string[] | null {
  if (!raw) return null;
  const names = raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const n of names)
    if (!SELECTABLE_USER_PROPERTIES.has(n))
      throw badRequest(`Could not find a property named '${n}' on type 'microsoft.graph.user'.`);
  return names;
}

function project(u: DirectoryUser, select: string[] | null): Record<string, unknown> {
  if (!select) return userJson(u);
  const out: Record<string, unknown> = {};
  // Graph returns exactly the selected properties.
  for (const n of select) out[n] = userProperty(u, n);
  return out;
}

const FILTER = /^\s*(id|userPrincipalName|mail|displayName)\s+eq\s+'((?:[^']|'')*)'\s*$/i;

export function parseFilter(raw: string): { field: 'id' | 'userPrincipalName' | 'mail' | 'displayName'; value: string } {
  const m = FILTER.exec(raw);
  if (!m)
    throw fail(
      400,
      'Request_UnsupportedQuery',
      `Unsupported or invalid query filter clause specified for property: '${raw}'. The emulator supports "<id|userPrincipalName|mail|displayName> eq '<value>'".`,
    );
  const lower = m[1]!.toLowerCase();
  const field = lower === 'id' ? 'id' : lower === 'mail' ? 'mail' : lower === 'displayname' ? 'displayName' : 'userPrincipalName';
  return { field, value: m[2]!.replace(/''/g, "'") };
}

const encodeSkip = (n: number) => Buffer.from(`emu-skip:${n}`).toString('base64url');
function decodeSkip(raw: string | null): number {
  if (!raw) return 0;
  const m = /^emu-skip:(\d+)$/.exec(Buffer.from(raw, 'base64url').toString('utf8'));
  if (!m) throw badRequest('Invalid $skiptoken.');
  return Number(m[1]);
}
