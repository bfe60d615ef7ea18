import { readFileSync } from 'node:fs';
import tls from 'node:tls';
import type { Server } from 'restify';
import type { Config } from './config.ts';
import { createSecretBox, resolveEncryptionKey, type SecretBox } from './crypto/secrets.ts';
import { registerHealthRoutes } from './http/health.ts';
import { createHttpServer, listen } from './http/server.ts';
import { registerStaticTab } from './http/static-tab.ts';
import { createLogger, type Logger } from './logging.ts';
import { openStorage, type Storage } from './storage/db.ts';

export const VERSION = '0.1.0';

export interface App {
  /** Base URL the server listens on, e.g. http://127.0.0.1:3978 */
  url: string;
  port: number;
  config: Config;
  logger: Logger;
  storage: Storage;
  secrets: SecretBox;
  server: Server;
  stop(): Promise<void>;
}

export interface AppOptions {
  config: Config;
  logger?: Logger;
}

/**
 * The composition root: config → storage → clients → engine → routes, then listen.
 * Everything the process runs is created here and stopped by `stop()` in reverse order.
 */
export async function startApp(opts: AppOptions): Promise<App> {
  const { config } = opts;
  const logger = opts.logger ?? createLogger({ level: config.LOG_LEVEL });
  if (config.EXTRA_CA_CERTS_FILE) trustExtraCa(config.EXTRA_CA_CERTS_FILE);

  const key = resolveEncryptionKey({
    encryptionKey: config.ENCRYPTION_KEY,
    dataDir: config.DATA_DIR === 'memory://' ? '.data' : config.DATA_DIR,
    allowGenerate: config.NODE_ENV !== 'production',
  });
  if (key.generated) logger.warn({ file: key.file }, 'generated a local encryption key (set ENCRYPTION_KEY in production)');
  const secrets = createSecretBox(key.key);

  const storage = await openStorage({ databaseUrl: config.DATABASE_URL, dataDir: config.DATA_DIR });
  const server = createHttpServer({ logger });
  registerHealthRoutes(server, { storage, startedAt: Date.now(), version: VERSION });
  registerStaticTab(server, { logger });

  let port: number;
  try {
    port = await listen(server, config.PORT, config.HOST);
  } catch (err) {
    await storage.close();
    throw err;
  }
  const host = config.HOST === '0.0.0.0' || config.HOST === '::' ? '127.0.0.1' : config.HOST;
  const url = `http://${host}:${port}`;
  logger.info({ url, storage: storage.kind }, 'listening');

  let stopped: Promise<void> | undefined;
  const stop = () => {
    stopped ??= (async () => {
      // Stop accepting, let in-flight requests finish (bounded), then release the database.
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, config.SHUTDOWN_GRACE_MS);
        server.close(() => {
          clearTimeout(timer);
          resolve();
        });
        server.server.closeIdleConnections?.();
      });
      await storage.close();
      logger.info('stopped');
    })();
    return stopped;
  };
  return { url, port, config, logger, storage, secrets, server, stop };
}

/** Adds a CA (e.g. the local emulators') to the trusted set for every outgoing TLS connection. */
function trustExtraCa(file: string): void {
  const extra = readFileSync(file, 'utf8');
  tls.setDefaultCACertificates([...tls.getCACertificates('default'), extra]);
}
