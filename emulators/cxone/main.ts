import { parseArgs } from 'node:util';
import { startCxoneEmulator } from './server.ts';

const HELP = `CXone emulator: a local stand-in for NICE CXone's access-key auth and agent REST API.

Usage: npm run emulator:cxone -- [options]
  --port N          port to listen on (default 4020; 0 = any free port)
  --host H          address to bind (default 127.0.0.1)
  --agents N        agents in the seed (default 48; thousands are fine)
  --push-url URL    push agent-state changes to this URL (e.g. http://127.0.0.1:3978/api/cxone/events)
  --push-secret S   shared secret sent as "Authorization: Bearer S" (required with --push-url)
  --push-connection-id ID   value of the x-connection-id header
  --access-key-id ID / --access-key-secret S   the access key to accept (default: random, printed)
  --help            show this help

Prints the base URL, auth URL and access key to use (CXONE_BASE_URL etc.). Control page: /_emulator/`;

function fail(msg: string): never {
  console.error(`emulator:cxone: ${msg}\n\n${HELP}`);
  process.exit(2);
}

function int(name: string, v: string | undefined, def: number, min: number, max: number): number {
  if (v === undefined) return def;
  if (!/^\d+$/.test(v) || Number(v) < min || Number(v) > max)
    fail(`--${name}: must be an integer from ${min} to ${max} (got "${v}")`);
  return Number(v);
}

let args: ReturnType<typeof parseArgs>['values'];
try {
  args = parseArgs({
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      agents: { type: 'string' },
      'push-url': { type: 'string' },
      'push-secret': { type: 'string' },
      'push-connection-id': { type: 'string' },
      'access-key-id': { type: 'string' },
      'access-key-secret': { type: 'string' },
      help: { type: 'boolean' },
    },
    strict: true,
  }).values;
} catch (err) {
  fail((err as Error).message);
}
if (args.help) {
  console.log(HELP);
  process.exit(0);
}
const pushUrl = args['push-url'] as string | undefined;
if (pushUrl !== undefined && !/^https?:\/\/[^\s]+$/.test(pushUrl)) fail(`--push-url: must be an http(s) URL (got "${pushUrl}")`);
const pushSecret = args['push-secret'] as string | undefined;
if (pushUrl && !pushSecret) fail('--push-secret: required with --push-url');

const keyId = args['access-key-id'] as string | undefined;
const keySecret = args['access-key-secret'] as string | undefined;
if ((keyId === undefined) !== (keySecret === undefined)) fail('--access-key-id and --access-key-secret: give both or neither');
if (keyId !== undefined && (!keyId || !keySecret)) fail('--access-key-id/--access-key-secret: must not be empty');

const emu = await startCxoneEmulator({
  ...(keyId && keySecret ? { accessKey: { id: keyId, secret: keySecret } } : {}),
  port: int('port', args.port as string | undefined, 4020, 0, 65535),
  host: (args.host as string | undefined) ?? '127.0.0.1',
  agents: int('agents', args.agents as string | undefined, 48, 1, 100_000),
  ...(pushUrl ? { pushUrl, pushSecret: pushSecret as string } : {}),
  ...(args['push-connection-id'] ? { pushConnectionId: args['push-connection-id'] as string } : {}),
});
console.log(
  JSON.stringify(
    {
      emulator: 'cxone',
      baseUrl: emu.baseUrl,
      authUrl: emu.authUrl,
      accessKeyId: emu.accessKey.id,
      accessKeySecret: emu.accessKey.secret,
      businessUnitId: emu.businessUnitId,
      agents: emu.seed.agents.length,
      controlPage: `${emu.url}/_emulator/`,
    },
    null,
    2,
  ),
);
const shutdown = () => {
  emu.stop().then(() => process.exit(0));
};
process.on('SIGINT', shutdown);
process.on('SIGTERM', shutdown);
