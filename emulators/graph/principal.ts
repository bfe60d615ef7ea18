import { errors as joseErrors } from 'jose';
import { GRAPH_APP_ID, GRAPH_AUDIENCE } from './defaults.ts';
import type { Directory } from './directory.ts';
import { fail, forbidden } from './graph-errors.ts';
import { type Claims, TokenExpiredError, type TokenKeys } from './identity/keys.ts';

/** Who is calling Graph, from the bearer token. */
export interface Principal {
  appId: string;
  tenantId: string;
  kind: 'app' | 'user';
  /** Application permissions: those in the token that the app still holds (revocation is immediate). */
  roles: readonly string[];
  /** Delegated permissions (scp). */
  scopes: readonly string[];
  /** The signed-in user, for delegated tokens. */
  userId: string | null;
}

export async function authenticate(
  header: string | undefined,
  keys: TokenKeys,
  dir: Directory,
  nowMs: number,
): Promise<Principal> {
  if (!header || !/^bearer\s+\S/i.test(header)) throw fail(401, 'InvalidAuthenticationToken', 'Access token is empty.');
  const token = header.replace(/^bearer\s+/i, '').trim();
  let claims: Claims;
  try {
    claims = await keys.verify(token, nowMs);
  } catch (e) {
    if (e instanceof TokenExpiredError || e instanceof joseErrors.JWTExpired)
      throw fail(401, 'InvalidAuthenticationToken', 'Lifetime validation failed, the token is expired.');
    throw fail(401, 'InvalidAuthenticationToken', 'Access token validation failure. Invalid audience or signature.');
  }
  if (claims.aud !== GRAPH_AUDIENCE && claims.aud !== GRAPH_APP_ID)
    throw fail(401, 'InvalidAuthenticationToken', 'Access token validation failure. Invalid audience.');
  if (claims.tid !== dir.tenantId)
    throw fail(401, 'InvalidAuthenticationToken', 'Access token validation failure. Invalid tenant.');
  const appId = claims.appid ?? claims.azp ?? '';
  const app = dir.app(appId);
  if (!app) throw fail(401, 'InvalidAuthenticationToken', 'Access token validation failure. The application is not registered.');
  if (claims.idtyp === 'app' || (!claims.scp && claims.roles)) {
    const held = new Set(app.roles);
    return {
      appId,
      tenantId: dir.tenantId,
      kind: 'app',
      roles: (claims.roles ?? []).filter((r) => held.has(r)),
      scopes: [],
      userId: null,
    };
  }
  return {
    appId,
    tenantId: dir.tenantId,
    kind: 'user',
    roles: [],
    scopes: (claims.scp ?? '').split(' ').filter(Boolean),
    userId: claims.oid ?? null,
  };
}

/** 403 unless the caller holds one of the application (app-only) or delegated permissions given. */
export function requirePermission(p: Principal, appRoles: readonly string[], delegated: readonly string[]): void {
  const ok = p.kind === 'app' ? p.roles.some((r) => appRoles.includes(r)) : p.scopes.some((s) => delegated.includes(s));
  if (!ok) throw forbidden();
}

export const PERMS = {
  usersRead: {
    app: ['User.Read.All', 'User.ReadWrite.All', 'Directory.Read.All', 'Directory.ReadWrite.All'],
    delegated: ['User.ReadBasic.All', 'User.Read.All', 'User.ReadWrite.All', 'Directory.Read.All', 'Directory.ReadWrite.All'],
  },
  usersWrite: {
    app: ['User.ReadWrite.All', 'Directory.ReadWrite.All'],
    delegated: ['User.ReadWrite.All', 'Directory.ReadWrite.All'],
  },
  presenceRead: {
    app: ['Presence.Read.All', 'Presence.ReadWrite.All'],
    delegated: ['Presence.Read.All', 'Presence.ReadWrite.All'],
  },
  presenceWrite: { app: ['Presence.ReadWrite.All'], delegated: ['Presence.ReadWrite', 'Presence.ReadWrite.All'] },
} as const;
