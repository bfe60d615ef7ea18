import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { subscriptionOwners, teamsUsers } from '../../api/src/storage/schema.ts';
import { startWatchStack, type WatchStack } from './emulator-support.ts';

describe('seed-compatible system users (warned-about mode) against the Graph emulator', () => {
  let s: WatchStack;
  const api = (path: string, init: RequestInit = {}) =>
    fetch(`${s.baseUrl}/api/connections/${s.connectionId}${path}`, { ...init, headers: { ...s.admin, ...(init.headers ?? {}) } });

  beforeAll(async () => {
    s = await startWatchStack({ agents: 12, owners: 0, options: { presenceWatch: 'subscriptions', subscriptionGroupSize: 6 } });
    s.emu.control.setRoles(s.emu.defaultApp.clientId, [
      'User.Read.All',
      'User.ReadWrite.All',
      'Presence.Read.All',
      'Presence.ReadWrite.All',
    ]);
    // Directory sync would have filled this; the tenant domain is learnt from it.
    await s.storage.db
      .insert(teamsUsers)
      .values(
        s.userIds
          .slice(0, 3)
          .map((userId, i) => ({ connectionId: s.connectionId, userId, userPrincipalName: `agent${i}@contoso.com` })),
      );
  });
  afterAll(async () => s?.stop());

  it('when system-user mode is off then creating system users is refused', async () => {
    const r = await api('/owners/system-users', { method: 'POST', body: JSON.stringify({ count: 2 }) });
    expect(r.status).toBe(409);
  });

  it('when the admin accepted the MFA warning then CXone_ users are created, signed in with passwords and own the subscriptions', async () => {
    await s.setOptions({ systemUserMode: true, systemUserMfaWarningAccepted: true });
    const bad = await api('/owners/system-users', { method: 'POST', body: JSON.stringify({ count: 0 }) });
    expect(bad.status).toBe(400);
    const r = await api('/owners/system-users', { method: 'POST', body: JSON.stringify({ count: 2 }) });
    expect(r.status).toBe(202);
    const { jobId } = (await r.json()) as { jobId: string };
    let job: { status: string; progress: { created: number; signedIn: number; failed: number; errors?: string[] } } | undefined;
    for (let i = 0; i < 200; i++) {
      job = (await (await api(`/owners/system-users/${jobId}`)).json()) as typeof job;
      if (job!.status === 'succeeded' || job!.status === 'failed') break;
      await new Promise((res) => setTimeout(res, 50));
    }
    expect(job).toMatchObject({ status: 'succeeded', progress: { created: 2, signedIn: 2, failed: 0 } });
    const owners = (await (await api('/owners')).json()) as {
      owners: Array<{ userPrincipalName: string; kind: string; tokenStatus: string }>;
    };
    expect(owners.owners).toHaveLength(2);
    for (const o of owners.owners) {
      expect(o.userPrincipalName).toMatch(/^CXone_[0-9a-f]{6}@contoso\.com$/);
      expect(o).toMatchObject({ kind: 'system_user', tokenStatus: 'ok' });
    }
    const stored = JSON.stringify(await s.storage.db.query.subscriptionOwners.findMany());
    expect(stored).toMatch(/"passwordEnc":"v1\./);
    await s.watching.tick();
    const cov = await s.watching.subscriptions.coverage(s.connectionId);
    expect(cov.subscriptions.filter((x) => x.status === 'active')).toHaveLength(2);
    expect(cov.uncoveredUsers).toBe(0);
  });

  it('when an owner refresh token stops working then a system user signs in again by itself, a person is reported', async () => {
    const owners = await s.storage.db.query.subscriptionOwners.findMany();
    const [a, b] = owners;
    // A: broken refresh token, but a stored password → silent re-sign-in.
    await s.storage.db
      .update(subscriptionOwners)
      .set({ refreshTokenEnc: s.secrets.seal('not-a-refresh-token') })
      .where(eq(subscriptionOwners.id, a!.id));
    // B: treated as a person (no password): must be asked to sign in again.
    await s.storage.db
      .update(subscriptionOwners)
      .set({ kind: 'signed_in', passwordEnc: null, refreshTokenEnc: s.secrets.seal('not-a-refresh-token') })
      .where(eq(subscriptionOwners.id, b!.id));
    const fresh = s.makeWatching(); // another replica: no cached access tokens
    expect((await fresh.subscriptions.renewNow(s.connectionId)).map((r) => r.result)).toEqual([
      'lease_held_elsewhere',
      'lease_held_elsewhere',
    ]);
    s.emu.control.advanceTime(3 * 60_000); // the first replica's renewal lease lapses
    s.notices.length = 0;
    const results = await fresh.subscriptions.renewNow(s.connectionId);
    const rows = await fresh.subscriptions.coverage(s.connectionId);
    const byOwner = new Map(rows.subscriptions.map((r) => [r.ownerId, r.id]));
    const resultOf = (ownerId: string) => results.find((r) => r.id === byOwner.get(ownerId))?.result;
    expect(resultOf(a!.id)).toBe('renewed');
    expect(resultOf(b!.id)).toBe('failed');
    const after = await fresh.owners.list(s.connectionId);
    expect(after.find((o) => o.id === a!.id)).toMatchObject({ tokenStatus: 'ok' });
    expect(after.find((o) => o.id === b!.id)).toMatchObject({ tokenStatus: 'refresh_failed' });
    expect(s.notices).toContainEqual(
      expect.objectContaining({ kind: 'fault', fault: 'owner_token_failed', key: `owner-${b!.id}` }),
    );
    expect(s.notices).toContainEqual(expect.objectContaining({ kind: 'fault', fault: 'subscription_renew_failed' }));
    expect(JSON.stringify(s.notices)).not.toContain('not-a-refresh-token');
    await fresh.stop();
  });
});
