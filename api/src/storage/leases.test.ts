import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends, openTestStorage } from '../../../tests/support/db.ts';
import type { Storage } from './db.ts';
import { createLeaseManager } from './leases.ts';

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
});
