import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildSeed } from '../shared/seed.ts';
import type { GraphEmulator } from './index.ts';
import { appToken, graph, startTrustedEmulator } from './test-helpers.ts';

describe('Graph emulator control over HTTP and the control page', () => {
  let emu: GraphEmulator;
  const seed = buildSeed({ agents: 12 });
  const user = seed.users[0]!;
  const post = (path: string, body?: unknown) =>
    fetch(`${emu.url}/_emulator${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });

  beforeAll(async () => {
    emu = await startTrustedEmulator({ seed, now: () => Date.UTC(2026, 10, 26, 9, 0, 0) });
  });
  afterAll(async () => {
    await emu.stop();
  });

  it('when people are played over HTTP then Graph reads show it', async () => {
    expect(
      (await post(`/users/${user.id}/client-presence`, { pair: { availability: 'Available', activity: 'Available' } })).status,
    ).toBe(200);
    const meeting = await post(`/users/${user.id}/meeting/start`);
    expect(await meeting.json()).toMatchObject({ aggregated: { availability: 'Busy', activity: 'InAMeeting' } });
    const token = await appToken(emu);
    expect((await graph(emu, token, 'GET', `/users/${user.id}/presence`)).body).toMatchObject({ activity: 'InAMeeting' });
    await post(`/users/${user.id}/meeting/end`);
    const picked = await post(`/users/${user.id}/preferred`, {
      pair: { availability: 'DoNotDisturb', activity: 'DoNotDisturb' },
    });
    expect(await picked.json()).toMatchObject({
      aggregated: { availability: 'DoNotDisturb' },
      preferred: { availability: 'DoNotDisturb' },
    });
    const reset = await post(`/users/${user.id}/reset-status`);
    expect(await reset.json()).toMatchObject({ aggregated: { availability: 'Available' }, preferred: null });
  });

  it('when control input is bad then 400 names the field, and unknown users are 404', async () => {
    const bad = await post(`/users/${user.id}/client-presence`, { pair: { availability: 'Busy' } });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(await bad.json())).toMatch(/pair\.activity/);
    expect((await post('/faults', { kind: 'meltdown' })).status).toBe(400);
    expect((await post('/time/advance', { ms: -5 })).status).toBe(400);
    expect((await post('/users/nobody/meeting/start')).status).toBe(404);
  });

  it('when time, faults, calls, stats and user tokens are used over HTTP then they work like in-process', async () => {
    const before = emu.control.now();
    const adv = await post('/time/advance', { ms: 60_000 });
    expect(((await adv.json()) as { now: number }).now).toBe(before + 60_000);
    expect((await post('/faults', { kind: 'server_error', count: 1, status: 502 })).status).toBe(204);
    const token = await appToken(emu);
    expect((await graph(emu, token, 'GET', `/users/${user.id}/presence`)).status).toBe(502);
    const calls = (await (await fetch(`${emu.url}/_emulator/calls?pathPrefix=/users`)).json()) as { value: { status: number }[] };
    expect(calls.value.at(-1)?.status).toBe(502);
    const stats = (await (await fetch(`${emu.url}/_emulator/stats`)).json()) as { serverErrors: number; users: number };
    expect(stats).toMatchObject({ serverErrors: 1, users: seed.users.length });
    const t = (await (await post('/user-tokens', { userId: user.id, audience: 'api://app' })).json()) as { token: string };
    expect(decodeJwt(t.token)).toMatchObject({ aud: 'api://app', oid: user.id, tid: emu.tenantId });
  });

  it('when the control page is used then it lists users with presence and its buttons change them', async () => {
    const page = await fetch(`${emu.url}/_emulator/?q=${encodeURIComponent(user.displayName)}`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    const html = await page.text();
    expect(html).toContain(user.displayName);
    expect(html).toContain('Join meeting');
    const r = await fetch(`${emu.url}/_emulator/ui`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ userId: user.id, action: 'call', q: user.displayName }).toString(),
    });
    expect(r.status).toBe(303);
    expect(emu.control.getPresence(user.id).aggregated).toEqual({ availability: 'Busy', activity: 'InACall' });
    const after = await (await fetch(`${emu.url}/_emulator/?q=${encodeURIComponent(user.displayName)}`)).text();
    expect(after).toMatch(/<strong>Busy<\/strong> \/ InACall/);
  });
});
