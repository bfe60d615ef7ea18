import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSecretBox } from '../../api/src/crypto/secrets.ts';
import type { Storage } from '../../api/src/storage/db.ts';
import { connections } from '../../api/src/storage/schema.ts';
import { noteSighting } from '../../api/src/watch/silence.ts';
import { createSubscriptionStore } from '../../api/src/watch/subscription-store.ts';
import { backends, openTestStorage } from '../support/db.ts';

describe.each(backends())('a subscription row keeps what the reader saw (%s)', (backend) => {
  let storage: Storage;
  let store: ReturnType<typeof createSubscriptionStore>;
  let connectionId: string;
  beforeAll(async () => {
    storage = await openTestStorage(backend);
    store = createSubscriptionStore(storage.db, createSecretBox(randomBytes(32)));
    const [c] = await storage.db
      .insert(connections)
      .values({ name: 'c', tenantId: 't', azureClientId: 'a', cxoneBaseUrl: 'https://x', cxoneAccessKeyId: 'k' })
      .returning();
    connectionId = c!.id;
  });
  afterAll(async () => storage?.close());

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
});
