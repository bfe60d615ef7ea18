import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { buildServer, serveNodeFlags } from '../../scripts/build-server.ts';

/** The server as a child process (bench/server.ts) with an IPC channel: start, usage, kill. */
export interface ServerChild {
  url: string;
  pid: number;
  proc: ChildProcess;
  usage(): Promise<Usage>;
  stop(): Promise<void>;
  /** SIGKILL: no shutdown code runs. */
  kill9(): Promise<void>;
  /** Everything the child wrote to stderr (for failures). */
  stderr(): string;
}

export interface Usage {
  maxRssKb: number;
  rssBytes: number;
  userCpuUs: number;
  systemCpuUs: number;
  at: number;
  /** Event-loop delay since the previous report (ms). */
  loopDelayP99Ms: number;
  loopDelayMaxMs: number;
}

/**
 * bench/server.ts compiled the way `npm run serve` compiles the server (scripts/build-server.ts), once
 * per process: the child runs plain JavaScript, as production does.
 */
let built: Promise<string> | undefined;
const buildChild = () => {
  built ??= buildServer({ entry: 'bench/server.ts', outfile: 'dist/bench/server.js' });
  built.catch(() => (built = undefined));
  return built;
};

export async function startServerChild(env: Record<string, string>, o: { timeoutMs?: number } = {}): Promise<ServerChild> {
  let err = '';
  const script = await buildChild();
  const proc = fork(script, [], {
    execArgv: serveNodeFlags(),
    env: {
      PATH: process.env.PATH ?? '',
      // glibc: at most two malloc arenas instead of one per thread (V8 helpers, libuv pool, the decrypt
      // worker), as infra/azure.bicep sets it for production; idle arenas held ~25 MB of RSS at 10k agents.
      MALLOC_ARENA_MAX: '2',
      NODE_ENV: 'development',
      PORT: '0',
      HOST: '127.0.0.1',
      ...env,
    },
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
  });
  proc.stderr?.on('data', (d: Buffer) => {
    err += d.toString();
    if (err.length > 200_000) err = err.slice(-100_000);
  });
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  const ready = await new Promise<{ url: string; pid: number }>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`server did not start in time\n${err}`)), o.timeoutMs ?? 60_000);
    proc.on('message', (m: { type: string; url: string; pid: number }) => {
      if (m.type === 'ready') {
        clearTimeout(t);
        resolve(m);
      }
    });
    void exited.then((code) => {
      clearTimeout(t);
      reject(new Error(`server exited with ${code} before it was ready\n${err}`));
    });
  });
  const ask = <T>(msg: Record<string, unknown>, type: string, id?: number) =>
    new Promise<T>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`no ${type} answer from the server`)), 30_000);
      const on = (m: { type: string; id?: number; error?: string }) => {
        if (m.type !== type || (id !== undefined && m.id !== id)) return;
        clearTimeout(t);
        proc.off('message', on);
        if (m.error) reject(new Error(m.error));
        else resolve(m as T);
      };
      proc.on('message', on);
      proc.send(msg);
    });
  return {
    url: ready.url,
    pid: ready.pid,
    proc,
    usage: () => ask<Usage>({ type: 'usage' }, 'usage'),
    async stop() {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      proc.send({ type: 'stop' });
      const t = setTimeout(() => proc.kill('SIGKILL'), 20_000);
      await exited;
      clearTimeout(t);
    },
    async kill9() {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      proc.kill('SIGKILL');
      await exited;
    },
    stderr: () => err,
  };
}

/** The acknowledgement-measuring webhook proxy (bench/proxy-child.ts) in its own process. */
export interface ProxyChild {
  url: string;
  setTarget(url: string): Promise<void>;
  acks(since: number): Promise<{ path: string; at: number; ackMs: number | null; status: number; bytes: number }[]>;
  stop(): Promise<void>;
}

const PROXY_SCRIPT = fileURLToPath(new URL('../proxy-child.ts', import.meta.url));

export async function startProxyChild(): Promise<ProxyChild> {
  const proc = fork(PROXY_SCRIPT, [], {
    execArgv: ['--import', 'tsx'],
    env: { PATH: process.env.PATH ?? '' },
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  const once = <T>(type: string, msg?: Record<string, unknown>) =>
    new Promise<T>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`proxy: no ${type} answer`)), 30_000);
      const on = (m: { type: string }) => {
        if (m.type !== type) return;
        clearTimeout(t);
        proc.off('message', on);
        resolve(m as T);
      };
      proc.on('message', on);
      if (msg) proc.send(msg);
    });
  const ready = await once<{ url: string }>('ready');
  return {
    url: ready.url,
    async setTarget(url) {
      await once('target', { type: 'target', url });
    },
    async acks(since) {
      return (await once<{ acks: Awaited<ReturnType<ProxyChild['acks']>> }>('acks', { type: 'acks', since })).acks;
    },
    async stop() {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      proc.disconnect();
      const t = setTimeout(() => proc.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(t);
    },
  };
}
