import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultBackend, freshDatabaseUrl } from '../tests/support/db.ts';
import { buildServer, serveNodeFlags } from './build-server.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

// Prints one line whenever anything resolves botbuilder (ESM import or require).
const WATCH_BOTBUILDER = `data:text/javascript,${encodeURIComponent(
  `import { registerHooks } from 'node:module';
   registerHooks({ resolve(spec, ctx, next) { if (spec === 'botbuilder') process.stderr.write('RESOLVED botbuilder\\n'); return next(spec, ctx); } });`,
)}`;

/** What `npm run serve` runs: the compiled server (dist/server/main.js) with the serve script's Node flags. */
describe('the compiled server (npm run serve)', () => {
  let main: string;
  beforeAll(async () => {
    main = await buildServer();
  });

  const run = (args: string[], env: Record<string, string>) =>
    spawnSync(process.execPath, [...serveNodeFlags(), main, ...args], {
      env: { PATH: process.env.PATH ?? '', DATA_DIR: 'memory://', ...env },
      encoding: 'utf8',
      timeout: 30_000,
    });

  it('when --help is given then usage is printed', () => {
    const r = run(['--help'], {});
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('Usage: npm run serve');
  });

  it('when PORT is malformed then one clear line and a non-zero exit', () => {
    const r = run([], { PORT: 'eighty' });
    expect(r.status).toBe(1);
    expect(r.stderr.trim()).toBe('PORT: must be a whole number (got "eighty")');
  });

  describe('when started without a bot', () => {
    let proc: ChildProcess;
    let out = '';
    let err = '';
    let url = '';
    let db: { url: string; drop(): Promise<void> } | undefined;
    beforeAll(async () => {
      db = defaultBackend() === 'postgres' ? await freshDatabaseUrl() : undefined;
      proc = spawn(process.execPath, [...serveNodeFlags(), '--import', WATCH_BOTBUILDER, main], {
        env: {
          PATH: process.env.PATH ?? '',
          PORT: '0',
          HOST: '127.0.0.1',
          ...(db ? { DATABASE_URL: db.url } : { DATA_DIR: 'memory://' }),
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      proc.stderr?.on('data', (d: Buffer) => {
        err += d.toString();
      });
      url = await new Promise<string>((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`not listening in time\n${out}\n${err}`)), 45_000);
        proc.stdout?.on('data', (d: Buffer) => {
          out += d.toString();
          const m = /listening on (http:\/\/\S+) /.exec(out);
          if (m) {
            clearTimeout(t);
            resolve(m[1]!);
          }
        });
        proc.once('exit', (code) => reject(new Error(`exited with ${code}\n${out}\n${err}`)));
      });
    });
    afterAll(async () => {
      if (proc && proc.exitCode === null) {
        proc.kill('SIGKILL');
        await new Promise((r) => proc.once('exit', r));
      }
      await db?.drop();
    });

    it('then it finds its migrations (beside the source, not the bundle) and reports ready', async () => {
      const res = await fetch(`${url}/readyz`);
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ status: 'ready', checks: { database: 'ok', migrations: 'ok' } });
    });

    it('then it serves the tab from tabs/dist', async () => {
      const res = await fetch(`${url}/tab/`);
      if (existsSync(path.join(ROOT, 'tabs/dist/index.html'))) {
        expect(res.status).toBe(200);
        expect(res.headers.get('content-type')).toMatch(/html/);
      } else {
        expect(res.status).toBe(503);
        expect(out).toContain(JSON.stringify({ dir: path.join(ROOT, 'tabs/dist') }).slice(1, -1));
      }
    });

    it('then botbuilder is never loaded, and SIGTERM stops it cleanly', async () => {
      expect((await fetch(`${url}/api/messages`, { method: 'POST' })).status).toBe(503);
      const exited = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)));
      proc.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(err).not.toContain('RESOLVED botbuilder');
    });
  });
});
