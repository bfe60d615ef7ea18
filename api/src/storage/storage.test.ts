import { cpSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends, openTestStorage } from '../../../tests/support/db.ts';
import { migrationsFolder, openStorage, type Storage, StorageError } from './db.ts';
import { prepareEmbeddedCluster } from './pglite-init.ts';
import { connections, leases, mappings } from './schema.ts';

describe.each(backends())('storage on %s', (backend) => {
  let storage: Storage;
  beforeAll(async () => {
    storage = await openTestStorage(backend);
  });
  afterAll(async () => storage?.close());

  it('when opened then every migration is applied and the database answers', async () => {
    await storage.ping();
    expect(await storage.migrationsApplied()).toBe(true);
  });

  it('stores a connection and enforces one mapping per Teams user', async () => {
    const [c] = await storage.db
      .insert(connections)
      .values({ name: 'BU 1', tenantId: 't1', azureClientId: 'a', cxoneBaseUrl: 'https://x', cxoneAccessKeyId: 'k' })
      .returning();
    expect(c?.id).toMatch(/[0-9a-f-]{36}/);
    await storage.db.insert(mappings).values({ connectionId: c!.id, agentId: '1', userId: 'u1', source: 'manual' });
    await expect(
      storage.db.insert(mappings).values({ connectionId: c!.id, agentId: '2', userId: 'u1', source: 'manual' }),
    ).rejects.toThrow();
    const rows = await storage.db.select().from(mappings).where(eq(mappings.connectionId, c!.id));
    expect(rows).toHaveLength(1);
  });

  it('supports the row locking that work claiming relies on', async () => {
    await storage.db.insert(leases).values({ name: 'x', holder: 'a', expiresAt: new Date() });
    const claimed = await storage.db.transaction(async (tx) =>
      tx.select().from(leases).where(eq(leases.name, 'x')).for('update', { skipLocked: true }),
    );
    expect(claimed).toHaveLength(1);
  });
});

describe('embedded storage', () => {
  it('when written, closed and reopened then the data is still there', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'ps-pglite-'));
    const first = await openStorage({ dataDir: dir });
    await first.db
      .insert(connections)
      .values({ name: 'Persisted', tenantId: 't', azureClientId: 'a', cxoneBaseUrl: 'https://x', cxoneAccessKeyId: 'k' });
    await first.close();
    const second = await openStorage({ dataDir: dir });
    const rows = await second.db.select().from(connections);
    expect(rows.map((r) => r.name)).toEqual(['Persisted']);
    await second.close();
  });

  it('when the folder is new then a child process creates and migrates the cluster; later starts find it ready', async () => {
    const dir = path.join(mkdtempSync(path.join(tmpdir(), 'ps-pglite-')), 'pglite');
    expect(await prepareEmbeddedCluster(dir, migrationsFolder)).toBe('created');
    expect(existsSync(path.join(dir, 'PG_VERSION'))).toBe(true);
    expect(await prepareEmbeddedCluster(dir, migrationsFolder)).toBe('exists');
    // Opened without migrating: the child applied every migration already.
    const storage = await openStorage({ dataDir: path.dirname(dir), migrate: false });
    expect(await storage.migrationsApplied()).toBe(true);
    // The cluster the child made is the one opened, with our smaller buffer pool.
    const res = await storage.db.execute(sql`select setting from pg_settings where name = 'shared_buffers'`);
    expect((res as unknown as { rows: Array<{ setting: string }> }).rows[0]?.setting).toBe('2048'); // 8 kB pages: 16 MB
    await storage.close();
  });

  it('when a migration fails then the error says so, not that the folder is wrong', async () => {
    const folder = mkdtempSync(path.join(tmpdir(), 'ps-migrations-'));
    cpSync(migrationsFolder, folder, { recursive: true });
    const journalFile = path.join(folder, 'meta', '_journal.json');
    const journal = JSON.parse(readFileSync(journalFile, 'utf8')) as { entries: Array<Record<string, unknown>> };
    journal.entries.push({ idx: journal.entries.length, version: '7', when: Date.now(), tag: '9999_broken', breakpoints: true });
    writeFileSync(journalFile, JSON.stringify(journal));
    writeFileSync(path.join(folder, '9999_broken.sql'), 'alter table no_such_table add column x int;');
    const dir = path.join(mkdtempSync(path.join(tmpdir(), 'ps-pglite-')), 'pglite');
    const err = await prepareEmbeddedCluster(dir, folder).catch((e) => e);
    expect(err.message).toMatch(/^database migration failed: .*no_such_table/);
  });

  it('when the data folder cannot be created then the error names DATA_DIR and the cause', async () => {
    const parent = mkdtempSync(path.join(tmpdir(), 'ps-pglite-'));
    const file = path.join(parent, 'not-a-folder');
    writeFileSync(file, 'x');
    const err = await openStorage({ dataDir: file }).catch((e) => e);
    expect(err).toBeInstanceOf(StorageError);
    expect(err.message).toMatch(/^DATA_DIR: cannot prepare the embedded database in .*not-a-folder.*: ENOTDIR/);
  });

  it('when PostgreSQL is unreachable then the error names DATABASE_URL without the password', async () => {
    const err = await openStorage({ databaseUrl: 'postgres://u:hunter2@127.0.0.1:1/db' }).catch((e) => e);
    expect(err).toBeInstanceOf(StorageError);
    expect(err.message).toMatch(/^DATABASE_URL: cannot connect to postgres:\/\/u:\*\*\*@127\.0\.0\.1:1\/db/);
    expect(err.message).not.toContain('hunter2');
  });
});
