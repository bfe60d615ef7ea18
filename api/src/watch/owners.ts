import { createHash, randomBytes } from 'node:crypto';
import { and, eq, sql } from 'drizzle-orm';
import type { SecretBox } from '../crypto/secrets.ts';
import type { ConnectionOptions } from '../domain/connection.ts';
import type { Clock, NoticeSink } from '../domain/ports.ts';
import { type DelegatedAuth, type DelegatedTokens, ownerTokenSource } from '../graph/delegated.ts';
import type { Timer } from '../graph/timer.ts';
import type { NewUser } from '../graph/users.ts';
import { AppError, badRequest, notFound } from '../http/errors.ts';
import type { Logger } from '../logging.ts';
import type { Db } from '../storage/db.ts';
import { jobs, subscriptionOwners } from '../storage/schema.ts';
import { safeEqual } from './notification-crypto.ts';
import type { AccessTokenProvider, OwnerTokenSource } from './subscriptions.ts';

/**
 * Subscription owner accounts: signed in by an admin (authorization code + PKCE, or device code; MFA
 * stays on), or — only in the warned-about system-user mode — `CXone_xxxxx` accounts created in Entra
 * and signed in with a password. Refresh material and passwords are sealed at rest. Pending sign-ins
 * live in `jobs` (so the callback or a poll may reach another replica); the PKCE verifier and device
 * code are sealed there too, and the state is stored only as a hash.
 */
export interface OwnerView {
  id: string;
  userId: string;
  userPrincipalName: string;
  kind: 'signed_in' | 'system_user';
  tokenStatus: string;
  lastError: string | null;
  lastRefreshAt: string | null;
  createdAt: string;
}

export interface OwnerDirectory {
  createUser(user: NewUser): Promise<{ id: string; userPrincipalName: string }>;
}

export interface OwnerServiceDeps {
  db: Db;
  secrets: SecretBox;
  clock: Clock;
  logger: Logger;
  notices?: NoticeSink | undefined;
  /** Delegated sign-in for the connection's Azure app. */
  delegatedAuth(connectionId: string): Promise<DelegatedAuth>;
  /** The connection's Graph directory (system-user mode: POST /users). */
  directory?(connectionId: string): Promise<OwnerDirectory>;
  options(connectionId: string): Promise<ConnectionOptions>;
  /** Where Microsoft redirects after sign-in (must be registered on the Azure app). */
  redirectUri(connectionId: string): string;
  /** Before an owner is deleted (its subscriptions are deleted at Graph with its token). */
  beforeOwnerRemoved?(connectionId: string, ownerId: string): Promise<unknown>;
  /** Called when owners change (re-plan subscriptions). */
  onOwnersChanged?(connectionId: string): void;
  /** Verified domain for system users, e.g. contoso.com */
  systemUserDomain?(connectionId: string): Promise<string>;
  signInTtlMs?: number;
  /** Waits between password sign-in attempts for a just-created account (directory replication). */
  systemUserRetryDelaysMs?: readonly number[];
}

const hashState = (s: string) => createHash('sha256').update(s).digest('base64url');

interface PendingProgress {
  flow: 'auth_code' | 'device_code';
  stateHash?: string;
  verifierEnc?: string;
  deviceCodeEnc?: string;
  expiresAt: number;
  userCode?: string;
  verificationUri?: string;
  ownerId?: string;
}

export function createOwnerService(deps: OwnerServiceDeps): OwnerTokenSource & ReturnType<typeof ownerApi> {
  return ownerApi(deps);
}

function ownerApi(deps: OwnerServiceDeps) {
  const { db, secrets, clock } = deps;
  const log = deps.logger.child({ component: 'subscription-owners' });
  const ttl = deps.signInTtlMs ?? 15 * 60_000;
  const providers = new Map<string, AccessTokenProvider>();
  const failed = new Set<string>();
  const timer: Timer = {
    now: () => clock.now(),
    after(ms, fn) {
      const h = setTimeout(fn, Math.max(0, ms));
      return () => clearTimeout(h);
    },
  };

  const view = (r: typeof subscriptionOwners.$inferSelect): OwnerView => ({
    id: r.id,
    userId: r.userId,
    userPrincipalName: r.userPrincipalName,
    kind: r.kind as OwnerView['kind'],
    tokenStatus: r.tokenStatus,
    lastError: r.lastError,
    lastRefreshAt: r.lastRefreshAt?.toISOString() ?? null,
    createdAt: r.createdAt.toISOString(),
  });

  async function saveOwner(
    connectionId: string,
    t: DelegatedTokens,
    kind: OwnerView['kind'],
    password?: string,
  ): Promise<OwnerView> {
    if (!t.account.userId) throw badRequest('the sign-in did not say which account signed in (no oid claim)');
    const now = new Date(clock.now());
    const values = {
      connectionId,
      userId: t.account.userId,
      userPrincipalName: t.account.userPrincipalName ?? t.account.userId,
      kind,
      refreshTokenEnc: secrets.seal(t.refreshToken),
      passwordEnc: password ? secrets.seal(password) : null,
      tokenStatus: 'ok',
      lastError: null,
      lastRefreshAt: now,
    };
    const [row] = await db
      .insert(subscriptionOwners)
      .values(values)
      .onConflictDoUpdate({
        target: [subscriptionOwners.connectionId, subscriptionOwners.userId],
        set: {
          userPrincipalName: values.userPrincipalName,
          kind: values.kind,
          refreshTokenEnc: values.refreshTokenEnc,
          ...(password ? { passwordEnc: values.passwordEnc } : {}),
          tokenStatus: 'ok',
          lastError: null,
          lastRefreshAt: now,
        },
      })
      .returning();
    providers.delete(row!.id);
    healed(connectionId, row!.id);
    log.info({ connectionId, ownerId: row!.id, upn: row!.userPrincipalName, kind }, 'subscription owner signed in');
    deps.onOwnersChanged?.(connectionId);
    return view(row!);
  }

  function healed(connectionId: string, ownerId: string) {
    if (!failed.delete(ownerId)) return;
    deps.notices?.notify({
      kind: 'fault_healed',
      connectionId,
      fault: 'owner_token_failed',
      key: `owner-${ownerId}`,
      at: clock.now(),
    });
  }

  async function markFailed(connectionId: string, ownerId: string, upn: string, err: unknown) {
    const message = err instanceof Error ? err.message : String(err);
    await db
      .update(subscriptionOwners)
      .set({ tokenStatus: 'refresh_failed', lastError: message })
      .where(eq(subscriptionOwners.id, ownerId));
    providers.delete(ownerId);
    if (!failed.has(ownerId)) {
      failed.add(ownerId);
      deps.notices?.notify({
        kind: 'fault',
        connectionId,
        fault: 'owner_token_failed',
        key: `owner-${ownerId}`,
        message: `The subscription owner ${upn} needs to sign in again: ${message}`,
        at: clock.now(),
      });
    }
    deps.onOwnersChanged?.(connectionId);
  }

  async function buildProvider(connectionId: string, ownerId: string): Promise<AccessTokenProvider> {
    const [row] = await db
      .select()
      .from(subscriptionOwners)
      .where(and(eq(subscriptionOwners.id, ownerId), eq(subscriptionOwners.connectionId, connectionId)))
      .limit(1);
    if (!row) throw notFound('subscription owner');
    const auth = await deps.delegatedAuth(connectionId);
    const onRotate = async (t: DelegatedTokens) => {
      await db
        .update(subscriptionOwners)
        .set({
          refreshTokenEnc: secrets.seal(t.refreshToken),
          tokenStatus: 'ok',
          lastError: null,
          lastRefreshAt: new Date(clock.now()),
        })
        .where(eq(subscriptionOwners.id, ownerId));
      healed(connectionId, ownerId);
    };
    let refreshToken = row.refreshTokenEnc ? secrets.open(row.refreshTokenEnc) : null;
    if (!refreshToken && row.kind === 'system_user' && row.passwordEnc) {
      const t = await auth.signInWithPassword(row.userPrincipalName, secrets.open(row.passwordEnc));
      await onRotate(t);
      refreshToken = t.refreshToken;
    }
    if (!refreshToken) throw new AppError(409, 'owner_not_signed_in', `${row.userPrincipalName} has no stored sign-in`);
    const source = ownerTokenSource({ auth, refreshToken, onRotate, clock: timer });
    return async () => {
      try {
        return await source();
      } catch (err) {
        // A system user can sign in again by itself; a person must be asked to.
        if (row.kind === 'system_user' && row.passwordEnc) {
          try {
            const t = await auth.signInWithPassword(row.userPrincipalName, secrets.open(row.passwordEnc));
            await onRotate(t);
            providers.delete(ownerId);
            return t.accessToken;
          } catch (again) {
            await markFailed(connectionId, ownerId, row.userPrincipalName, again);
            throw again;
          }
        }
        await markFailed(connectionId, ownerId, row.userPrincipalName, err);
        throw err;
      }
    };
  }

  async function pending(connectionId: string, signInId: string) {
    const [job] = await db
      .select()
      .from(jobs)
      .where(and(eq(jobs.id, signInId), eq(jobs.connectionId, connectionId), eq(jobs.kind, 'owner_sign_in')))
      .limit(1);
    if (!job) throw notFound('sign-in');
    return { job, progress: job.progress as PendingProgress };
  }

  async function finishJob(id: string, status: 'succeeded' | 'failed', result: unknown, error?: string) {
    await db
      .update(jobs)
      .set({
        status,
        result: result as Record<string, unknown>,
        error: error ?? null,
        progress: sql`'{}'::jsonb`,
        updatedAt: new Date(clock.now()),
      })
      .where(eq(jobs.id, id));
  }

  async function runSystemUsers(connectionId: string, jobId: string, count: number) {
    const progress = { requested: count, created: 0, signedIn: 0, failed: 0, current: '' as string, errors: [] as string[] };
    const save = (status: string) =>
      db
        .update(jobs)
        .set({ status, progress, updatedAt: new Date(clock.now()) })
        .where(eq(jobs.id, jobId));
    try {
      if (!deps.directory || !deps.systemUserDomain) throw new Error('system-user mode is not available in this deployment');
      const directory = await deps.directory(connectionId);
      const domain = await deps.systemUserDomain(connectionId);
      const auth = await deps.delegatedAuth(connectionId);
      const delays = deps.systemUserRetryDelaysMs ?? [2_000, 5_000, 10_000, 20_000, 30_000];
      await save('running');
      for (let i = 0; i < count; i++) {
        const nick = `CXone_${randomBytes(3).toString('hex')}`;
        const upn = `${nick}@${domain}`;
        const password = `${randomBytes(18).toString('base64url')}!a1`;
        progress.current = upn;
        await save('running');
        try {
          await directory.createUser({ userPrincipalName: upn, displayName: nick, mailNickname: nick, password });
          progress.created++;
          let tokens: DelegatedTokens | null = null;
          let lastErr: unknown;
          for (let attempt = 0; attempt <= delays.length && !tokens; attempt++) {
            try {
              tokens = await auth.signInWithPassword(upn, password);
            } catch (err) {
              lastErr = err;
              const d = delays[attempt];
              if (d === undefined) break;
              await new Promise((r) => setTimeout(r, d));
            }
          }
          if (!tokens) throw lastErr ?? new Error('sign-in failed');
          await saveOwner(connectionId, tokens, 'system_user', password);
          progress.signedIn++;
        } catch (err) {
          progress.failed++;
          progress.errors.push(`${upn}: ${(err as Error).message}`);
          log.warn({ connectionId, upn, err: (err as Error).message }, 'system user setup failed');
        }
      }
      progress.current = '';
      await db
        .update(jobs)
        .set({
          status: progress.failed === 0 ? 'succeeded' : 'failed',
          progress,
          result: { ...progress },
          updatedAt: new Date(clock.now()),
        })
        .where(eq(jobs.id, jobId));
    } catch (err) {
      await db
        .update(jobs)
        .set({ status: 'failed', progress, error: (err as Error).message, updatedAt: new Date(clock.now()) })
        .where(eq(jobs.id, jobId));
    }
  }

  return {
    tokenFor(connectionId: string, ownerId: string): AccessTokenProvider {
      return async () => {
        let p = providers.get(ownerId);
        if (!p) {
          p = await buildProvider(connectionId, ownerId);
          providers.set(ownerId, p);
        }
        return p();
      };
    },

    async list(connectionId: string): Promise<OwnerView[]> {
      const rows = await db.select().from(subscriptionOwners).where(eq(subscriptionOwners.connectionId, connectionId));
      return rows
        .map(view)
        .sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.userPrincipalName.localeCompare(b.userPrincipalName));
    },

    /** Refreshes one owner's token now; updates its health. */
    async check(connectionId: string, ownerId: string): Promise<OwnerView> {
      await this.tokenFor(connectionId, ownerId)().catch(() => undefined);
      const [row] = await db.select().from(subscriptionOwners).where(eq(subscriptionOwners.id, ownerId)).limit(1);
      if (!row || row.connectionId !== connectionId) throw notFound('subscription owner');
      return view(row);
    },

    async remove(connectionId: string, ownerId: string): Promise<void> {
      try {
        await deps.beforeOwnerRemoved?.(connectionId, ownerId);
      } catch (err) {
        log.warn(
          { connectionId, ownerId, err: (err as Error).message },
          'releasing the owner subscriptions failed (they will expire)',
        );
      }
      const gone = await db
        .delete(subscriptionOwners)
        .where(and(eq(subscriptionOwners.id, ownerId), eq(subscriptionOwners.connectionId, connectionId)))
        .returning({ id: subscriptionOwners.id });
      if (gone.length === 0) throw notFound('subscription owner');
      providers.delete(ownerId);
      healed(connectionId, ownerId);
      deps.onOwnersChanged?.(connectionId);
    },

    /** Starts an authorization-code + PKCE sign-in: the admin opens `authorizeUrl` (MFA applies). */
    async beginSignIn(connectionId: string, o: { loginHint?: string | undefined } = {}) {
      const auth = await deps.delegatedAuth(connectionId);
      const start = auth.beginAuthCode({
        redirectUri: deps.redirectUri(connectionId),
        prompt: 'select_account',
        ...(o.loginHint ? { loginHint: o.loginHint } : {}),
      });
      const expiresAt = clock.now() + ttl;
      const progress: PendingProgress = {
        flow: 'auth_code',
        stateHash: hashState(start.state),
        verifierEnc: secrets.seal(start.codeVerifier),
        expiresAt,
      };
      const [job] = await db
        .insert(jobs)
        .values({ connectionId, kind: 'owner_sign_in', status: 'running', progress })
        .returning();
      return { signInId: job!.id, authorizeUrl: start.url, expiresAt: new Date(expiresAt).toISOString() };
    },

    /** The redirect back from Microsoft: `state` ties it to a pending sign-in; the code is redeemed with PKCE. */
    /** Which connection began the sign-in that `state` belongs to (one redirect URI serves every connection). */
    async connectionForState(state: string): Promise<string | null> {
      const [job] = await db
        .select({ connectionId: jobs.connectionId })
        .from(jobs)
        .where(
          and(
            eq(jobs.kind, 'owner_sign_in'),
            eq(jobs.status, 'running'),
            sql`${jobs.progress}->>'stateHash' = ${hashState(state)}`,
          ),
        )
        .limit(1);
      return job?.connectionId ?? null;
    },

    async completeSignIn(
      connectionId: string,
      q: { code?: string; state?: string; error?: string; error_description?: string },
    ): Promise<OwnerView> {
      if (!q.state) throw badRequest('state is missing');
      const h = hashState(q.state);
      const [job] = await db
        .select()
        .from(jobs)
        .where(
          and(
            eq(jobs.connectionId, connectionId),
            eq(jobs.kind, 'owner_sign_in'),
            eq(jobs.status, 'running'),
            sql`${jobs.progress}->>'stateHash' = ${h}`,
          ),
        )
        .limit(1);
      const p = job?.progress as PendingProgress | undefined;
      if (!job || !p?.stateHash || !safeEqual(p.stateHash, h) || !p.verifierEnc)
        throw badRequest('unknown or already used sign-in (state)');
      if (p.expiresAt < clock.now()) {
        await finishJob(job.id, 'failed', null, 'expired');
        throw badRequest('the sign-in expired: start again');
      }
      if (q.error || !q.code) {
        await finishJob(job.id, 'failed', null, q.error ?? 'no code');
        throw badRequest(
          `the sign-in was not completed: ${q.error ?? 'no code'}${q.error_description ? ` (${q.error_description.split('\n')[0]})` : ''}`,
        );
      }
      const auth = await deps.delegatedAuth(connectionId);
      try {
        const tokens = await auth.redeemCode({
          code: q.code,
          redirectUri: deps.redirectUri(connectionId),
          codeVerifier: secrets.open(p.verifierEnc),
        });
        const owner = await saveOwner(connectionId, tokens, 'signed_in');
        await finishJob(job.id, 'succeeded', { ownerId: owner.id, userPrincipalName: owner.userPrincipalName });
        return owner;
      } catch (err) {
        await finishJob(job.id, 'failed', null, (err as Error).message);
        throw err instanceof AppError ? err : badRequest(`the sign-in failed: ${(err as Error).message}`);
      }
    },

    /** Device code sign-in: show `userCode` and `verificationUri` to the admin, then poll. */
    async startDeviceCode(connectionId: string) {
      const auth = await deps.delegatedAuth(connectionId);
      const d = await auth.startDeviceCode();
      const expiresAt = clock.now() + d.expiresIn * 1000;
      const progress: PendingProgress = {
        flow: 'device_code',
        deviceCodeEnc: secrets.seal(d.deviceCode),
        expiresAt,
        userCode: d.userCode,
        verificationUri: d.verificationUri,
      };
      const [job] = await db
        .insert(jobs)
        .values({ connectionId, kind: 'owner_sign_in', status: 'running', progress })
        .returning();
      return {
        signInId: job!.id,
        userCode: d.userCode,
        verificationUri: d.verificationUri,
        message: d.message,
        interval: d.interval,
        expiresAt: new Date(expiresAt).toISOString(),
      };
    },

    async pollDeviceCode(
      connectionId: string,
      signInId: string,
    ): Promise<{ status: 'pending' | 'slow_down' | 'done' | 'failed'; owner?: OwnerView; error?: string }> {
      const { job, progress } = await pending(connectionId, signInId);
      if (job.status === 'succeeded') return { status: 'done' };
      if (job.status === 'failed') return { status: 'failed', error: job.error ?? 'failed' };
      if (progress.flow !== 'device_code' || !progress.deviceCodeEnc) throw badRequest('not a device code sign-in');
      if (progress.expiresAt < clock.now()) {
        await finishJob(job.id, 'failed', null, 'expired');
        return { status: 'failed', error: 'the code expired: start again' };
      }
      const auth = await deps.delegatedAuth(connectionId);
      try {
        const r = await auth.pollDeviceCode(secrets.open(progress.deviceCodeEnc));
        if (r.status !== 'done') return { status: r.status };
        const owner = await saveOwner(connectionId, r.tokens, 'signed_in');
        await finishJob(job.id, 'succeeded', { ownerId: owner.id, userPrincipalName: owner.userPrincipalName });
        return { status: 'done', owner };
      } catch (err) {
        await finishJob(job.id, 'failed', null, (err as Error).message);
        return { status: 'failed', error: (err as Error).message };
      }
    },

    /** Seed-compatible mode only: create `count` CXone_xxxxx users and sign them in with passwords (a job). */
    async createSystemUsers(connectionId: string, count: number): Promise<{ jobId: string }> {
      const o = await deps.options(connectionId);
      if (!o.systemUserMode || !o.systemUserMfaWarningAccepted)
        throw new AppError(409, 'system_user_mode_off', 'system users need systemUserMode and the accepted MFA warning');
      if (!Number.isInteger(count) || count < 1 || count > 50) throw badRequest('count must be 1…50');
      const [job] = await db
        .insert(jobs)
        .values({
          connectionId,
          kind: 'system_users',
          status: 'queued',
          progress: { requested: count, created: 0, signedIn: 0, failed: 0 },
        })
        .returning();
      void runSystemUsers(connectionId, job!.id, count);
      return { jobId: job!.id };
    },

    async job(connectionId: string, jobId: string) {
      const [job] = await db
        .select()
        .from(jobs)
        .where(and(eq(jobs.id, jobId), eq(jobs.connectionId, connectionId)))
        .limit(1);
      if (job?.kind !== 'system_users') throw notFound('job');
      return { id: job.id, status: job.status, progress: job.progress, error: job.error };
    },
  };
}
export type OwnerService = ReturnType<typeof createOwnerService>;
