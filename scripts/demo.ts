import { existsSync, rmSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { startApp } from '../api/src/app.ts';
import { ConfigError, loadConfig } from '../api/src/config.ts';
import { createLogger } from '../api/src/logging.ts';
import { startCxoneEmulator } from '../emulators/cxone/index.ts';
import { DEFAULT_APP, startGraphEmulator } from '../emulators/graph/index.ts';
import { buildSeed, SEED_DOMAIN } from '../emulators/shared/seed.ts';
import { ensureTabBuilt } from '../tests/browser/support/build-tab.ts';
import { seedDemo } from './demo/seed-demo.ts';

const HELP = `Presence Sync — local demo (npm start)

Starts the API server (admin tab, bot, webhooks, sync engine) on embedded storage, with local
Microsoft Graph and NICE CXone emulators and demo data, and prints what to open.

Usage: npm start -- [options]

Options:
  --port N          API server port (default 3978)
  --graph-port N    Graph emulator port (default 3979)
  --cxone-port N    CXone emulator port (default 3980)
  --agents N        agents in the demo cast (default 48, at most 20000)
  --data-dir DIR    embedded database folder (default .data)
  --fresh           delete the data folder first
  -h, --help        show this help`;

function fail(message: string): never {
  console.error(message);
  process.exit(1);
}

function intFlag(name: string, value: string | undefined, def: number, min: number, max: number): number {
  if (value === undefined) return def;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max)
    fail(`--${name}: must be a whole number from ${min} to ${max} (got "${value}")`);
  return n;
}

async function main() {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      options: {
        port: { type: 'string' },
        'graph-port': { type: 'string' },
        'cxone-port': { type: 'string' },
        agents: { type: 'string' },
        'data-dir': { type: 'string' },
        fresh: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }));
  } catch (err) {
    fail(`${(err as Error).message}\nRun with --help for usage.`);
  }
  if (values.help) {
    console.log(HELP);
    return;
  }
  const port = intFlag('port', values.port as string | undefined, 3978, 1, 65535);
  const graphPort = intFlag('graph-port', values['graph-port'] as string | undefined, 3979, 1, 65535);
  const cxonePort = intFlag('cxone-port', values['cxone-port'] as string | undefined, 3980, 1, 65535);
  const agents = intFlag('agents', values.agents as string | undefined, 48, 12, 20_000);
  const dataDir = path.resolve((values['data-dir'] as string | undefined) ?? '.data');
  if (values.fresh && existsSync(dataDir)) rmSync(dataDir, { recursive: true, force: true });

  const log = (s: string) => console.log(`[demo] ${s}`);
  log('building the admin tab (first run only)…');
  await ensureTabBuilt();

  const quiet = createLogger({ level: 'warn', name: 'emulator' });
  const seed = buildSeed({ agents });
  const graph = await startGraphEmulator({
    port: graphPort,
    seed,
    tlsDir: path.join(dataDir, 'tls'),
    logger: quiet,
    // Agents have Teams open: their own client shows Available until something happens.
    initialClientPresence: { availability: 'Available', activity: 'Available' },
  });
  // A fixed key, so the connection stored on the first run still works on the next.
  const cxone = await startCxoneEmulator({
    port: cxonePort,
    seed,
    accessKey: { id: 'demo-access-key', secret: 'demo-access-key-secret' },
  });
  log(`Graph emulator on ${graph.url}, CXone emulator on ${cxone.url}`);

  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig({
      NODE_ENV: 'development',
      PORT: String(port),
      HOST: '127.0.0.1',
      DATA_DIR: dataDir,
      PUBLIC_BASE_URL: `http://127.0.0.1:${port}`,
      GRAPH_BASE_URL: graph.graphBaseUrl,
      AUTHORITY_HOST: graph.authorityHost,
      EXTRA_CA_CERTS_FILE: graph.caCertFile,
      AAD_APP_CLIENT_ID: DEFAULT_APP.clientId,
      DEV_SIGN_IN: 'true',
      BOT_AUTH_DISABLED: 'true',
      LOG_LEVEL: 'warn',
    });
  } catch (err) {
    if (err instanceof ConfigError) fail(err.problems.join('\n'));
    throw err;
  }
  let app: Awaited<ReturnType<typeof startApp>>;
  try {
    app = await startApp({ config });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') fail(`--port: ${port} is already in use (try --port 4000)`);
    throw err;
  }
  log('Bot Framework authentication is DISABLED (local demo only; production refuses this)');
  const admin = seed.users.find((u) => u.userPrincipalName === `it.admin@${SEED_DOMAIN}`)!;
  const demo = await seedDemo({ app, graph, cxone, seed, admin });

  const shutdown = async () => {
    log('stopping…');
    await app.stop();
    await cxone.stop();
    await graph.stop();
    process.exit(0);
  };
  process.once('SIGINT', () => void shutdown());
  process.once('SIGTERM', () => void shutdown());

  const agent = demo.tourAgent;
  console.log(`
Presence Sync is running — local demo on embedded storage (${dataDir})

  Admin tab ........ ${app.url}/tab/   (sign in as ${admin.userPrincipalName}: local dev sign-in)
  API .............. ${app.url}/api/openapi.json   health: ${app.url}/healthz  ${app.url}/readyz
  Bot endpoint ..... ${app.url}/api/messages   (npx @microsoft/m365agentsplayground -e ${app.url}/api/messages -c msteams)
  Graph emulator ... ${graph.url}/_emulator/   (Teams side: meetings, calls, statuses set by hand)
  CXone emulator ... ${cxone.url}/_emulator/   (CXone side: agent states, contacts)

Connection "${demo.connectionName}": ${demo.mapped} agents mapped, ${demo.ambiguous} ambiguous for you to review in Users,
rule "${demo.ruleName}" applies to everyone.

A short tour (agent ${agent.name}, CXone agent ${agent.agentId}):
  1. In the CXone emulator, give ${agent.name} an inbound contact → in the Graph emulator they show Busy / InACall.
  2. In the Graph emulator, start a Teams meeting for ${agent.name} → in CXone they go Unavailable "Meeting".
  3. In the Graph emulator, set ${agent.name}'s status by hand (Do not disturb) → the tab's Activity page shows
     "manual_status_override", and the bot's "why" explains how to reset it.
Stop with Ctrl+C. Start over with: npm start -- --fresh
`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
