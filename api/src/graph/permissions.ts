import { randomUUID } from 'node:crypto';
import { ExternalError } from '../domain/reasons.ts';
import { authorityFor, decodeRoles } from './app-auth.ts';
import { PRESENCE_READ, PRESENCE_WRITE } from './presence.ts';
import type { GraphTransport } from './transport.ts';
import { USER_READ, USER_WRITE } from './users.ts';

/**
 * "Is the app set up right?" for the connection page: for each application permission, whether the
 * token's `roles` list it (decoded only — Microsoft advises not to depend on reading Graph tokens) and
 * whether a harmless real call confirms it.
 */
export interface PermissionCheck {
  permission: string;
  /** Listed in the app token's roles claim. */
  granted: boolean;
  /** A harmless real call succeeded (true), was refused (false), or none exists for it (null). */
  confirmed: boolean | null;
  /** Why Presence Sync needs it, in plain words. */
  why: string;
  error?: string;
}

export const PERMISSION_WHY: Record<string, string> = {
  [USER_READ]: 'Lists Teams users so they can be mapped to CXone agents.',
  [PRESENCE_READ]: 'Reads Teams presence in bulk (getPresencesByUserId) to sync Teams → CXone without extra accounts.',
  [PRESENCE_WRITE]: "Sets and clears the app's own presence session so CXone states show in Teams.",
  [USER_WRITE]: 'Creates the CXone_xxxxx system users (optional system-user mode only).',
};

type Probe = () => Promise<unknown>;

async function confirm(
  probe: Probe | null,
  okStatuses: readonly number[],
): Promise<{ confirmed: boolean | null; error?: string }> {
  if (!probe) return { confirmed: null };
  try {
    await probe();
    return { confirmed: true };
  } catch (err) {
    if (err instanceof ExternalError && err.extra.status !== undefined && okStatuses.includes(err.extra.status))
      return { confirmed: true };
    return { confirmed: false, error: err instanceof Error ? err.message : String(err) };
  }
}

export async function checkPermissions(
  t: GraphTransport,
  appToken: () => Promise<string>,
  opts: { systemUserMode: boolean; sessionId: string },
): Promise<PermissionCheck[]> {
  const wanted = [USER_READ, PRESENCE_READ, PRESENCE_WRITE, ...(opts.systemUserMode ? [USER_WRITE] : [])];
  let roles: string[];
  try {
    roles = decodeRoles(await appToken());
  } catch (err) {
    const error = err instanceof Error ? err.message : String(err);
    return wanted.map((permission) => ({
      permission,
      granted: false,
      confirmed: false,
      why: PERMISSION_WHY[permission] ?? '',
      error,
    }));
  }

  // One user to probe with (any will do); a random id when the directory read is refused.
  let probeUser: string = randomUUID();
  const probes: Record<string, { probe: Probe | null; ok: number[] }> = {
    [USER_READ]: {
      probe: async () => {
        const page = await t.call<{ value?: { id?: string }[] }>({
          operation: 'listUsers (permission check)',
          permission: USER_READ,
          method: 'GET',
          path: '/users?$select=id&$top=1',
          priority: 'read',
        });
        const first = page?.value?.[0]?.id;
        if (first) probeUser = first;
      },
      ok: [],
    },
    [PRESENCE_READ]: {
      probe: () =>
        t.call({
          operation: 'getPresencesByUserId (permission check)',
          permission: PRESENCE_READ,
          method: 'POST',
          path: '/communications/getPresencesByUserId',
          body: { ids: [probeUser] },
          priority: 'read',
        }),
      ok: [404],
    },
    // clearPresence of our own session on a user that does not exist changes nothing: Graph checks the
    // permission first (403), then finds no such user/session (404 = allowed). The session id must be
    // the app's client id (presence-clearpresence), so the user id is the random part.
    [PRESENCE_WRITE]: {
      probe: () =>
        t.call({
          operation: 'clearPresence (permission check)',
          permission: PRESENCE_WRITE,
          method: 'POST',
          path: `/users/${randomUUID()}/presence/clearPresence`,
          body: { sessionId: opts.sessionId },
          priority: 'background',
        }),
      ok: [404],
    },
    // No call creates nothing and proves User.ReadWrite.All; the roles claim is all we can show.
    [USER_WRITE]: { probe: null, ok: [] },
  };

  const out: PermissionCheck[] = [];
  for (const permission of wanted) {
    const p = probes[permission];
    const result = await confirm(p?.probe ?? null, p?.ok ?? []);
    out.push({
      permission,
      granted: roles.includes(permission),
      confirmed: result.confirmed,
      why: PERMISSION_WHY[permission] ?? '',
      ...(result.error ? { error: result.error } : {}),
    });
  }
  return out;
}

/**
 * The admin-consent link (learn.microsoft.com v2-admin-consent, "Admin consent on the Microsoft identity platform": v2.0 adminconsent
 * endpoint with scope=https://graph.microsoft.com/.default). Answers `admin_consent=True&tenant=…` or
 * `error=…` at the redirect URI.
 */
export function adminConsentUrl(o: {
  authorityHost: string;
  tenantId: string;
  clientId: string;
  redirectUri?: string;
  state?: string;
}): string {
  const url = new URL(`${authorityFor(o.authorityHost, o.tenantId)}/v2.0/adminconsent`);
  url.searchParams.set('client_id', o.clientId);
  url.searchParams.set('scope', 'https://graph.microsoft.com/.default');
  if (o.redirectUri) url.searchParams.set('redirect_uri', o.redirectUri);
  if (o.state) url.searchParams.set('state', o.state);
  return url.toString();
}
