import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { trustCa } from './test-helpers.ts';

const TSX = join(process.cwd(), 'node_modules', '.bin', 'tsx');
const MAIN = join(process.cwd(), 'emulators', 'graph', 'main.ts');

function run(args: string[]): { child: ChildProcess; out: () => string; err: () => string; exit: Promise<number | null> } {
  const child = spawn(TSX, [MAIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => {
    out += d.toString();
  });
  child.stderr!.on('data', (d: Buffer) => {
    err += d.toString();
  });
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, out: () => out, err: () => err, exit };
}

describe('npm run emulator:graph', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });

  it('when a flag is wrong then it exits 1 naming the flag', async () => {
    const p = run(['--agents', 'lots']);
    expect(await p.exit).toBe(1);
    expect(p.err()).toMatch(/--agents: must be an integer/);
  });

  it('when started then it prints its URLs and credentials, serves HTTPS with the printed CA, and stops on SIGTERM', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'graph-cli-'));
    dirs.push(dir);
    const p = run(['--port', '0', '--agents', '5', '--tls-dir', dir]);
    try {
      const printed = await new Promise<Record<string, unknown>>((resolve, reject) => {
        p.child.stdout!.on('data', () => {
          const s = p.out();
          if (s.trimEnd().endsWith('}')) resolve(JSON.parse(s) as Record<string, unknown>);
        });
        void p.exit.then((code) => reject(new Error(`exited ${code}: ${p.err()}`)));
      });
      expect(printed).toMatchObject({
        emulator: 'graph',
        clientId: '6f1d7e2a-3b4c-4d5e-8f60-718293a4b5c6',
        caCertFile: join(dir, 'ca.pem'),
      });
      trustCa(await readFile(printed.caCertFile as string, 'utf8'));
      const d = await fetch(`${printed.url}/${printed.tenantId}/v2.0/.well-known/openid-configuration`);
      expect(d.status).toBe(200);
    } finally {
      p.child.kill('SIGTERM');
    }
    expect(await p.exit).toBe(0);
  });
});
