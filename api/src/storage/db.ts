import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import { sql } from 'drizzle-orm';
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres';
import { migrate as migratePg } from 'drizzle-orm/node-postgres/migrator';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzleLite } from 'drizzle-orm/pglite';
import { migrate as migrateLite } from 'drizzle-orm/pglite/migrator';
import pg from 'pg';
import { embeddedLiveness, type Liveness, postgresLiveness } from './liveness.ts';
import { PGLITE_CONF, prepareEmbeddedCluster } from './pglite-init.ts';
import * as schema from './schema.ts';

/** One database type for both back ends: every query is written once, against this. */
export type Db = PgDatabase<PgQueryResultHKT, typeof schema>;

export interface Storage {
  db: Db;
  kind: 'pglite' | 'postgres';
  /** Which server processes still run (lease takeover after a crash). */
  liveness: Liveness;
  /** Cheap round-trip used by /readyz. */
  ping(): Promise<void>;
  migrationsApplied(): Promise<boolean>;
  close(): Promise<void>;
}

export const migrationsFolder = path.join(path.dirname(fileURLToPath(import.meta.url)), 'migrations');

export interface StorageOptions {
  /** postgres://… — a real PostgreSQL. Without it, PGlite under dataDir (or in memory). */
  databaseUrl?: string | undefined;
  /** Folder for the embedded database; `memory://` keeps it in memory (tests). */
  dataDir?: string | undefined;
  /** Run pending migrations (default true). */
  migrate?: boolean;
  poolSize?: number;
}

export class StorageError extends Error {
  override name = 'StorageError';
}

export async function openStorage(opts: StorageOptions): Promise<Storage> {
  const storage = opts.databaseUrl
    ? await openPostgres(opts.databaseUrl, opts.poolSize)
    : await openPglite(opts.dataDir, opts.migrate !== false);
  if (opts.migrate !== false) {
    try {
      if (storage.kind === 'postgres') await migratePg(storage.db as never, { migrationsFolder });
      else await migrateLite(storage.db as never, { migrationsFolder });
    } catch (err) {
      await storage.close().catch(() => {});
      throw new StorageError(`database migration failed: ${(err as Error).message}`);
    }
  }
  return storage;
}

async function openPostgres(url: string, poolSize = 10): Promise<Storage> {
  const pool = new pg.Pool({ connectionString: url, max: poolSize, connectionTimeoutMillis: 5_000 });
  // An idle client that loses its server (database restart) must not crash the process.
  pool.on('error', () => {});
  try {
    const client = await pool.connect();
    client.release();
  } catch (err) {
    await pool.end().catch(() => {});
    const where = safeUrl(url);
    throw new StorageError(`DATABASE_URL: cannot connect to ${where}: ${(err as Error).message}`);
  }
  const db = drizzlePg(pool, { schema }) as unknown as Db;
  const liveness = await postgresLiveness(url, pool).catch(async (err: Error) => {
    await pool.end().catch(() => {});
    throw new StorageError(`DATABASE_URL: cannot connect to ${safeUrl(url)}: ${err.message}`);
  });
  return {
    db,
    kind: 'postgres',
    liveness,
    ping: async () => void (await pool.query('select 1')),
    migrationsApplied: () => migrationsApplied(db),
    close: async () => {
      await liveness.close();
      await pool.end();
    },
  };
}

async function openPglite(dataDir = '.data', migrate = true): Promise<Storage> {
  const dir = dataDir === 'memory://' ? undefined : path.resolve(dataDir, 'pglite');
  if (dir) {
    try {
      mkdirSync(dir, { recursive: true });
      // Migrating here too leaves openStorage's own migrate() nothing to do (a check of the journal).
      if (migrate || !existsSync(path.join(dir, 'PG_VERSION')))
        await prepareEmbeddedCluster(dir, migrate ? migrationsFolder : null);
    } catch (err) {
      const why = (err as Error).message;
      throw new StorageError(
        why.startsWith('database migration failed') ? why : `DATA_DIR: cannot prepare the embedded database in ${dir}: ${why}`,
      );
    }
  }
  const client = await PGlite.create({ ...(dir ? { dataDir: dir } : {}), postgresqlconf: PGLITE_CONF });
  const db = drizzleLite(client, { schema }) as unknown as Db;
  return {
    db,
    kind: 'pglite',
    liveness: embeddedLiveness(),
    ping: async () => void (await client.query('select 1')),
    migrationsApplied: () => migrationsApplied(db),
    close: () => client.close(),
  };
}

async function migrationsApplied(db: Db): Promise<boolean> {
  const { readFileSync } = await import('node:fs');
  const journal = JSON.parse(readFileSync(path.join(migrationsFolder, 'meta', '_journal.json'), 'utf8')) as {
    entries: unknown[];
  };
  const rows = await db.execute<{ n: number }>(sql`select count(*)::int as n from drizzle.__drizzle_migrations`);
  const n = Number((rows as unknown as { rows: { n: number }[] }).rows?.[0]?.n ?? 0);
  return n >= journal.entries.length;
}

/** The URL without its password, for error messages. */
function safeUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(unparseable URL)';
  }
}
