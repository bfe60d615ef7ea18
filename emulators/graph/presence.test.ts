import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { buildSeed } from '../shared/seed.ts';
import type { GraphEmulator } from './index.ts';
import { appToken, graph, startTrustedEmulator } from './test-helpers.ts';

type Presence = { id: string; availability: string; activity: string; sequenceNumber: string; statusMessage: null };
const MIN = 60_000;

describe('Graph emulator presence', () => {
  let emu: GraphEmulator;
  let token: string;
  const seed = buildSeed({ agents: 20 });
  const agents = seed.users.filter((u) => u.role === 'agent');
  // Each test takes its own users, so state never leaks between tests.
  let next = 0;
  let user: string;
  const setPresence = (id: string, body: Record<string, unknown>) =>
    graph(emu, token, 'POST', `/users/${id}/presence/setPresence`, { sessionId: emu.defaultApp.clientId, ...body });
  const read = async (id: string) => (await graph<Presence>(emu, token, 'GET', `/users/${id}/presence`)).body;

  beforeAll(async () => {
    emu = await startTrustedEmulator({ seed, now: () => Date.UTC(2026, 10, 26, 9, 0, 0) });
    token = await appToken(emu);
  });
  afterAll(async () => {
    await emu.stop();
  });
  beforeEach(async () => {
    user = agents[next++]!.id;
    // Tests advance emulator time by hours; a fresh token keeps calls valid.
    token = await appToken(emu);
  });

  it('when nobody has a session then presence reads Offline/Offline with the full resource shape', async () => {
    const r = await graph<Presence>(emu, token, 'GET', `/communications/presences/${user}`);
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({
      id: user,
      availability: 'Offline',
      activity: 'Offline',
      statusMessage: null,
      outOfOfficeSettings: { message: null, isOutOfOffice: false },
    });
    expect(typeof r.body.sequenceNumber).toBe('string');
  });

  it('when sessions compete then DND > Busy > Available > Away, and preferred beats them all', async () => {
    emu.control.setClientPresence(user, { availability: 'Available', activity: 'Available' });
    expect(await setPresence(user, { availability: 'Away', activity: 'Away', expirationDuration: 'PT1H' })).toMatchObject({
      status: 200,
    });
    // An app cannot show Away over an active Teams client.
    expect(await read(user)).toMatchObject({ availability: 'Available', activity: 'Available' });
    await setPresence(user, { availability: 'Busy', activity: 'InACall', expirationDuration: 'PT1H' });
    expect(await read(user)).toMatchObject({ availability: 'Busy', activity: 'InACall' });
    await setPresence(user, { availability: 'DoNotDisturb', activity: 'Presenting', expirationDuration: 'PT1H' });
    expect(await read(user)).toMatchObject({ availability: 'DoNotDisturb', activity: 'Presenting' });
    emu.control.setPreferredPresence(user, { availability: 'BeRightBack', activity: 'BeRightBack' });
    expect(await read(user)).toMatchObject({ availability: 'BeRightBack', activity: 'BeRightBack' });
    emu.control.resetStatus(user);
    expect(await read(user)).toMatchObject({ availability: 'DoNotDisturb', activity: 'Presenting' });
  });

  it('when a meeting or call runs in the Teams client then it shows Busy until it ends', async () => {
    emu.control.setClientPresence(user, { availability: 'Available', activity: 'Available' });
    emu.control.startMeeting(user);
    expect(await read(user)).toMatchObject({ availability: 'Busy', activity: 'InAMeeting' });
    emu.control.endMeeting(user);
    emu.control.startCall(user);
    expect(await read(user)).toMatchObject({ availability: 'Busy', activity: 'InACall' });
    emu.control.endCall(user);
    expect(await read(user)).toMatchObject({ availability: 'Available', activity: 'Available' });
  });

  it('when an Available app session is not re-sent then it fades to AvailableInactive after 5 minutes and Away after 10', async () => {
    await setPresence(user, { availability: 'Available', activity: 'Available', expirationDuration: 'PT1H' });
    const first = await read(user);
    expect(first).toMatchObject({ availability: 'Available', activity: 'Available' });
    emu.control.advanceTime(5 * MIN);
    const faded = await read(user);
    expect(faded).toMatchObject({ availability: 'Available', activity: 'AvailableInactive' });
    expect(faded.sequenceNumber > first.sequenceNumber).toBe(true);
    emu.control.advanceTime(5 * MIN);
    expect(await read(user)).toMatchObject({ availability: 'Away', activity: 'Away' });
    // Re-sending restarts the fade.
    await setPresence(user, { availability: 'Available', activity: 'Available', expirationDuration: 'PT1H' });
    expect(await read(user)).toMatchObject({ availability: 'Available', activity: 'Available' });
  });

  it('when a session expires then it is gone and the user is Offline; clearing it again is 404', async () => {
    await setPresence(user, { availability: 'Busy', activity: 'InACall', expirationDuration: 'PT5M' });
    expect(await read(user)).toMatchObject({ availability: 'Busy' });
    emu.control.advanceTime(5 * MIN);
    expect(await read(user)).toMatchObject({ availability: 'Offline', activity: 'Offline' });
    expect(emu.control.getPresence(user).sessions).toEqual([]);
    const cleared = await graph(emu, token, 'POST', `/users/${user}/presence/clearPresence`, {
      sessionId: emu.defaultApp.clientId,
    });
    expect(cleared.status).toBe(404);
    expect(cleared.body).toMatchObject({ error: { code: 'NotFound' } });
  });

  it('when the app clears its session then the aggregate falls back to the client session', async () => {
    emu.control.setClientPresence(user, { availability: 'Away', activity: 'Away' });
    await setPresence(user, { availability: 'Busy', activity: 'InACall', expirationDuration: 'PT1H' });
    const r = await graph(emu, token, 'POST', `/users/${user}/presence/clearPresence`, { sessionId: emu.defaultApp.clientId });
    expect(r.status).toBe(200);
    expect(await read(user)).toMatchObject({ availability: 'Away', activity: 'Away' });
  });

  it('when setPresence gets a pair Graph does not accept then 400 and nothing changes', async () => {
    for (const pair of [
      { availability: 'Busy', activity: 'InAMeeting' },
      { availability: 'Offline', activity: 'OffWork' },
      { availability: 'Available', activity: 'Busy' },
    ]) {
      const r = await setPresence(user, { ...pair, expirationDuration: 'PT1H' });
      expect(r.status).toBe(400);
      expect(r.body).toMatchObject({ error: { code: 'BadRequest' } });
      expect(r.body.error).toHaveProperty('innerError');
    }
    expect(emu.control.getPresence(user).sessions).toEqual([]);
  });

  it('when setPresence has a foreign sessionId or an out-of-range duration then 400', async () => {
    const foreign = await graph(emu, token, 'POST', `/users/${user}/presence/setPresence`, {
      sessionId: '11111111-2222-3333-4444-555555555555',
      availability: 'Busy',
      activity: 'InACall',
    });
    expect(foreign.status).toBe(400);
    expect(JSON.stringify(foreign.body)).toMatch(/sessionId/);
    for (const d of ['PT4M', 'PT5H', 'soon']) {
      expect((await setPresence(user, { availability: 'Busy', activity: 'InACall', expirationDuration: d })).status).toBe(400);
    }
    expect((await setPresence(user, { availability: 'Busy', activity: 'InACall', expirationDuration: 'PT4H' })).status).toBe(200);
  });

  it('when setUserPreferredPresence is used then it wins, expires by default after 1 day for Busy, and 400s for unsupported pairs', async () => {
    emu.control.setClientPresence(user, { availability: 'Available', activity: 'Available' });
    const bad = await graph(emu, token, 'POST', `/users/${user}/presence/setUserPreferredPresence`, {
      availability: 'Busy',
      activity: 'InACall',
    });
    expect(bad.status).toBe(400);
    const ok = await graph(emu, token, 'POST', `/users/${user}/presence/setUserPreferredPresence`, {
      availability: 'Busy',
      activity: 'Busy',
    });
    expect(ok.status).toBe(200);
    expect(await read(user)).toMatchObject({ availability: 'Busy', activity: 'Busy' });
    emu.control.advanceTime(24 * 60 * MIN);
    token = await appToken(emu);
    expect(await read(user)).toMatchObject({ availability: 'Available', activity: 'Available' });
    await graph(emu, token, 'POST', `/users/${user}/presence/setUserPreferredPresence`, {
      availability: 'DoNotDisturb',
      activity: 'DoNotDisturb',
      expirationDuration: 'PT1H',
    });
    expect((await graph(emu, token, 'POST', `/users/${user}/presence/clearUserPreferredPresence`, {})).status).toBe(200);
    expect(await read(user)).toMatchObject({ availability: 'Available' });
  });

  it('when getPresencesByUserId is asked for many ids then unknown ones are left out and over 650 is 400', async () => {
    const ids = agents.slice(0, 5).map((u) => u.id);
    const r = await graph<{ value: Presence[] }>(emu, token, 'POST', '/communications/getPresencesByUserId', {
      ids: [...ids, '00000000-0000-0000-0000-000000000000'],
    });
    expect(r.status).toBe(200);
    expect(r.body.value.map((p) => p.id)).toEqual(ids);
    const many = Array.from({ length: 651 }, (_, i) => `00000000-0000-0000-0000-${String(i).padStart(12, '0')}`);
    const over = await graph(emu, token, 'POST', '/communications/getPresencesByUserId', { ids: many });
    expect(over.status).toBe(400);
    const at = await graph(emu, token, 'POST', '/communications/getPresencesByUserId', { ids: many.slice(0, 650) });
    expect(at.status).toBe(200);
    expect((await graph(emu, token, 'POST', '/communications/getPresencesByUserId', { ids: [] })).status).toBe(400);
  });

  it('when the app lacks Presence.ReadWrite.All then writes are 403 and reads still work', async () => {
    emu.control.registerApp({ clientId: 'read-only-app', clientSecret: 's3cret', roles: ['Presence.Read.All'] });
    const t = await appToken(emu, { clientId: 'read-only-app', clientSecret: 's3cret' });
    expect((await graph(emu, t, 'GET', `/users/${user}/presence`)).status).toBe(200);
    const w = await graph(emu, t, 'POST', `/users/${user}/presence/setPresence`, {
      sessionId: 'read-only-app',
      availability: 'Busy',
      activity: 'InACall',
    });
    expect(w.status).toBe(403);
    expect(w.body).toMatchObject({ error: { code: 'Authorization_RequestDenied' } });
    expect(JSON.stringify(w.body)).not.toMatch(/s3cret/);
    expect((await graph(emu, t, 'GET', '/users')).status).toBe(403);
    // Revoking a role takes effect at once, even for tokens already issued.
    emu.control.setRoles('read-only-app', []);
    expect((await graph(emu, t, 'GET', `/users/${user}/presence`)).status).toBe(403);
  });

  it('when there is no or a bad token then 401 InvalidAuthenticationToken', async () => {
    const r = await fetch(`${emu.graphBaseUrl}/users/${user}/presence`);
    expect(r.status).toBe(401);
    expect(await r.json()).toMatchObject({ error: { code: 'InvalidAuthenticationToken' } });
    expect((await graph(emu, `${token}x`, 'GET', `/users/${user}/presence`)).status).toBe(401);
  });

  it('when a token outlives 3599 s of emulator time then Graph says it expired', async () => {
    const t = await appToken(emu);
    emu.control.advanceTime(3600_000);
    const r = await graph(emu, t, 'GET', `/users/${user}/presence`);
    expect(r.status).toBe(401);
    expect(JSON.stringify(r.body)).toMatch(/expired/);
    token = await appToken(emu);
  });
});
