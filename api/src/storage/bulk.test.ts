import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends, openTestStorage } from '../../../tests/support/db.ts';
import { bulkInsert } from './bulk.ts';
import type { Db, Storage } from './db.ts';
import { connections, decisions, syncState } from './schema.ts';

describe.each(backends())('bulkInsert on %s', (backend) => {
  let storage: Storage;
  let connectionId: string;
  beforeAll(async () => {
    storage = await openTestStorage(backend);
    const [c] = await storage.db
      .insert(connections)
      .values({ name: 'BU', tenantId: 't', azureClientId: 'a', cxoneBaseUrl: 'https://x', cxoneAccessKeyId: 'k' })
      .returning();
    connectionId = c!.id;
  });
  afterAll(async () => storage?.close());

  it('stores what drizzle would: JSON values, nulls, timestamps to the millisecond, awkward text', async () => {
    const at = new Date('2026-11-27T03:46:25.916Z');
    const written = [
      {
        connectionId,
        agentId: 'a"1\\,{x}',
        userId: null,
        at,
        direction: 'none',
        reason: 'it\'s "quoted"\nand multi-line → ✓ 🎉 \\u0041',
        ruleId: null,
        rowIndex: 3,
        inputs: { nested: { list: [1, 'two', null] }, quote: '"' },
        actions: 'a bare JSON string',
        delayMs: null,
      },
      {
        connectionId,
        agentId: '2',
        userId: 'u2',
        at,
        direction: 'teams_to_cxone',
        reason: 'rule',
        ruleId: null,
        rowIndex: null,
        inputs: {},
        actions: [{ kind: 'x' }],
        delayMs: 12,
      },
    ];
    await bulkInsert(
      storage.db,
      decisions,
      ['connectionId', 'agentId', 'userId', 'at', 'direction', 'reason', 'ruleId', 'rowIndex', 'inputs', 'actions', 'delayMs'],
      written,
    );
    const rows = await storage.db.select().from(decisions).where(eq(decisions.connectionId, connectionId)).orderBy(decisions.id);
    // Read back through drizzle: the same values, the timestamp to the millisecond.
    expect(rows.map(({ id: _id, ...r }) => ({ ...r, at: r.at.toISOString() }))).toEqual(
      written.map((w) => ({ ...w, at: at.toISOString() })),
    );
  });

  it('upserts: a conflicting row takes only the named columns', async () => {
    const keys = ['connectionId', 'agentId', 'lastReason', 'teamsPresence', 'updatedAt'] as const;
    const t0 = new Date('2026-01-01T00:00:00.000Z');
    const t1 = new Date('2026-01-01T00:00:01.500Z');
    const opts = { onConflict: { target: ['connectionId', 'agentId'] as const, update: ['lastReason', 'updatedAt'] as const } };
    await bulkInsert(storage.db, syncState, keys, [
      { connectionId, agentId: 'x', lastReason: 'first', teamsPresence: { availability: 'Busy' }, updatedAt: t0 },
    ]);
    await bulkInsert(
      storage.db,
      syncState,
      keys,
      [
        { connectionId, agentId: 'x', lastReason: 'second', teamsPresence: null, updatedAt: t1 },
        { connectionId, agentId: 'y', lastReason: 'new', teamsPresence: null, updatedAt: t1 },
      ],
      opts,
    );
    const rows = await storage.db
      .select()
      .from(syncState)
      .where(eq(syncState.connectionId, connectionId))
      .orderBy(syncState.agentId);
    expect(rows.map((r) => [r.agentId, r.lastReason, r.teamsPresence, r.updatedAt.toISOString()])).toEqual([
      ['x', 'second', { availability: 'Busy' }, t1.toISOString()],
      ['y', 'new', null, t1.toISOString()],
    ]);
  });

  it('inside a transaction it is part of the transaction (rolled back with it)', async () => {
    const rollback = new Error('roll back');
    await expect(
      storage.db.transaction(async (tx) => {
        await bulkInsert(
          tx as unknown as Db,
          syncState,
          ['connectionId', 'agentId', 'updatedAt'],
          [{ connectionId, agentId: 'in-tx', updatedAt: new Date() }],
        );
        const seen = await tx.select().from(syncState).where(eq(syncState.agentId, 'in-tx'));
        expect(seen).toHaveLength(1);
        throw rollback;
      }),
    ).rejects.toBe(rollback);
    expect(await storage.db.select().from(syncState).where(eq(syncState.agentId, 'in-tx'))).toEqual([]);
  });

  it('with a bad row nothing of the statement is stored, and no rows is no statement', async () => {
    const before = await storage.db.select().from(syncState).where(eq(syncState.connectionId, connectionId));
    await expect(
      bulkInsert(
        storage.db,
        syncState,
        ['connectionId', 'agentId', 'updatedAt'],
        [
          { connectionId, agentId: 'z', updatedAt: new Date() },
          { connectionId, agentId: null as unknown as string, updatedAt: new Date() },
        ],
      ),
    ).rejects.toThrow();
    await bulkInsert(storage.db, syncState, ['connectionId', 'agentId', 'updatedAt'], []);
    expect(await storage.db.select().from(syncState).where(eq(syncState.connectionId, connectionId))).toEqual(before);
  });
});
