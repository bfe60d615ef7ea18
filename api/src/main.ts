import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { startApp } from './app.ts';
import { ConfigError, loadConfig } from './config.ts';
import { StorageError } from './storage/db.ts';

const HELP = `Presence Sync for Microsoft Teams — API server

Usage: npm run serve -- [--port N] [--env-file FILE]

Options:
  --port N         Port to listen on (overrides PORT)
  --env-file FILE  Read environment variables from FILE (default: .env if present)
  -h, --help       Show this help

All configuration is by environment variable; see the README's configuration table.`;

export async function main(argv: string[], env: NodeJS.ProcessEnv): Promise<void> {
  let args: ReturnType<typeof parse>;
  try {
    args = parse(argv);
  } catch (err) {
    fail(`${(err as Error).message}\nRun with --help for usage.`);
  }
  if (args.values.help) {
    console.log(HELP);
    return;
  }
  const envFile = args.values['env-file'] ?? (existsSync('.env') ? '.env' : undefined);
  if (envFile) {
    if (!existsSync(envFile)) fail(`--env-file: ${envFile} does not exist`);
    process.loadEnvFile(envFile);
  }
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig({ ...env, ...(args.values.port !== undefined ? { PORT: args.values.port } : {}) });
  } catch (err) {
    if (err instanceof ConfigError) fail(err.problems.join('\n'));
    throw err;
  }
  try {
    const app = await startApp({ config });
    const shutdown = (signal: string) => {
      app.logger.info({ signal }, 'shutting down');
      app.stop().then(
        () => process.exit(0),
        () => process.exit(1),
      );
    };
    process.once('SIGTERM', () => shutdown('SIGTERM'));
    process.once('SIGINT', () => shutdown('SIGINT'));
    console.log(`Presence Sync API listening on ${app.url} (health: ${app.url}/healthz, readiness: ${app.url}/readyz)`);
  } catch (err) {
    if (err instanceof StorageError || err instanceof ConfigError) fail(err.message);
    if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') fail(`PORT: ${config.PORT} is already in use`);
    throw err;
  }
}

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    options: { port: { type: 'string' }, 'env-file': { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    strict: true,
  });
}

function fail(message: string): never {
  console.error(message);
  process.exit(1);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main(process.argv.slice(2), process.env).catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
