import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SignInStart, signInThroughBrowser, startWatchStack, type WatchStack } from './emulator-support.ts';

const OWNER = (k: number) => ({ upn: `presence-owner${k}@contoso.com`, password: `Owner${k}-Passw0rd!` });

describe('presence subscriptions against the Graph emulator (HTTPS)', () => {
  let s: WatchStack;
  const api = (path: string, init: RequestInit = {}) =>
    fetch(`${s.baseUrl}/api/connections/${s.connectionId}${path}`, { ...init, headers: { ...s.admin, ...(init.headers ?? {}) } });
  const subscriptionsRows = async () =>
    (await (await api('/watch/subscriptions')).json()) as {
      subscriptions: Array<{
        id: string;
        graphSubscriptionId: string;
        status: string;
        users: number;
        ownerUpn: string;
        expiresAt: number;
        lastRenewedAt: number;
        lastError: string | null;
      }>;
      coveredUsers: number;
      uncoveredUsers: number;
    };

  beforeAll(async () => {
    // 12 agents → 10 with Teams accounts (traps), groups of 6 → 2 subscriptions, 2 owners.
    s = await startWatchStack({
      agents: 12,
      options: { presenceWatch: 'subscriptions', subscriptionGroupSize: 6 },
      // A short-lived encryption certificate, so rotation happens within the test's emulated hours.
      watching: { certOptions: { validityMs: 3 * 3600_000, rotateBeforeMs: 3600_000 } },
    });
  });
  afterAll(async () => s?.stop());

  it('when admin routes are called without the admin check passing then 401', async () => {
    const r = await fetch(`${s.baseUrl}/api/connections/${s.connectionId}/owners`);
    expect(r.status).toBe(401);
    const bad = await api('/owners/not-a-guid/check', { method: 'POST' });
    expect(bad.status).toBe(400);
  });

  it('when no owner has signed in then the plan says two owners are needed and both are missing', async () => {
    const plan = (await (await api('/watch/plan')).json()) as { ownersNeeded: number; ownersMissing: number; groups: unknown[] };
    expect(plan).toMatchObject({ ownersNeeded: 2, ownersMissing: 2 });
    expect(plan.groups).toHaveLength(2);
  });

  it('when an owner signs in with authorization code + PKCE then the refresh token is stored encrypted and the owner is healthy', async () => {
    const start = (await (
      await api('/owners/sign-in', { method: 'POST', body: JSON.stringify({ loginHint: OWNER(1).upn }) })
    ).json()) as SignInStart;
    const url = new URL(start.authorizeUrl);
    expect(url.searchParams.get('code_challenge_method')).toBe('S256');
    expect(url.searchParams.get('redirect_uri')).toBe(`${s.baseUrl}/api/owners/callback`);
    const page = await signInThroughBrowser(start.authorizeUrl, OWNER(1).upn, OWNER(1).password);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain(OWNER(1).upn);

    const owners = (await (await api('/owners')).json()) as {
      owners: Array<{ userPrincipalName: string; tokenStatus: string; kind: string }>;
    };
    expect(owners.owners).toEqual([
      expect.objectContaining({ userPrincipalName: OWNER(1).upn, tokenStatus: 'ok', kind: 'signed_in' }),
    ]);
    const raw = JSON.stringify(await s.storage.db.query.subscriptionOwners.findMany());
    expect(raw).toMatch(/"refreshTokenEnc":"v1\./);

    // An abandoned sign-in is closed once it expires (its sealed PKCE verifier dropped).
    const abandoned = (await (await api('/owners/sign-in', { method: 'POST', body: '{}' })).json()) as SignInStart;
    s.emu.control.advanceTime(16 * 60_000);
    await s.watching.tick();
    const job = await s.storage.db.query.jobs.findFirst({ where: (t, { eq }) => eq(t.id, abandoned.signInId) });
    expect(job).toMatchObject({ status: 'failed', error: 'expired', progress: {} });

    // The same state cannot be used twice.
    const again = await fetch(
      `${s.baseUrl}/api/owners/callback?code=x&state=${encodeURIComponent(url.searchParams.get('state')!)}`,
    );
    expect(again.status).toBe(400);
  });

  it('when a second owner signs in with a device code then both groups get a subscription', async () => {
    const start = (await (await api('/owners/device-code', { method: 'POST' })).json()) as {
      signInId: string;
      userCode: string;
      verificationUri: string;
    };
    const pending = (await (await api(`/owners/device-code/${start.signInId}/poll`, { method: 'POST' })).json()) as {
      status: string;
    };
    expect(pending.status).toBe('pending');
    const approve = await fetch(start.verificationUri, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ user_code: start.userCode, username: OWNER(2).upn, password: OWNER(2).password }),
    });
    expect(approve.status).toBe(200);
    const done = (await (await api(`/owners/device-code/${start.signInId}/poll`, { method: 'POST' })).json()) as {
      status: string;
      owner: { userPrincipalName: string };
    };
    expect(done).toMatchObject({ status: 'done', owner: { userPrincipalName: OWNER(2).upn } });

    await s.watching.tick();
    const cov = await subscriptionsRows();
    expect(cov.subscriptions).toHaveLength(2);
    expect(cov.subscriptions.every((x) => x.status === 'active')).toBe(true);
    expect(new Set(cov.subscriptions.map((x) => x.ownerUpn))).toEqual(new Set([OWNER(1).upn, OWNER(2).upn]));
    expect(cov.uncoveredUsers).toBe(0);
    const remote = s.emu.control.subscriptions();
    expect(remote).toHaveLength(2);
    expect(s.notices.filter((n) => n.kind === 'fault')).toEqual([]);
  });

  it('when a covered user changes presence then the encrypted notification becomes one subscription event', async () => {
    s.events.length = 0;
    const user = s.userIds[0]!;
    s.emu.control.setClientPresence(user, { availability: 'Busy', activity: 'InACall' });
    await s.settle();
    const mine = s.events.filter((e) => e.kind === 'teams_presence' && e.userId === user);
    expect(mine).toEqual([
      expect.objectContaining({
        source: 'subscription',
        presence: expect.objectContaining({ availability: 'Busy', activity: 'InACall' }),
      }),
    ]);
    const status = (await (await api('/watch/status')).json()) as {
      inbox: { rejectedToken: number; rejectedSignature: number; changes: number };
    };
    expect(status.inbox).toMatchObject({ rejectedToken: 0, rejectedSignature: 0 });
    // The reader then sees nothing new for that user (no double event).
    s.events.length = 0;
    await s.watching.readNow(s.connectionId);
    expect(s.events.filter((e) => e.kind === 'teams_presence' && e.userId === user)).toEqual([]);
  });

  it('when time passes towards expiry then subscriptions are renewed before the 60-minute limit', async () => {
    const before = await subscriptionsRows();
    s.emu.control.advanceTime(40 * 60_000);
    await s.watching.tick();
    const after = await subscriptionsRows();
    expect(s.notices.filter((n) => n.kind === 'fault')).toEqual([]);
    for (const sub of after.subscriptions) {
      const prev = before.subscriptions.find((p) => p.id === sub.id)!;
      expect(sub.graphSubscriptionId).toBe(prev.graphSubscriptionId);
      expect(sub.expiresAt).toBeGreaterThan(prev.expiresAt);
      expect(sub.status).toBe('active');
    }
    const remote = s.emu.control.subscriptions();
    expect(remote).toHaveLength(2);
  });

  it('when Graph sends reauthorizationRequired then the subscription is renewed with one PATCH', async () => {
    const [first] = (await subscriptionsRows()).subscriptions;
    s.emu.control.advanceTime(5 * 60_000);
    s.emu.control.resetCalls();
    await s.emu.control.sendLifecycle(first!.graphSubscriptionId, 'reauthorizationRequired');
    await s.settle();
    const patches = s.emu.control.calls().filter((c) => c.method === 'PATCH');
    expect(patches).toHaveLength(1);
    const row = (await subscriptionsRows()).subscriptions.find((x) => x.id === first!.id)!;
    expect(row.lastRenewedAt).toBeGreaterThan(first!.lastRenewedAt);
    expect(row.graphSubscriptionId).toBe(first!.graphSubscriptionId);
  });

  it('when Graph removes a subscription then it is re-created and the fault heals', async () => {
    const [first] = (await subscriptionsRows()).subscriptions;
    await s.emu.control.removeSubscription(first!.graphSubscriptionId);
    await s.settle();
    const row = (await subscriptionsRows()).subscriptions.find((x) => x.id === first!.id)!;
    expect(row.status).toBe('active');
    expect(row.graphSubscriptionId).not.toBe(first!.graphSubscriptionId);
    expect(s.notices).toContainEqual(expect.objectContaining({ kind: 'fault', fault: 'subscription_removed' }));
    expect(s.notices).toContainEqual(expect.objectContaining({ kind: 'fault_healed', fault: 'subscription_removed' }));
    expect(s.emu.control.subscriptions().map((x) => x.id)).toContain(row.graphSubscriptionId);
  });

  it('when a renewal finds the subscription gone (404) then it is re-created', async () => {
    const [, second] = (await subscriptionsRows()).subscriptions;
    // Gone without a lifecycle notice: the emulator answers the PATCH with 404.
    s.emu.control.injectFault({ kind: 'refuse_renewal', subscriptionId: second!.graphSubscriptionId, status: 404, count: 1 });
    const results = (await (
      await api('/watch/subscriptions/renew', { method: 'POST', body: JSON.stringify({ subscriptionId: second!.id }) })
    ).json()) as {
      results: Array<{ result: string }>;
    };
    expect(results.results).toEqual([expect.objectContaining({ result: 'recreated' })]);
  });

  it('when a subscription dies silently then the reader notices, the group is flagged and re-created', async () => {
    const rows = (await subscriptionsRows()).subscriptions;
    const target = rows[1]!;
    // The reader has read everyone since this subscription was made (it does every 30 s while healing):
    // a change before that could predate the subscription and would prove nothing against it.
    await s.watching.readNow(s.connectionId);
    s.emu.control.injectFault({ kind: 'subscription_silent', subscriptionId: target.graphSubscriptionId });
    const covered = await s.storage.db.query.subscriptions.findFirst({ where: (t, { eq }) => eq(t.id, target.id) });
    const user = (covered!.userIds as string[])[0]!;
    s.events.length = 0;
    s.emu.control.setClientPresence(user, { availability: 'DoNotDisturb', activity: 'Presenting' });
    await s.settle();
    expect(s.events.filter((e) => e.kind === 'teams_presence' && e.userId === user)).toEqual([]);
    await s.watching.readNow(s.connectionId);
    expect(s.events).toContainEqual(expect.objectContaining({ userId: user, source: 'reader' }));
    s.emu.control.advanceTime(2 * 60_000);
    await s.watching.tick();
    expect(s.notices).toContainEqual(expect.objectContaining({ kind: 'fault', fault: 'missed_notifications' }));
    const healed = (await subscriptionsRows()).subscriptions.find((x) => x.id === target.id)!;
    expect(healed.graphSubscriptionId).not.toBe(target.graphSubscriptionId);
    expect(healed.status).toBe('active');
    expect(s.notices).toContainEqual(expect.objectContaining({ kind: 'fault_healed', fault: 'missed_notifications' }));

    // The new subscription delivers again.
    s.events.length = 0;
    s.emu.control.setClientPresence(user, { availability: 'Away', activity: 'Away' });
    await s.settle();
    expect(s.events).toContainEqual(expect.objectContaining({ userId: user, source: 'subscription' }));
  });

  it('when an owner is removed then its subscription is re-planned onto nobody and reported uncovered', async () => {
    const owners = (await (await api('/owners')).json()) as { owners: Array<{ id: string }> };
    const del = await api(`/owners/${owners.owners[1]!.id}`, { method: 'DELETE' });
    expect(del.status).toBe(204);
    await s.watching.tick();
    const plan = (await (await api('/watch/plan')).json()) as { ownersMissing: number };
    expect(plan.ownersMissing).toBe(1);
    const cov = await subscriptionsRows();
    expect(cov.uncoveredUsers).toBeGreaterThan(0);
    expect(cov.subscriptions.filter((x) => x.status === 'active')).toHaveLength(1);
    expect(s.emu.control.subscriptions()).toHaveLength(1);
  });

  it('when the encryption certificate is rotated then subscriptions move to the new one and notifications still decrypt', async () => {
    const before = (await subscriptionsRows()).subscriptions.filter((x) => x.status === 'active');
    expect(before).toHaveLength(1);
    const oldCert = (await s.watching.certs.current(s.connectionId)).id;
    s.emu.control.advanceTime(2 * 3600_000 + 5 * 60_000); // past the rotation point (subscriptions expired too)
    await s.watching.tick();
    const newCert = (await s.watching.certs.current(s.connectionId)).id;
    expect(newCert).not.toBe(oldCert);
    const after = (await subscriptionsRows()).subscriptions.find((x) => x.id === before[0]!.id)!;
    expect(after.status).toBe('active');
    const remote = s.emu.control.subscriptions().find((x) => x.id === after.graphSubscriptionId);
    expect(remote).toBeDefined();
    const covered = await s.storage.db.query.subscriptions.findFirst({ where: (t, { eq }) => eq(t.id, after.id) });
    const user = (covered!.userIds as string[])[0]!;
    s.events.length = 0;
    s.emu.control.setClientPresence(user, { availability: 'Busy', activity: 'InAConferenceCall' });
    await s.settle();
    expect(s.events).toContainEqual(expect.objectContaining({ userId: user, source: 'subscription' }));
  });

  it('when time moves past the rotation point of a live subscription then it is re-created on the new certificate', async () => {
    const [live] = (await subscriptionsRows()).subscriptions.filter((x) => x.status === 'active');
    const certNow = (await s.watching.certs.current(s.connectionId)).id;
    // Renew twice within the certificate's life, then cross its rotation point while the subscription lives.
    s.emu.control.advanceTime(40 * 60_000);
    await s.watching.tick();
    s.emu.control.advanceTime(40 * 60_000);
    await s.watching.tick();
    expect((await s.watching.certs.current(s.connectionId)).id).toBe(certNow);
    s.emu.control.advanceTime(45 * 60_000);
    await s.watching.tick();
    expect((await s.watching.certs.current(s.connectionId)).id).not.toBe(certNow);
    const after = (await subscriptionsRows()).subscriptions.find((x) => x.id === live!.id)!;
    expect(after.status).toBe('active');
    expect(after.graphSubscriptionId).not.toBe(live!.graphSubscriptionId);
  });
});
