import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildSeed } from '../shared/seed.ts';
import { dayScript } from './day.ts';
import { createModel, ModelError } from './model.ts';
import { type CxoneEmulator, startCxoneEmulator } from './server.ts';

describe('CXone emulator model', () => {
  const seed = buildSeed({ agents: 12 });
  const at = { t: 1_000_000 };
  const model = createModel(seed, () => at.t);
  const a = seed.agents[0]!.agentId;

  it('when an ACW code is set outside a contact then 409; on a contact it waits for the contact to end', () => {
    expect(() => model.setByApi(a, { state: 'Unavailable', outStateId: 9 })).toThrow(ModelError);
    model.startContact(a, 'inbound');
    expect(model.setByApi(a, { state: 'Unavailable', outStateId: 2 }).state).toBe('InboundContact');
    expect(model.endContact(a)).toMatchObject({ state: 'Unavailable', outStateId: 2 });
  });

  it('when a logged-out agent or an unknown code is set then it is refused with a status', () => {
    model.logout(a);
    expect(() => model.setByApi(a, { state: 'Available' })).toThrow(expect.objectContaining({ status: 409 }));
    model.login(a);
    expect(() => model.setByApi(a, { state: 'Unavailable', outStateId: 77 })).toThrow(expect.objectContaining({ status: 400 }));
    expect(() => model.setByApi('nope', { state: 'Available' })).toThrow(expect.objectContaining({ status: 404 }));
  });

  it('when a change happens in the same millisecond as a poll then it is still after that poll', () => {
    const t = model.pollTime();
    const s = model.setByApi(a, { state: 'Available' });
    expect(s.updatedAt).toBeGreaterThan(t);
    expect(model.changedSince(t).map((x) => x.agentId)).toEqual([a]);
    // The clock has not moved, yet the next lastPollTime covers that change: it is not served twice.
    const t2 = model.pollTime();
    expect(t2).toBeGreaterThanOrEqual(s.updatedAt);
    expect(model.changedSince(t2)).toEqual([]);
  });

  it('when a day is scripted then it is ordered, ends logged out and can be compressed', () => {
    const day = dayScript();
    expect(day[0]).toMatchObject({ atMs: 0, action: 'login' });
    expect(day.at(-1)).toMatchObject({ action: 'logout', atMs: 480 * 60_000 });
    expect(day.every((s, i) => i === 0 || s.atMs >= day[i - 1]!.atMs)).toBe(true);
    expect(dayScript(60).at(-1)!.atMs).toBe(480_000);
    expect(() => dayScript(0)).toThrow(/speed/);
  });
});

describe('CXone emulator over HTTP', () => {
  let emu: CxoneEmulator;
  const time = { t: Date.parse('2026-11-26T08:00:00Z') };
  beforeAll(async () => {
    emu = await startCxoneEmulator({ agents: 12, now: () => time.t });
  });
  afterAll(async () => emu?.stop());
  const ctl = (method: string, path: string, body?: unknown) =>
    fetch(`${emu.url}/_emulator/${path}`, {
      method,
      headers: { 'content-type': 'application/json' },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });

  it('when a bad access key is presented then the token endpoint answers 401', async () => {
    const res = await fetch(`${emu.authUrl}/authentication/v1/token/access-key`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ accessKeyId: emu.accessKey.id, accessKeySecret: 'wrong' }),
    });
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ error: 'invalid_client' });
    const noToken = await fetch(`${emu.baseUrl}/incontactapi/services/v26.0/agents`);
    expect(noToken.status).toBe(401);
  });

  it('when discovery is asked then it points at the emulator for both API and auth', async () => {
    const res = await fetch(`${emu.url}/.well-known/cxone-configuration?tenantId=t-1`);
    expect(await res.json()).toMatchObject({ api_endpoint: emu.baseUrl, auth_endpoint: emu.authUrl, tenantId: 't-1' });
  });

  it('when the control page is opened then it lists the agents', async () => {
    const res = await fetch(`${emu.url}/_emulator/`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/html/);
    const html = await res.text();
    expect(html).toContain(emu.seed.agents[0]!.agentId);
    expect(html).toContain('Drive a day');
  });

  it('when driven over the control API then states, contacts and time behave as in-process', async () => {
    const id = emu.seed.agents[1]!.agentId;
    expect((await ctl('POST', `agents/${id}/contact/start`, { type: 'outbound' })).status).toBe(200);
    expect(await (await ctl('GET', `agents/${id}`)).json()).toMatchObject({ state: 'OutboundContact', isOutbound: true });
    await ctl('POST', `agents/${id}/contact/end`, { acw: true });
    expect(emu.control.agentState(id)).toMatchObject({ isAcw: true });
    const bad = await ctl('POST', `agents/${id}/contact/start`, { type: 'sideways' });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { errorDescription: string }).errorDescription).toContain('type');
    expect((await ctl('POST', 'faults', { kind: 'meteor' })).status).toBe(400);
    const t0 = emu.control.now();
    expect(await (await ctl('POST', 'time/advance', { ms: 1000 })).json()).toEqual({ now: t0 + 1000 });
    expect((await ctl('GET', 'agents/nope')).status).toBe(404);
  });

  it('when a day is driven then its steps play as emulator time passes', () => {
    const id = emu.seed.agents[2]!.agentId;
    emu.control.logout(id);
    emu.control.driveDay(id, { speed: 60 });
    expect(emu.control.agentState(id).state).toBe('Unavailable'); // logged in
    emu.control.advanceTime(6.5 * 1000); // 6.5 minutes at ×60
    expect(emu.control.agentState(id).state).toBe('InboundContact');
    emu.control.advanceTime(6 * 1000);
    expect(emu.control.agentState(id)).toMatchObject({ isAcw: true });
    emu.control.advanceTime(79.5 * 1000); // 92 minutes: the consult (90–94)
    expect(emu.control.agentState(id)).toMatchObject({ state: 'InboundConsult', agentToAgent: true });
    emu.control.advanceTime(480 * 1000);
    expect(emu.control.agentState(id).state).toBe('LoggedOut');
  });

  it('when thousands of agents are asked for then the seed has them', async () => {
    const big = await startCxoneEmulator({ agents: 2000 });
    try {
      expect(big.control.agentStates()).toHaveLength(2000);
    } finally {
      await big.stop();
    }
  });
});

describe('emulator:cxone command line', () => {
  const run = (...args: string[]) =>
    spawnSync(process.execPath, ['--import', 'tsx', 'emulators/cxone/main.ts', ...args], { encoding: 'utf8', timeout: 30_000 });

  it('when asked for help then it prints the flags', () => {
    const r = run('--help');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('--agents N');
  });

  it('when a flag is invalid then it exits 2 naming the flag', () => {
    const r = run('--agents', 'lots');
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('--agents');
    const u = run('--push-url', 'ftp://x');
    expect(u.status).toBe(2);
    expect(u.stderr).toContain('--push-url');
    const s = run('--push-url', 'http://127.0.0.1:1/api/cxone/events');
    expect(s.stderr).toContain('--push-secret');
    expect(run('--bogus').status).toBe(2);
    expect(run('--access-key-id', 'AK1').stderr).toContain('--access-key-secret');
  });
});
