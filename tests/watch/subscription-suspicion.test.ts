import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSecretBox } from '../../api/src/crypto/secrets.ts';
import { createLogger } from '../../api/src/logging.ts';
import type { Storage } from '../../api/src/storage/db.ts';
import { noteSighting } from '../../api/src/watch/silence.ts';
import { createSubscriptionStore } from '../../api/src/watch/subscription-store.ts';
import { createSubscriptionManager } from '../../api/src/watch/subscriptions.ts';
import { backends, insertTestConnection, openTestStorage } from '../support/db.ts';

describe.each(backends())('a subscription row keeps what the reader saw (%s)', (backend) => {
  let storage: Storage;
  let store: ReturnType<typeof createSubscriptionStore>;
  let connectionId: string;
  beforeAll(async () => {
    storage = await openTestStorage(backend);
    store = createSubscriptionStore(storage.db, createSecretBox(randomBytes(32)));
    connectionId = await insertTestConnection(storage.db);
  });
  afterAll(async () => storage?.close());
  /** The subscription manager over a store, for what needs neither Graph nor certificates. */
  const managerOver = (subs: typeof store, now = 9_000) =>
    createSubscriptionManager({
      store: subs,
      graph: () => Promise.reject(new Error('no Graph here')),
      owners: { tokenFor: () => () => Promise.reject(new Error('no tokens here')) },
      certs: { current: () => Promise.reject(new Error('no certs')), privateKey: async () => null },
      clock: { now: () => now },
      logger: createLogger({ level: 'silent' }),
      publicBaseUrl: 'https://example.invalid',
      groupSize: async () => 650,
      users: async () => ['u3', 'u4', 'u5', 'u6'],
    });

  it('when the suspicion changed since it was read then replacing it changes nothing (a sighting is not lost)', async () => {
    const row = await store.insert(connectionId, 0, ['u1', 'u2'], null);
    expect(row.suspicion).toBeNull();
    const first = noteSighting(undefined, { after: 1_000, seenAt: 2_000 });
    expect(await store.replaceSuspicion(row.id, null, first)).toBe(true);
    expect((await store.get(row.id))?.suspicion).toEqual(first);

    // The reader records a second sighting; a reconciler that read only the first must not clear both.
    const both = noteSighting(first, { after: 3_000, seenAt: 4_000 });
    expect(await store.replaceSuspicion(row.id, first, both)).toBe(true);
    expect(await store.replaceSuspicion(row.id, first, null)).toBe(false);
    expect((await store.get(row.id))?.suspicion).toEqual(both);
    expect(await store.replaceSuspicion(row.id, null, first)).toBe(false);

    expect(await store.replaceSuspicion(row.id, both, null)).toBe(true);
    expect((await store.get(row.id))?.suspicion).toBeNull();
  });

  it('when a reconcile replaces the suspicion while the reader records a sighting then the sighting is merged into the new one', async () => {
    const row = await store.insert(connectionId, 1, ['u3', 'u4'], null);
    await store.update(row.id, { status: 'active' }, 0);
    const old = noteSighting(undefined, { after: 1_000, seenAt: 2_000 });
    const pruned = noteSighting(undefined, { after: 5_000, seenAt: 6_000 });
    await store.replaceSuspicion(row.id, null, old);
    // The reconcile's write lands between the reader's read of the row and its own write.
    let raced = false;
    const racing: typeof store = {
      ...store,
      async replaceSuspicion(id, expected, next) {
        if (!raced) {
          raced = true;
          await store.replaceSuspicion(id, old, pruned);
        }
        return store.replaceSuspicion(id, expected, next);
      },
    };
    await managerOver(racing).readerSawChanges(connectionId, [
      { userId: 'u4', presence: { availability: 'Busy', activity: 'InACall' }, after: 7_000, at: 8_000 },
    ]);
    expect((await store.get(row.id))?.suspicion).toEqual({ first: pruned.first, last: { after: 7_000, seenAt: 8_000 } });
  });

  it('when a change may have happened before the subscription was created then it does not count against it', async () => {
    const older = await store.insert(connectionId, 2, ['u5'], null);
    const newer = await store.insert(connectionId, 3, ['u6'], null);
    await store.update(older.id, { status: 'active', subscribedAt: 3_000 }, 0);
    await store.update(newer.id, { status: 'active', subscribedAt: 5_000 }, 0);
    const m = managerOver(store, 10_000);
    await m.readerSawChanges(connectionId, [
      { userId: 'u5', presence: { availability: 'Away', activity: 'Away' }, after: 4_000, at: 4_500 },
      { userId: 'u6', presence: { availability: 'Away', activity: 'Away' }, after: 4_000, at: 5_500 },
    ]);
    const cov = await m.coverage(connectionId);
    const since = (id: string) => cov.subscriptions.find((x) => x.id === id)?.suspectSince;
    // Created at 3 s, then a change after 4 s and no notification: suspect. Created at 5 s: Graph owed nothing.
    expect(since(older.id)).toBe(4_500);
    expect(since(newer.id)).toBeNull();
    // An explained sighting is not even written.
    expect((await store.get(newer.id))?.suspicion).toBeNull();
  });
});
