import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { type Db, openStorage, type Storage } from '../../api/src/storage/db.ts';
import { connections } from '../../api/src/storage/schema.ts';

export type Backend = 'pglite' | 'postgres';

/** The PostgreSQL the suites use besides PGlite: TEST_DATABASE_URL. In CI it must be set. */
export function testDatabaseUrl(): string | undefined {
  const url = process.env.TEST_DATABASE_URL;
  if (!url && process.env.CI === 'true')
    throw new Error('CI=true but TEST_DATABASE_URL is not set: the PostgreSQL suites must run in CI');
  return url || undefined;
}

/** Storage suites run on every back end there is: PGlite always, PostgreSQL when configured. */
export function backends(): Backend[] {
  return testDatabaseUrl() ? ['pglite', 'postgres'] : ['pglite'];
}

/** The back end for suites that need "a database" (not storage itself): PostgreSQL when configured (fast), else PGlite. */
export function defaultBackend(): Backend {
  return testDatabaseUrl() ? 'postgres' : 'pglite';
}

/** A fresh, empty database for one test file. PostgreSQL gets its own throwaway database. */
export async function freshDatabaseUrl(): Promise<{ url: string; drop(): Promise<void> }> {
  const base = testDatabaseUrl();
  if (!base) throw new Error('freshDatabaseUrl needs TEST_DATABASE_URL');
  return throwawayDatabase(base, 'ps_test');
}

/** Creates an empty database beside `base` (same server and user); `drop()` removes it. Tests and benchmarks. */
export async function throwawayDatabase(base: string, prefix: string): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `${prefix}_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const u = new URL(base);
  u.pathname = `/${name}`;
  return {
    url: u.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: base });
      await c.connect();
      await c.query(`drop database if exists ${name} with (force)`);
      await c.end();
    },
  };
}

export async function openTestStorage(backend: Backend): Promise<Storage> {
  if (backend === 'pglite') return openStorage({ dataDir: 'memory://' });
  const fresh = await freshDatabaseUrl();
  const storage = await openStorage({ databaseUrl: fresh.url, poolSize: 4 });
  return {
    ...storage,
    async close() {
      await storage.close();
      await fresh.drop();
    },
  };
}

/** A bare connection row (no secrets, nothing reachable), for suites that need only its id. */
export async function insertTestConnection(db: Db, azureClientId = 'a'): Promise<string> {
  const [c] = await db
    .insert(connections)
    .values({ name: 'c', tenantId: 't', azureClientId, cxoneBaseUrl: 'https://x', cxoneAccessKeyId: 'k' })
    .returning({ id: connections.id });
  return c!.id;
}
