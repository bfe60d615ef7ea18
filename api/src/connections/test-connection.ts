import { and, eq, notInArray } from 'drizzle-orm';
import { decodeJwt } from 'jose';
import { ExternalError } from '../domain/reasons.ts';
import type { Db } from '../storage/db.ts';
import { mappings, subscriptionOwners, teamsUsers } from '../storage/schema.ts';
import { cxoneChecks } from './check-cxone.ts';
import {
  adminConsentUrl,
  type Check,
  messageOf,
  type OwnerTokens,
  type PermissionReport,
  REQUIRED_PERMISSIONS,
  statusOf,
  type TestReport,
} from './checks.ts';
import type { ConnectionClients } from './clients.ts';
import { type ConnectionRow, readOptions } from './store.ts';

export type { Check, CheckStatus, OwnerTokens, PermissionReport, TestReport } from './checks.ts';
export { adminConsentUrl, REQUIRED_PERMISSIONS } from './checks.ts';

/**
 * "Test connection": checks both sides for real and names each failing check with its fix.
 * Graph: a client-credentials token, its `roles` (each required application permission granted or
 * missing, and why it is needed), one harmless real call per permission, subscription owners' tokens,
 * the secret's expiry. CXone: the access key gets a token, lists agents and teams, and can set a state
 * (re-applying an agent's current Available/Unavailable state, which changes nothing).
 */
export async function testConnection(deps: {
  db: Db;
  row: ConnectionRow;
  clients: ConnectionClients;
  authorityHost: string;
  publicBaseUrl?: string | undefined;
  now: number;
  /** Subscription owners' delegated tokens (the watch module's owner service), when wired. */
  ownerTokens?: OwnerTokens | undefined;
}): Promise<TestReport> {
  const { row, clients, db } = deps;
  const options = readOptions(row);
  const consent = adminConsentUrl(deps.authorityHost, row, deps.publicBaseUrl);
  const checks: Check[] = [];
  const needed = REQUIRED_PERMISSIONS.filter((p) => !p.systemUserOnly || options.systemUserMode);

  // --- Azure: token and granted roles ------------------------------------------------------------
  let roles: string[] | null = null;
  try {
    const claims = decodeJwt(await clients.graph.appToken());
    roles = Array.isArray(claims.roles) ? claims.roles.filter((r): r is string => typeof r === 'string') : [];
    checks.push({
      id: 'azure.token',
      side: 'azure',
      title: 'Azure app signs in (client credentials)',
      status: 'ok',
      detail: 'got a Microsoft Graph token',
    });
  } catch (err) {
    checks.push({
      id: 'azure.token',
      side: 'azure',
      title: 'Azure app signs in (client credentials)',
      status: 'failed',
      ...tokenFailure(err, row),
    });
  }

  const permissions: PermissionReport[] = needed.map((p) => ({
    permission: p.permission,
    why: p.why,
    granted: roles?.includes(p.permission) ?? false,
    confirmed: 'not_tested',
  }));
  if (roles) {
    for (const p of permissions)
      checks.push({
        id: `azure.permission.${p.permission}`,
        side: 'azure',
        title: `Application permission ${p.permission}`,
        status: p.granted ? 'ok' : 'failed',
        detail: p.granted ? `granted — ${p.why}` : `missing — needed because it ${p.why}`,
        ...(p.granted
          ? {}
          : {
              fix: `In Entra ID → App registrations → ${row.azureClientId} → API permissions, add Microsoft Graph application permission ${p.permission}, then grant admin consent: ${consent}`,
            }),
      });

    // Confirm with harmless real calls.
    const confirm = async (permission: string, title: string, call: () => Promise<unknown>) => {
      const rep = permissions.find((p) => p.permission === permission)!;
      try {
        await call();
        rep.confirmed = 'ok';
        checks.push({ id: `azure.call.${permission}`, side: 'azure', title, status: 'ok', detail: 'the call succeeded' });
      } catch (err) {
        rep.confirmed = 'failed';
        const status = statusOf(err);
        checks.push({
          id: `azure.call.${permission}`,
          side: 'azure',
          title,
          status: 'failed',
          detail: `${status ? `HTTP ${status}: ` : ''}${messageOf(err)}`,
          fix:
            status === 403 || status === 401
              ? `Grant ${permission} (application) and admin consent: ${consent}. Consent can take a few minutes to apply.`
              : 'Check that Microsoft Graph is reachable from this server (GRAPH_BASE_URL, proxy, firewall).',
        });
      }
    };
    const seen: { user: string | null } = { user: null };
    await confirm('User.Read.All', 'Read users (GET /users)', async () => {
      seen.user = (await clients.graph.listUsers({ pageSize: 1, maxPages: 1 }))[0]?.id ?? null;
    });
    const stored = await anyTeamsUser(db, row.id);
    const probeUser = seen.user ?? stored;
    if (probeUser) {
      await confirm('Presence.Read.All', 'Read presence (getPresencesByUserId)', () => clients.graph.getPresences([probeUser]));
      // Nothing can be mapped before the directory is synced, so the first user is then safe to use.
      const unmapped = (await unmappedTeamsUser(db, row.id)) ?? (stored === null ? seen.user : null);
      if (unmapped)
        await confirm('Presence.ReadWrite.All', 'Write presence (clearPresence of our own session on an unmapped user)', () =>
          clients.graph.clearPresence(unmapped),
        );
      else
        checks.push({
          id: 'azure.call.Presence.ReadWrite.All',
          side: 'azure',
          title: 'Write presence',
          status: 'skipped',
          detail: 'not tested: no unmapped Teams user to test on harmlessly (run directory sync first)',
        });
    } else
      checks.push({
        id: 'azure.call.presence',
        side: 'azure',
        title: 'Presence calls',
        status: 'skipped',
        detail: 'not tested: no Teams user found',
      });
  }

  // --- Azure: secret expiry, subscription owners --------------------------------------------------
  const expires = row.azureClientSecretExpiresAt?.getTime();
  if (expires !== undefined) {
    const days = Math.floor((expires - deps.now) / 86_400_000);
    if (days < 0 || days < 30)
      checks.push({
        id: 'azure.secretExpiry',
        side: 'azure',
        title: 'Client secret expiry',
        status: days < 0 ? 'failed' : 'warning',
        detail:
          days < 0
            ? `the client secret expired on ${new Date(expires).toISOString().slice(0, 10)}`
            : `the client secret expires in ${days} days`,
        fix: 'Create a new client secret in Entra ID → Certificates & secrets and save it on this connection (takes effect at once).',
      });
  }
  const owners = await db.select().from(subscriptionOwners).where(eq(subscriptionOwners.connectionId, row.id));
  for (const o of owners) {
    const title = `Subscription owner ${o.userPrincipalName}`;
    const fix = `Sign ${o.userPrincipalName} in again from the Subscriptions page.`;
    if (deps.ownerTokens) {
      // A real token: refreshes the owner's delegated token (the refresh token must still be valid).
      try {
        await deps.ownerTokens.tokenFor(row.id, o.id)();
        checks.push({
          id: `azure.owner.${o.userPrincipalName}`,
          side: 'azure',
          title,
          status: 'ok',
          detail: 'got a delegated token',
        });
      } catch (err) {
        checks.push({
          id: `azure.owner.${o.userPrincipalName}`,
          side: 'azure',
          title,
          status: 'failed',
          detail: `cannot get a token: ${messageOf(err)}`,
          fix,
        });
      }
      continue;
    }
    const okToken = o.tokenStatus === 'ok';
    checks.push({
      id: `azure.owner.${o.userPrincipalName}`,
      side: 'azure',
      title,
      status: okToken ? 'ok' : 'failed',
      detail: okToken ? 'token is valid' : `token ${o.tokenStatus}${o.lastError ? `: ${o.lastError}` : ''}`,
      ...(okToken ? {} : { fix }),
    });
  }
  if (options.presenceWatch === 'subscriptions' && owners.length === 0)
    checks.push({
      id: 'azure.owners',
      side: 'azure',
      title: 'Subscription owners',
      status: 'failed',
      detail: 'presence subscriptions are on but no owner account is signed in',
      fix: 'Add and sign in a subscription owner account, or switch presence watching to the app-only reader.',
    });

  checks.push(...(await cxoneChecks(clients.cxone)));

  return {
    ok: checks.every((c) => c.status !== 'failed'),
    checkedAt: new Date(deps.now).toISOString(),
    checks,
    permissions,
    adminConsentUrl: consent,
  };
}

/** The Graph client's token failures name the AADSTS code (or msal's error code) in their message. */
function tokenFailure(err: unknown, row: ConnectionRow): { detail: string; fix: string } {
  const msg = messageOf(err);
  if (/AADSTS7000215|AADSTS7000222|invalid_client/i.test(msg))
    return {
      detail: `the client secret was rejected: ${msg}`,
      fix: 'The client secret is wrong or expired: create a new one in Entra ID → Certificates & secrets and save it here.',
    };
  if (/AADSTS700016|unauthorized_client/i.test(msg))
    return {
      detail: `application ${row.azureClientId} was not found in tenant ${row.tenantId}: ${msg}`,
      fix: 'Check the client id and tenant id of the app registration.',
    };
  if (err instanceof ExternalError && err.reason === 'graph_unreachable')
    return {
      detail: msg,
      fix: 'Check that the Microsoft identity platform is reachable from this server (AUTHORITY_HOST, proxy, firewall).',
    };
  return { detail: msg, fix: 'Check the tenant id, client id and client secret of the Azure app registration.' };
}

async function anyTeamsUser(db: Db, connectionId: string): Promise<string | null> {
  const [u] = await db
    .select({ id: teamsUsers.userId })
    .from(teamsUsers)
    .where(eq(teamsUsers.connectionId, connectionId))
    .limit(1);
  return u?.id ?? null;
}

async function unmappedTeamsUser(db: Db, connectionId: string): Promise<string | null> {
  const mapped = db.select({ u: mappings.userId }).from(mappings).where(eq(mappings.connectionId, connectionId));
  const [u] = await db
    .select({ id: teamsUsers.userId })
    .from(teamsUsers)
    .where(and(eq(teamsUsers.connectionId, connectionId), notInArray(teamsUsers.userId, mapped)))
    .limit(1);
  return u?.id ?? null;
}
