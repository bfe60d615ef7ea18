import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from './support/app.ts';

describe('server skeleton', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(async () => app?.stop());

  it('when asked /healthz then it answers 200 JSON with a request id', async () => {
    const res = await fetch(`${app.url}/healthz`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/json/);
    expect(res.headers.get('x-request-id')).toBeTruthy();
    expect(await res.json()).toMatchObject({ status: 'ok' });
  });

  it('when asked /readyz then the database and migrations are reported ready', async () => {
    const res = await fetch(`${app.url}/readyz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: 'ready', checks: { database: 'ok', migrations: 'ok' } });
  });

  it('when a route does not exist then the error has the common shape and the request id is logged', async () => {
    const res = await fetch(`${app.url}/nope`, { headers: { 'x-request-id': 'req-abc' } });
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ error: { code: expect.any(String), message: expect.any(String) } });
    expect(app.logs.some((l) => l.reqId === 'req-abc')).toBe(true);
  });
});

describe('process start-up errors', () => {
  const run = (env: Record<string, string>) =>
    spawnSync(process.execPath, ['--import', 'tsx', 'api/src/main.ts'], {
      env: { PATH: process.env.PATH ?? '', DATA_DIR: 'memory://', ...env },
      encoding: 'utf8',
      timeout: 30_000,
    });

  it('when PORT is malformed then one clear line and a non-zero exit', () => {
    const r = run({ PORT: 'eighty' });
    expect(r.status).toBe(1);
    expect(r.stderr.trim()).toBe('PORT: must be a whole number (got "eighty")');
  });

  it('when DATABASE_URL cannot be reached then one clear line and a non-zero exit', () => {
    const r = run({ DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none' });
    expect(r.status).toBe(1);
    expect(r.stderr.trim()).toMatch(/^DATABASE_URL: cannot connect to postgres:\/\/nobody@127\.0\.0\.1:1\/none/);
  });

  it('when --help is given then usage is printed', () => {
    const h = spawnSync(process.execPath, ['--import', 'tsx', 'api/src/main.ts', '--help'], {
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(h.status).toBe(0);
    expect(h.stdout).toContain('Usage: npm run serve');
  });
});
