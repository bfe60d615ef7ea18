import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Server } from 'restify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../logging.ts';
import { createHttpServer, listen } from './server.ts';
import { registerStaticTab } from './static-tab.ts';

describe('static tab', () => {
  let dir: string;
  let server: Server;
  let base: string;
  const logger = createLogger({ level: 'silent' });

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'tab-dist-'));
    mkdirSync(path.join(dir, 'assets'));
    writeFileSync(path.join(dir, 'index.html'), '<!doctype html><title>tab</title>');
    writeFileSync(path.join(dir, 'assets', 'index-abc123.js'), 'console.log(1)');
    writeFileSync(path.join(dir, 'assets', 'index-abc123.css'), 'body{}');
    server = createHttpServer({ logger });
    registerStaticTab(server, { dir, logger });
    base = `http://127.0.0.1:${await listen(server, 0, '127.0.0.1')}`;
  });
  afterAll(async () => {
    await new Promise<void>((r) => server.close(() => r()));
    rmSync(dir, { recursive: true, force: true });
  });

  it('when / or /tab/ is asked then index.html is served, revalidated every time and frameable by Teams', async () => {
    for (const p of ['/', '/tab', '/tab/']) {
      const res = await fetch(base + p);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(res.headers.get('cache-control')).toBe('no-cache');
      expect(res.headers.get('content-security-policy')).toContain('https://teams.microsoft.com');
      expect(await res.text()).toContain('<title>tab</title>');
    }
  });

  it('when a deep link to a page is asked then index.html is served (SPA fallback)', async () => {
    const res = await fetch(`${base}/tab/rules?rule=42`);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('<title>tab</title>');
  });

  it('when a hashed asset is asked then it has its content type and is cached for a year', async () => {
    const js = await fetch(`${base}/tab/assets/index-abc123.js`);
    expect(js.status).toBe(200);
    expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(js.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(await js.text()).toBe('console.log(1)');
    const css = await fetch(`${base}/tab/assets/index-abc123.css`);
    expect(css.headers.get('content-type')).toBe('text/css; charset=utf-8');
  });

  it('when an asset does not exist then 404, not the page', async () => {
    const res = await fetch(`${base}/tab/assets/gone.js`);
    expect(res.status).toBe(404);
  });

  it('when a path tries to climb out of the folder then 404', async () => {
    const res = await fetch(`${base}/tab/..%2f..%2fetc%2fpasswd.txt`);
    expect(res.status).toBe(404);
  });

  it('when HEAD is asked then headers come without a body', async () => {
    const res = await fetch(`${base}/tab/assets/index-abc123.js`, { method: 'HEAD' });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-length')).toBe(String('console.log(1)'.length));
    expect(await res.text()).toBe('');
  });

  it('when the tab is not built then 503 says how to build it', async () => {
    const empty = mkdtempSync(path.join(tmpdir(), 'tab-empty-'));
    const s = createHttpServer({ logger });
    registerStaticTab(s, { dir: empty, logger });
    const url = `http://127.0.0.1:${await listen(s, 0, '127.0.0.1')}`;
    try {
      const res = await fetch(`${url}/tab/users`);
      expect(res.status).toBe(503);
      expect(await res.text()).toContain('npm run build:tab');
    } finally {
      await new Promise<void>((r) => s.close(() => r()));
      rmSync(empty, { recursive: true, force: true });
    }
  });
});
