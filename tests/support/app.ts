import { type App, type AppOptions, startApp } from '../../api/src/app.ts';
import { loadConfig } from '../../api/src/config.ts';
import { createLogger } from '../../api/src/logging.ts';
import { defaultBackend, freshDatabaseUrl } from './db.ts';
import { captureLogs } from './logs.ts';

export interface TestApp extends App {
  /** Every log line the app wrote, parsed. */
  logs: Record<string, unknown>[];
  rawLogs(): string;
}

/**
 * Starts the real server on a free port with a fresh database (PostgreSQL when TEST_DATABASE_URL is
 * set, else in-memory PGlite) and captured logs. `env` overrides configuration variables.
 */
export async function startTestApp(env: Record<string, string> = {}, extra: Partial<AppOptions> = {}): Promise<TestApp> {
  const db = defaultBackend() === 'postgres' ? await freshDatabaseUrl() : undefined;
  const config = loadConfig({
    NODE_ENV: 'test',
    PORT: '0',
    HOST: '127.0.0.1',
    DATA_DIR: 'memory://',
    ENCRYPTION_KEY: 'MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=',
    LOG_LEVEL: 'debug',
    SHUTDOWN_GRACE_MS: '2000',
    ...(db ? { DATABASE_URL: db.url } : {}),
    ...env,
  });
  const capture = captureLogs();
  const logger = createLogger({ level: config.LOG_LEVEL, destination: capture.stream });
  const app = await startApp({ config, logger, ...extra });
  return {
    ...app,
    logs: capture.lines,
    rawLogs: capture.raw,
    async stop() {
      await app.stop();
      await db?.drop();
    },
  };
}
