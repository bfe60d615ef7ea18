import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends, freshDatabaseUrl, openTestStorage } from '../../../tests/support/db.ts';
import { openStorage, type Storage } from './db.ts';
import { createLeaseManager, DEAD_CONFIRM_MS } from './leases.ts';
import type { Liveness } from './liveness.ts';

/** A liveness whose other processes live or die as the test says. */
const fakeLiveness = (processId: string, dead: Set<string>): Liveness => ({
  processId,
  isAlive: async (id) => !dead.has(id),
  close: async () => {},
});

describe.each(backends())('leases on %s', (backend) => {
  let storage: Storage;
  let now = 1_000_000;
  const clock = { now: () => now };
  beforeAll(async () => {
    storage = await openTestStorage(backend);
  });
  afterAll(async () => {
    await storage.close();
  });

  it('when two holders race for a free lease then exactly one wins', async () => {
    const a = createLeaseManager(storage.db, 'a', clock);
    const b = createLeaseManager(storage.db, 'b', clock);
    const results = await Promise.all([a.tryAcquire('race', 10_000), b.tryAcquire('race', 10_000)]);
    expect(results.filter(Boolean)).toHaveLength(1);
  });

  it('when a lease is held then another holder cannot take it until it expires', async () => {
    const a = createLeaseManager(storage.db, 'a', clock);
    const b = createLeaseManager(storage.db, 'b', clock);
    expect(await a.tryAcquire('engine:1', 10_000)).toBe(true);
    expect(await b.tryAcquire('engine:1', 10_000)).toBe(false);
    expect(await a.tryAcquire('engine:1', 10_000)).toBe(true);
    expect(await a.holder('engine:1')).toBe('a');
    now += 10_001;
    expect(await a.holder('engine:1')).toBeNull();
    expect(await b.tryAcquire('engine:1', 10_000)).toBe(true);
    expect(await a.renew('engine:1', 10_000)).toBe(false);
    expect(await b.renew('engine:1', 10_000)).toBe(true);
  });

  it('when the holder releases then another holder takes it at once', async () => {
    const a = createLeaseManager(storage.db, 'a', clock);
    const b = createLeaseManager(storage.db, 'b', clock);
    expect(await a.tryAcquire('renewals', 60_000)).toBe(true);
    await b.release('renewals');
    expect(await b.tryAcquire('renewals', 60_000)).toBe(false);
    await a.release('renewals');
    expect(await b.tryAcquire('renewals', 60_000)).toBe(true);
  });

  it("when the holder's process is gone then another takes the lease after seeing that twice, before the TTL", async () => {
    const dead = new Set<string>();
    const a = createLeaseManager(storage.db, 'engine-a', clock, fakeLiveness('pa', dead));
    const b = createLeaseManager(storage.db, 'engine-b', clock, fakeLiveness('pb', dead));
    expect(a.holderId).toBe('engine-a@pa');
    expect(await a.tryAcquire('engine:dead', 30_000)).toBe(true);
    // Alive: never taken, however often asked.
    expect(await b.tryAcquire('engine:dead', 30_000)).toBe(false);
    now += DEAD_CONFIRM_MS;
    expect(await b.tryAcquire('engine:dead', 30_000)).toBe(false);
    dead.add('pa');
    expect(await b.tryAcquire('engine:dead', 30_000)).toBe(false); // seen gone once
    now += DEAD_CONFIRM_MS - 1;
    expect(await b.tryAcquire('engine:dead', 30_000)).toBe(false); // not long enough
    now += 1;
    expect(await b.tryAcquire('engine:dead', 30_000)).toBe(true);
    expect(await a.holder('engine:dead')).toBe('engine-b@pb');
    expect(await a.renew('engine:dead', 30_000)).toBe(false);
  });

  it('when a holder seen gone comes back (a database restart) then its lease stays', async () => {
    const dead = new Set<string>(['pc']);
    const c = createLeaseManager(storage.db, 'engine-c', clock, fakeLiveness('pc', new Set()));
    const d = createLeaseManager(storage.db, 'engine-d', clock, fakeLiveness('pd', dead));
    expect(await c.tryAcquire('engine:flap', 30_000)).toBe(true);
    expect(await d.tryAcquire('engine:flap', 30_000)).toBe(false);
    dead.delete('pc');
    now += DEAD_CONFIRM_MS;
    expect(await d.tryAcquire('engine:flap', 30_000)).toBe(false);
    dead.add('pc');
    now += 1;
    expect(await d.tryAcquire('engine:flap', 30_000)).toBe(false); // the count starts again
    expect(await c.renew('engine:flap', 30_000)).toBe(true);
  });
});

// PostgreSQL only (PGlite lives in one process): runs where TEST_DATABASE_URL is set, as in CI.
describe.each(backends().filter((b) => b === 'postgres'))('process liveness on %s', () => {
  it('a server process is alive while its session is open, and gone once it closes', async () => {
    const db = await freshDatabaseUrl();
    const a = await openStorage({ databaseUrl: db.url });
    const b = await openStorage({ databaseUrl: db.url });
    try {
      expect(await b.liveness.isAlive(a.liveness.processId)).toBe(true);
      expect(await b.liveness.isAlive(b.liveness.processId)).toBe(true);
      await a.close(); // what a kill -9 does to its sessions
      let gone = false;
      for (let i = 0; i < 50 && !gone; i++) {
        gone = !(await b.liveness.isAlive(a.liveness.processId));
        if (!gone) await new Promise((r) => setTimeout(r, 100));
      }
      expect(gone).toBe(true);
    } finally {
      await b.close();
      await db.drop();
    }
  });
});
