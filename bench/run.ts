import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { adminCall, STANDARD_ROWS, signInOwnerByDeviceCode } from './lib/admin.ts';
import type { Usage } from './lib/child.ts';
import { waitConverged } from './lib/expect.ts';
import { prng, type Summary, shuffle, summarize } from './lib/stats.ts';
import { type Backend, type BenchWorld, postgresReachable, startBenchWorld } from './lib/world.ts';

/**
 * `npm run bench [-- --quick] [-- --sizes 1000,10000] [-- --backends pglite,postgres]`
 * Emulators run in this process, the server in a child process (its RSS/CPU are measured alone).
 * Every latency is emulator-to-emulator: from the moment a change is made on one emulator to the
 * moment the other receives the matching write. Fixed seeds; bounded loops; loopback only.
 */
const args = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    sizes: { type: 'string' },
    backends: { type: 'string' },
    quota: { type: 'string', default: '10000' },
    out: { type: 'string', default: 'bench/results' },
  },
  strict: true,
});
const QUICK = args.values.quick;
const SIZES = (args.values.sizes ?? (QUICK ? '1000' : '1000,10000')).split(',').map(Number);
const POSTGRES_URL = process.env.BENCH_DATABASE_URL || process.env.TEST_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';
const QUOTA = { requests: Number(args.values.quota), windowMs: 30_000 };
const D = QUICK ? 4_000 : 20_000; // measured window per scenario (ms)
const SETTLE = 10_000; // how long after the last change a write may still arrive before it counts as missing

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const log = (...a: unknown[]) => console.error(`[bench ${new Date().toISOString().slice(11, 19)}]`, ...a);

interface Row {
  backend: Backend;
  agents: number;
  scenario: string;
  goal: string;
  latency?: Summary;
  value?: number;
  unit?: string;
  extra?: Record<string, number | string>;
}

interface Change {
  agentId: string;
  userId: string;
  at: number;
  expect: { availability: string; activity: string } | { state: string; outStateId?: number };
}

/** Paces `count` actions at `perSecond`, against the clock (not cumulative sleeps). */
async function paced(count: number, perSecond: number, fn: (i: number) => void): Promise<void> {
  const start = Date.now();
  for (let i = 0; i < count; i++) {
    const due = start + (i * 1000) / perSecond;
    const wait = due - Date.now();
    if (wait > 0) await sleep(wait);
    fn(i);
  }
}

/** First matching Graph setPresence per change (by user, after the change, with the wanted pair). */
async function graphLatencies(
  w: BenchWorld,
  changes: Change[],
  since: number,
): Promise<{ lat: number[]; missing: number; writes: number }> {
  const found = new Map<number, number>();
  const deadline = (changes.at(-1)?.at ?? Date.now()) + SETTLE;
  const byUser = new Map<string, number[]>();
  for (const [i, c] of changes.entries()) byUser.set(c.userId, [...(byUser.get(c.userId) ?? []), i]);
  let writes = 0;
  for (;;) {
    const calls = w.graph.control.calls({ since, pathPrefix: '/users/' });
    writes = 0;
    for (const c of calls) {
      const m = /^\/v1\.0\/users\/([^/]+)\/presence\/(setPresence|clearPresence)$/i.exec(c.path);
      if (!m || c.status >= 300) continue;
      const idxs = byUser.get(m[1]!);
      if (!idxs) continue;
      const b = c.body as { availability?: string; activity?: string };
      // The call belongs to the latest change of that user made before it.
      for (const i of [...idxs].reverse()) {
        const ch = changes[i]!;
        if (c.at < ch.at) continue;
        writes++;
        const e = ch.expect as { availability: string; activity: string };
        if (!found.has(i) && b.availability === e.availability && b.activity === e.activity) found.set(i, c.at - ch.at);
        break;
      }
    }
    if (found.size === changes.length || Date.now() > deadline) break;
    await sleep(200);
  }
  return { lat: [...found.values()], missing: changes.length - found.size, writes };
}

/** First CXone set-state per change (by agent, after the change). */
async function cxoneLatencies(
  w: BenchWorld,
  changes: Change[],
  since: number,
): Promise<{ lat: number[]; missing: number; writes: number }> {
  const found = new Map<number, number>();
  const deadline = (changes.at(-1)?.at ?? Date.now()) + SETTLE;
  const byAgent = new Map(changes.map((c, i) => [c.agentId, i]));
  let writes = 0;
  for (;;) {
    writes = 0;
    for (const c of w.cxone.control.calls({ since })) {
      const m = /\/agents\/([^/]+)\/state$/i.exec(c.path);
      if (c.method !== 'POST' || !m || c.status >= 300) continue;
      const i = byAgent.get(m[1]!);
      if (i === undefined || c.at < changes[i]!.at) continue;
      writes++;
      if (!found.has(i)) found.set(i, c.at - changes[i]!.at);
    }
    if (found.size === changes.length || Date.now() > deadline) break;
    await sleep(200);
  }
  return { lat: [...found.values()], missing: changes.length - found.size, writes };
}

/** Mapped agents whose CXone state is Available or Unavailable (not logged out, not in a contact). */
function idleAgents(w: BenchWorld, exclude: Set<string>): string[] {
  return [...w.cfg.mapped.keys()].filter((a) => {
    if (exclude.has(a)) return false;
    const s = w.cxone.control.agentState(a).state;
    return s === 'Available' || s === 'Unavailable';
  });
}

async function cpuWindow<T>(
  w: BenchWorld,
  fn: () => Promise<T>,
): Promise<{ result: T; cpuPct: number; loop: string; before: Usage; after: Usage }> {
  const before = await w.server.usage();
  const result = await fn();
  const after = await w.server.usage();
  const cpu = after.userCpuUs + after.systemCpuUs - before.userCpuUs - before.systemCpuUs;
  return {
    result,
    cpuPct: Math.round((cpu / 1000 / Math.max(1, after.at - before.at)) * 1000) / 10,
    loop: `${after.loopDelayP99Ms}/${after.loopDelayMaxMs}`,
    before,
    after,
  };
}

async function runSize(backend: Backend, n: number, rows: Row[]): Promise<void> {
  log(`${backend} ${n} agents: starting emulators and server`);
  const w = await startBenchWorld({ backend, agents: n, postgresUrl: POSTGRES_URL, quota: QUOTA });
  const row = (r: Omit<Row, 'backend' | 'agents'>) => {
    const full = { backend, agents: n, ...r };
    rows.push(full);
    log(
      full.scenario,
      JSON.stringify(full.latency ?? { value: full.value, unit: full.unit }),
      full.extra ? JSON.stringify(full.extra) : '',
    );
  };
  const rnd = prng(20261126 + n);
  const clientId = w.graph.defaultApp.clientId;
  const api = <T = Record<string, unknown>>(method: string, path: string, body?: unknown) =>
    adminCall<T>(w.server.url, w.cfg.token, method, `/api/connections/${w.cfg.connectionId}${path}`, body);
  const throttledAt = () => w.graph.control.stats().throttled;
  try {
    // ---- start-up full sync ---------------------------------------------------------------
    const left = await waitConverged(w.graph, w.cxone, w.cfg.mapped, clientId, 300_000);
    const syncMs = Date.now() - w.cfg.ruleSavedAt;
    row({
      scenario: 'start-up full sync (rule saved → every mapped user set)',
      goal: '-',
      value: Math.round(syncMs),
      unit: 'ms',
      extra: { mapped: w.cfg.mapped.size, notConverged: left.length, setupMs: w.cfg.ruleSavedAt - w.spawnedAt },
    });
    await sleep(QUICK ? 500 : 2_000);
    const used = new Set<string>();
    const throttledStart = throttledAt();

    // ---- settings → effect: a rule change affecting 500 users ------------------------------
    // 500 agents go to Unavailable/Training (shown Away like every unavailable code); then one PUT of
    // the default rule adds "Training → DoNotDisturb/Presenting": exactly those 500 must change.
    {
      const targets = shuffle(idleAgents(w, used), rnd).slice(0, Math.min(500, Math.floor(n / 2)));
      for (const a of targets) w.cxone.control.setAgentState(a, { state: 'Unavailable', outStateId: 4 });
      await waitConverged(w.graph, w.cxone, w.cfg.mapped, clientId, 60_000);
      const rows2 = [
        {
          direction: 'to_teams',
          cxone: { condition: 'unavailable', outStateId: 4 },
          teams: { availability: 'DoNotDisturb', activity: 'Presenting' },
        },
        ...STANDARD_ROWS,
      ];
      const since = w.graph.control.now();
      await api('PUT', `/rules/${w.cfg.defaultRuleId}`, { name: 'Standard', isDefault: true, rows: rows2 });
      const at = Date.now();
      const changes: Change[] = targets.map((a) => ({
        agentId: a,
        userId: w.cfg.mapped.get(a)!,
        at,
        expect: { availability: 'DoNotDisturb', activity: 'Presenting' },
      }));
      const g = await graphLatencies(w, changes, since);
      row({
        scenario: `settings → effect (rule change affecting ${targets.length} users)`,
        goal: 'last ≤ 2000 ms',
        latency: summarize(g.lat, g.missing),
        extra: { lastMs: Math.max(...g.lat) },
      });
    }

    // ---- CXone → Teams, push and poll -----------------------------------------------------
    for (const mode of ['push', 'poll'] as const) {
      if (mode === 'poll') {
        w.cxone.control.configurePush(null);
        await api('PATCH', '', { options: { cxoneChangeMode: 'poll', cxonePollIntervalMs: 2_000 } });
        // The intake picks the mode change up on its next tick; wait for its first polls.
        const polledSince = w.cxone.control.now();
        for (let i = 0; i < 100 && w.cxone.control.calls({ since: polledSince, pathPrefix: '/agents/states' }).length < 2; i++)
          await sleep(200);
      }
      const rate = 50;
      const count = Math.floor((D / 1000) * rate);
      // Every idle agent in turn (an agent changes again only after all the others did).
      const pool = shuffle(idleAgents(w, used), rnd);
      const agents = Array.from({ length: count }, (_, i) => pool[i % pool.length]!);
      const since = w.graph.control.now();
      const changes: Change[] = [];
      const {
        result: g,
        cpuPct,
        loop,
      } = await cpuWindow(w, async () => {
        await paced(agents.length, rate, (i) => {
          const agentId = agents[i]!;
          const cur = w.cxone.control.agentState(agentId);
          const toAvail = cur.state !== 'Available';
          const at = Date.now();
          w.cxone.control.setAgentState(agentId, toAvail ? { state: 'Available' } : { state: 'Unavailable', outStateId: 2 });
          changes.push({
            agentId,
            userId: w.cfg.mapped.get(agentId)!,
            at,
            expect: toAvail ? { availability: 'Available', activity: 'Available' } : { availability: 'Away', activity: 'Away' },
          });
        });
        return graphLatencies(w, changes, since);
      });
      row({
        scenario: `CXone → Teams, ${mode} (${rate} changes/s)`,
        goal: mode === 'push' ? 'p99 ≤ 500 ms' : 'p99 ≤ 2000 + 500 ms',
        latency: summarize(g.lat, g.missing),
        extra: {
          graphWritesPerChange: Math.round((g.writes / Math.max(1, changes.length)) * 1000) / 1000,
          serverCpuPct: cpuPct,
          serverLoopDelayP99Max: loop,
        },
      });
    }
    w.cxone.control.configurePush({
      url: `${w.server.url}/api/cxone/events`,
      secret: w.pushSecret,
      connectionId: w.cfg.connectionId,
    });
    await api('PATCH', '', { options: { cxoneChangeMode: 'push' } });

    // ---- Teams → CXone, presence reader, then subscriptions ----------------------------------
    const teamsToCxone = async (label: string, goal: string, rate: number) => {
      const count = Math.floor((D / 1000) * rate);
      const agents = shuffle(idleAgents(w, used), rnd)
        .filter((a) => w.cxone.control.agentState(a).state === 'Available')
        .slice(0, count);
      for (const a of agents) used.add(a);
      const since = w.cxone.control.now();
      const changes: Change[] = [];
      const {
        result: c,
        cpuPct,
        loop,
      } = await cpuWindow(w, async () => {
        await paced(agents.length, rate, (i) => {
          const agentId = agents[i]!;
          const userId = w.cfg.mapped.get(agentId)!;
          const at = Date.now();
          w.graph.control.startMeeting(userId);
          changes.push({ agentId, userId, at, expect: { state: 'Unavailable', outStateId: 3 } });
        });
        return cxoneLatencies(w, changes, since);
      });
      row({
        scenario: label,
        goal,
        latency: summarize(c.lat, c.missing),
        extra: {
          cxoneWritesPerChange: Math.round((c.writes / Math.max(1, changes.length)) * 1000) / 1000,
          serverCpuPct: cpuPct,
          serverLoopDelayP99Max: loop,
        },
      });
    };
    await teamsToCxone(
      'Teams → CXone, presence reader (meeting starts)',
      n <= 1000 ? 'p50 ≤ 1500, p99 ≤ 3000 ms' : 'p99 ≤ 5000 ms',
      10,
    );

    const groups = Math.ceil(w.cfg.mapped.size / 650);
    await api('PATCH', '', { options: { presenceWatch: 'subscriptions' } });
    for (let k = 1; k <= groups; k++)
      await signInOwnerByDeviceCode(w.server.url, w.cfg.token, w.cfg.connectionId, {
        upn: `presence-owner${k}@contoso.com`,
        password: `Owner${k}-Passw0rd!`,
      });
    await api('POST', '/watch/replan');
    const subDeadline = Date.now() + 60_000;
    while (w.graph.control.subscriptions().length < groups && Date.now() < subDeadline) await sleep(250);
    const subs = w.graph.control.subscriptions().length;
    await sleep(QUICK ? 300 : 1_000);
    if (subs < groups) log(`only ${subs}/${groups} subscriptions were created`);
    await teamsToCxone(`Teams → CXone, subscriptions (${subs} subscriptions; from the presence change)`, 'p99 ≤ 500 ms', 10);

    // ---- webhook acknowledgement under 500 notifications/s ---------------------------------
    {
      const rate = 500;
      const count = Math.floor((Math.min(D, 10_000) / 1000) * rate);
      const users = shuffle([...w.cfg.mapped.values()], rnd);
      const before = w.graph.control.stats();
      const firstAt = Date.now();
      const { cpuPct, loop } = await cpuWindow(w, async () => {
        await paced(count, rate, (i) => {
          const u = users[i % users.length]!;
          const dnd = Math.floor(i / users.length) % 2 === 0;
          w.graph.control.setClientPresence(u, dnd ? { availability: 'DoNotDisturb', activity: 'DoNotDisturb' } : null);
        });
        await w.graph.control.idle();
      });
      const after = w.graph.control.stats();
      const calls = (await w.proxy.acks(firstAt)).filter((c) => c.path.endsWith('/api/graph/notifications'));
      const acks = calls.map((c) => c.ackMs ?? Number.POSITIVE_INFINITY);
      const bad = calls.filter((c) => c.status >= 300);
      const notOk = bad.length;
      const badStatuses = [...new Set(bad.map((c) => c.status))].join('/') || 'none';
      const badMaxBytes = Math.max(0, ...bad.map((c) => c.bytes));
      row({
        scenario: `webhook acknowledgement (${rate} presence changes/s → notifications)`,
        goal: 'p99 ≤ 50 ms, none lost',
        latency: summarize(acks),
        extra: {
          changes: count,
          posts: acks.length,
          delivered: after.notificationsDelivered - before.notificationsDelivered,
          failed: after.notificationsFailed - before.notificationsFailed,
          dropped: after.notificationsDropped - before.notificationsDropped,
          retries: after.deliveryRetries - before.deliveryRetries,
          non2xx: notOk,
          non2xxStatuses: badStatuses,
          non2xxMaxBytes: badMaxBytes,
          serverCpuPct: cpuPct,
          serverLoopDelayP99Max: loop,
        },
      });
    }

    // ---- cost ---------------------------------------------------------------------------------
    const u = await w.server.usage();
    row({
      scenario: 'server RSS after start-up (before any connection)',
      goal: '-',
      value: Math.round(w.startRssKb / 1024),
      unit: 'MB',
    });
    row({
      scenario: 'Graph 429s during the measured scenarios',
      goal: '0',
      value: throttledAt() - throttledStart,
      unit: 'responses',
      extra: { graphRequestsTotal: w.graph.control.stats().requests, quota: `${QUOTA.requests}/${QUOTA.windowMs / 1000}s` },
    });
    row({ scenario: 'server peak RSS', goal: n >= 10_000 ? '≤ 300 MB' : '-', value: Math.round(u.maxRssKb / 1024), unit: 'MB' });
    row({
      scenario: 'server CPU time, whole run',
      goal: '-',
      value: Math.round((u.userCpuUs + u.systemCpuUs) / 1000),
      unit: 'ms',
      extra: { wallMs: u.at - w.spawnedAt },
    });
  } finally {
    await w.stop();
  }
}

function table(rows: Row[]): string {
  const head = '| backend | agents | scenario | goal | n | p50 | p95 | p99 | max | missing | value | notes |';
  const sep = '|---|---|---|---|---|---|---|---|---|---|---|---|';
  const f = (x: number | undefined) => (x === undefined || Number.isNaN(x) ? '' : String(x));
  const lines = rows.map((r) => {
    const l = r.latency;
    const notes = r.extra
      ? Object.entries(r.extra)
          .map(([k, v]) => `${k}=${v}`)
          .join(', ')
      : '';
    return `| ${r.backend} | ${r.agents} | ${r.scenario} | ${r.goal} | ${f(l?.n)} | ${f(l?.p50)} | ${f(l?.p95)} | ${f(l?.p99)} | ${f(l?.max)} | ${f(l?.missing)} | ${r.value !== undefined ? `${r.value} ${r.unit ?? ''}` : ''} | ${notes} |`;
  });
  return [head, sep, ...lines].join('\n');
}

async function main(): Promise<void> {
  const started = Date.now();
  const loadBefore = os.loadavg()[0]!.toFixed(1);
  const wanted = (args.values.backends ?? 'pglite,postgres').split(',') as Backend[];
  const backends: Backend[] = [];
  for (const b of wanted) {
    if (b === 'postgres' && !(await postgresReachable(POSTGRES_URL))) {
      log(`PostgreSQL at ${POSTGRES_URL} is not reachable: skipping the postgres back end`);
      continue;
    }
    backends.push(b);
  }
  const rows: Row[] = [];
  const failures: string[] = [];
  for (const n of SIZES)
    for (const b of backends) {
      try {
        await runSize(b, n, rows);
      } catch (err) {
        failures.push(`${b} ${n}: ${(err as Error).stack ?? err}`);
        log(`${b} ${n} failed:`, err);
      }
    }
  const machine = `${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB RAM, ${os.type()} ${os.release()}, Node ${process.version}`;
  const md = [
    `# Benchmark results (${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC${QUICK ? ', --quick' : ''})`,
    '',
    `Machine: ${machine}. Emulators in the benchmark process, server in a child process; loopback only.`,
    `Load average (1 min) at start ${loadBefore}, at end ${os.loadavg()[0]!.toFixed(1)} — other work on the machine skews every figure.`,
    `Graph quota enforced by the emulator and configured on the connection: ${QUOTA.requests} requests / ${QUOTA.windowMs / 1000} s.`,
    `Latencies in ms, from the change on one emulator to the matching write arriving at the other. Window ${D / 1000} s per scenario.`,
    '',
    table(rows),
    '',
    ...(failures.length ? ['Failures:', '', ...failures.map((f) => `    ${f.split('\n').slice(0, 3).join('\n    ')}`), ''] : []),
    `Total run time: ${Math.round((Date.now() - started) / 1000)} s.`,
  ].join('\n');
  await mkdir(args.values.out, { recursive: true });
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  await writeFile(
    `${args.values.out}/${QUICK ? 'quick' : 'full'}-${stamp}.json`,
    JSON.stringify({ machine, quick: QUICK, quota: QUOTA, rows, failures }, null, 2),
  );
  await writeFile(`${args.values.out}/latest.md`, `${md}\n`);
  console.log(md);
  if (failures.length) process.exitCode = 1;
}

await main();
