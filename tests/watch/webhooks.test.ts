import { randomBytes } from 'node:crypto';
import { createLocalJWKSet, exportJWK, generateKeyPair, SignJWT } from 'jose';
import type { Server } from 'restify';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createSecretBox } from '../../api/src/crypto/secrets.ts';
import type { SyncEvent } from '../../api/src/domain/ports.ts';
import { createHttpServer, listen } from '../../api/src/http/server.ts';
import { createLogger } from '../../api/src/logging.ts';
import type { Storage } from '../../api/src/storage/db.ts';
import { encryptionCerts, notificationInbox } from '../../api/src/storage/schema.ts';
import { createCertStore } from '../../api/src/watch/certs.ts';
import { createInboxWorker } from '../../api/src/watch/inbox.ts';
import { PresenceLedger } from '../../api/src/watch/ledger.ts';
import { encryptResourceData } from '../../api/src/watch/notification-crypto.ts';
import { createPresenceSeenStore } from '../../api/src/watch/presence-store.ts';
import { createSubscriptionStore } from '../../api/src/watch/subscription-store.ts';
import { createValidationTokenVerifier, GRAPH_CHANGE_TRACKING_APP_ID } from '../../api/src/watch/validation-tokens.ts';
import { type InboxItem, registerGraphWebhooks } from '../../api/src/watch/webhooks.ts';
import { defaultBackend, insertTestConnection, openTestStorage } from '../support/db.ts';

const logger = createLogger({ level: 'silent' });
const APP_ID = '11111111-2222-3333-4444-555555555555';
type SigningKey = Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];

describe('Graph webhooks and the inbox worker', () => {
  let storage: Storage;
  let server: Server;
  let url: string;
  let connectionId: string;
  let webhooks: ReturnType<typeof registerGraphWebhooks>;
  let worker: ReturnType<typeof createInboxWorker>;
  let certs: ReturnType<typeof createCertStore>;
  let signingKey: SigningKey;
  const events: SyncEvent[] = [];
  const lifecycle: Array<{ event: string }> = [];
  const secrets = createSecretBox(randomBytes(32));
  const clientState = 'client-state-secret-1';
  const now = Date.parse('2026-11-26T12:00:00Z');
  const clock = { now: () => now };

  beforeAll(async () => {
    storage = await openTestStorage(defaultBackend());
    connectionId = await insertTestConnection(storage.db, APP_ID);
    const subs = createSubscriptionStore(storage.db, secrets);
    const row = await subs.insert(connectionId, 0, ['u1', 'u2'], null);
    await subs.update(row.id, { graphSubscriptionId: 'gsub-1', clientState, status: 'active' }, now);

    const { publicKey, privateKey } = await generateKeyPair('RS256');
    signingKey = privateKey;
    const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'RS256' };
    const verifier = createValidationTokenVerifier({ keys: createLocalJWKSet({ keys: [jwk] }), clock });
    certs = createCertStore(storage.db, secrets, clock);
    const ledger = new PresenceLedger();
    const store = createPresenceSeenStore(storage.db);
    worker = createInboxWorker({
      db: storage.db,
      certs,
      verifier,
      appClientId: async () => APP_ID,
      ledger: async () => {
        await ledger.ensureLoaded(() => store.load(connectionId));
        return ledger;
      },
      store,
      sink: { publish: (e) => events.push(e) },
      lifecycle: async (_c, item) => {
        lifecycle.push({ event: item.lifecycleEvent });
        return 'ok';
      },
      notificationsArrived: (ids, at) => subs.noteNotifications(ids, at),
      clock,
      logger,
    });

    server = createHttpServer({ logger, maxBodyBytes: 256 * 1024 });
    webhooks = registerGraphWebhooks(server, {
      lookup: (id) => subs.lookup(id),
      persist: async (items) => {
        await storage.db.insert(notificationInbox).values(items.map((i) => ({ ...i })));
      },
      logger,
    });
    const port = await listen(server, 0, '127.0.0.1');
    url = `http://127.0.0.1:${port}`;
  });
  afterAll(async () => {
    server?.close();
    await storage?.close();
  });
  beforeEach(() => {
    events.length = 0;
  });

  const token = (over: Record<string, unknown> = {}, key: SigningKey = signingKey) =>
    new SignJWT({ azp: GRAPH_CHANGE_TRACKING_APP_ID, ...over })
      .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
      .setAudience((over.aud as string) ?? APP_ID)
      .setIssuer('https://sts.windows.net/t/')
      .setIssuedAt(Math.floor(now / 1000))
      .setExpirationTime(Math.floor(now / 1000) + 3600)
      .sign(key);

  const presence = async (userId: string, availability: string, activity: string, sequenceNumber: string) => {
    const cert = await certs.current(connectionId);
    return {
      subscriptionId: 'gsub-1',
      clientState,
      changeType: 'updated',
      resource: `communications/presences('${userId}')`,
      tenantId: 't',
      encryptedContent: encryptResourceData(
        { '@odata.type': '#Microsoft.Graph.presence', id: userId, availability, activity, sequenceNumber },
        cert.certPem,
        cert.id,
      ),
    };
  };
  const post = (body: unknown, path = '/api/graph/notifications') =>
    fetch(url + path, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });

  it('when Graph validates the URL then the decoded token comes back as text/plain, 200', async () => {
    const raw = 'Validation: Testing client application reachability for subscription Request-Id: 1a2b+/=&x';
    for (const path of ['/api/graph/notifications', '/api/graph/lifecycle']) {
      const res = await fetch(`${url}${path}?validationToken=${encodeURIComponent(raw)}`, {
        method: 'POST',
        headers: { 'content-type': 'text/plain' },
      });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
      expect(await res.text()).toBe(raw);
    }
  });

  it('when encrypted notifications arrive then they are acknowledged with 202 and decrypted into events', async () => {
    const res = await post({ value: [await presence('u1', 'Busy', 'InACall', '100')], validationTokens: [await token()] });
    expect(res.status).toBe(202);
    await worker.drain();
    expect(events).toEqual([
      expect.objectContaining({
        kind: 'teams_presence',
        userId: 'u1',
        source: 'subscription',
        presence: expect.objectContaining({ availability: 'Busy', activity: 'InACall' }),
      }),
    ]);
    const subs = await createSubscriptionStore(storage.db, secrets).list(connectionId);
    expect(subs[0]?.lastNotificationAt).toBe(now);
    // The certificate's private key is sealed at rest; the inbox keeps no clientState.
    const stored = JSON.stringify(await storage.db.select().from(encryptionCerts));
    expect(stored).toContain('"privateKeyEnc":"v1.');
    expect(stored).not.toContain('PRIVATE KEY');
    expect(JSON.stringify(await storage.db.select().from(notificationInbox))).not.toContain(clientState);
  });

  it('when notifications are duplicated and reordered then the engine gets only the newest state, once', async () => {
    const n1 = await presence('u2', 'Away', 'Away', '200');
    const n2 = await presence('u2', 'Busy', 'InAMeeting', '201');
    const n3 = await presence('u2', 'DoNotDisturb', 'Presenting', '202');
    const tokens = [await token()];
    await post({ value: [n3, n1], validationTokens: tokens });
    await post({ value: [n2, n1, n3], validationTokens: tokens });
    await worker.drain();
    // A late, older one and repeats after the newest was processed change nothing.
    const late = await presence('u2', 'BeRightBack', 'BeRightBack', '199');
    await post({ value: [n2, late, n3], validationTokens: tokens });
    await worker.drain();
    // Taken in sequence order, but only the newest of a drain is handed on: a meeting already over by a
    // later notification in the same batch would otherwise be written to CXone and back.
    const seen = events.map((e) => (e.kind === 'teams_presence' ? e.presence.availability : ''));
    expect(seen).toEqual(['DoNotDisturb']);
    expect(worker.counters().duplicatesOrStale).toBeGreaterThanOrEqual(5);
  });

  it('when the data signature is tampered with then the notification is rejected and nothing changes', async () => {
    const n = await presence('u1', 'Offline', 'OffWork', '300');
    n.encryptedContent.dataSignature = Buffer.from(randomBytes(32)).toString('base64');
    const before = worker.counters().rejectedSignature;
    expect((await post({ value: [n], validationTokens: [await token()] })).status).toBe(202);
    await worker.drain();
    expect(events).toEqual([]);
    expect(worker.counters().rejectedSignature).toBe(before + 1);
  });

  it('when the data is altered then the HMAC fails and it is rejected', async () => {
    const n = await presence('u1', 'Offline', 'OffWork', '301');
    const bytes = Buffer.from(n.encryptedContent.data, 'base64');
    bytes[0] = (bytes[0] ?? 0) ^ 0xff;
    n.encryptedContent.data = bytes.toString('base64');
    await post({ value: [n], validationTokens: [await token()] });
    await worker.drain();
    expect(events).toEqual([]);
  });

  it('when validation tokens are forged, for another audience, from another app or missing then it is rejected', async () => {
    const { privateKey: otherKey } = await generateKeyPair('RS256');
    const before = worker.counters().rejectedToken;
    const cases = [[await token({}, otherKey)], [await token({ aud: 'someone-else' })], [await token({ azp: 'not-graph' })], []];
    for (const tokens of cases) await post({ value: [await presence('u1', 'Away', 'Away', '400')], validationTokens: tokens });
    await worker.drain();
    expect(events).toEqual([]);
    expect(worker.counters().rejectedToken).toBe(before + 4);
  });

  it('when clientState is wrong or missing, or the subscription is unknown, then 202 and ignored (counted)', async () => {
    const n = await presence('u1', 'Away', 'Away', '500');
    const before = webhooks.counters();
    expect((await post({ value: [{ ...n, clientState: 'guess' }] })).status).toBe(202);
    expect((await post({ value: [{ ...n, clientState: undefined }] })).status).toBe(202);
    expect((await post({ value: [{ ...n, subscriptionId: 'nope' }] })).status).toBe(202);
    await worker.drain();
    expect(events).toEqual([]);
    const after = webhooks.counters();
    expect(after.ignoredClientState - before.ignoredClientState).toBe(2);
    expect(after.ignoredUnknownSubscription - before.ignoredUnknownSubscription).toBe(1);
  });

  it('when the body is malformed JSON or the wrong shape then 400; when oversized then 413', async () => {
    expect((await post('{"value": [')).status).toBe(400);
    expect((await post({ nope: 1 })).status).toBe(400);
    expect((await post({ value: [{ clientState: 'x' }] })).status).toBe(400);
    const big = { value: [{ subscriptionId: 'gsub-1', clientState, pad: 'x'.repeat(300 * 1024) }] };
    expect((await post(big)).status).toBe(413);
  });

  it('when one POST carries several notifications then they are one inbox row, tokens once, and each is processed', async () => {
    const rowsBefore = (await storage.db.select().from(notificationInbox)).length;
    const tok = await token();
    const body = {
      value: [await presence('u1', 'Offline', 'OffWork', '600'), await presence('u2', 'Away', 'Away', '600')],
      validationTokens: [tok],
    };
    expect((await post(body)).status).toBe(202);
    const rows = await storage.db.select().from(notificationInbox);
    expect(rows.length).toBe(rowsBefore + 1);
    const stored = JSON.stringify(rows.sort((a, b) => a.id - b.id).at(-1)?.payload);
    expect(stored.split(tok).length - 1).toBe(1);
    expect(stored).not.toContain(clientState);
    await worker.drain();
    expect(events.map((e) => (e.kind === 'teams_presence' ? [e.userId, e.presence.availability] : []))).toEqual([
      ['u1', 'Offline'],
      ['u2', 'Away'],
    ]);
  });

  it('when the process dies right after the 202 then the acknowledged notifications are still processed after a restart', async () => {
    const res = await post({ value: [await presence('u1', 'Busy', 'InAMeeting', '650')], validationTokens: [await token()] });
    expect(res.status).toBe(202);
    // A new process: nothing of the old one's memory, only the database.
    const restarted: SyncEvent[] = [];
    const store = createPresenceSeenStore(storage.db);
    const ledger = new PresenceLedger();
    const fresh = createInboxWorker({
      db: storage.db,
      certs: createCertStore(storage.db, secrets, clock),
      verifier: null,
      appClientId: async () => APP_ID,
      ledger: async () => {
        await ledger.ensureLoaded(() => store.load(connectionId));
        return ledger;
      },
      store,
      sink: { publish: (e) => restarted.push(e) },
      lifecycle: async () => 'ok',
      notificationsArrived: async () => {},
      clock,
      logger,
    });
    await fresh.drain();
    expect(restarted.map((e) => (e.kind === 'teams_presence' ? [e.userId, e.presence.activity] : []))).toEqual([
      ['u1', 'InAMeeting'],
    ]);
    expect(events).toEqual([]); // the old worker never saw it
  });

  it('when rows arrive after a quiet spell then a pass runs at once; woken again at once, the next waits its interval', async () => {
    const seen: SyncEvent[] = [];
    const store = createPresenceSeenStore(storage.db);
    const ledger = new PresenceLedger();
    const paced = createInboxWorker({
      db: storage.db,
      certs,
      verifier: null,
      appClientId: async () => APP_ID,
      ledger: async () => {
        await ledger.ensureLoaded(() => store.load(connectionId));
        return ledger;
      },
      store,
      sink: { publish: (e) => seen.push(e) },
      lifecycle: async () => 'ok',
      notificationsArrived: async () => {},
      clock,
      logger,
      minPassIntervalMs: 60_000,
    });
    const until = async (ok: () => boolean) => {
      for (let i = 0; i < 100 && !ok(); i++) await new Promise((r) => setTimeout(r, 20));
    };
    await post({ value: [await presence('u1', 'Away', 'Away', '660')] });
    paced.wake();
    await until(() => seen.length === 1);
    expect(seen.length).toBe(1);
    await post({ value: [await presence('u2', 'Busy', 'InACall', '660')] });
    paced.wake();
    await new Promise((r) => setTimeout(r, 300));
    expect(seen.length).toBe(1); // waits out the interval (a burst's rows gather meanwhile)
    await paced.drain(); // asked for explicitly: at once
    expect(seen.map((e) => (e.kind === 'teams_presence' ? e.userId : ''))).toEqual(['u1', 'u2']);
    await paced.stop();
  });

  it('when genuine and forged notifications share a POST then only the genuine ones are stored', async () => {
    const before = webhooks.counters();
    const good = await presence('u1', 'DoNotDisturb', 'Presenting', '700');
    const body = {
      value: [{ ...good, clientState: 'guess' }, good, { ...good, subscriptionId: 'nope' }],
      validationTokens: [await token()],
    };
    expect((await post(body)).status).toBe(202);
    const after = webhooks.counters();
    expect(after.accepted - before.accepted).toBe(1);
    expect(after.ignoredClientState - before.ignoredClientState).toBe(1);
    expect(after.ignoredUnknownSubscription - before.ignoredUnknownSubscription).toBe(1);
    await worker.drain();
    expect(events.map((e) => (e.kind === 'teams_presence' ? e.presence.availability : ''))).toEqual(['DoNotDisturb']);
  });

  it('when a subscription gets a new clientState then the old one is refused at once (cached lookups are invalidated)', async () => {
    const subs = createSubscriptionStore(storage.db, secrets);
    const row = await subs.insert(connectionId, 1, ['u3'], null);
    await subs.update(row.id, { graphSubscriptionId: 'gsub-2', clientState: 'old-state', status: 'active' }, now);
    const hooks = registerGraphWebhooks(createHttpServer({ logger }), {
      lookup: (id) => subs.lookup(id),
      persist: async () => {},
      logger,
    });
    const lookups = await Promise.all([subs.lookup('gsub-2'), subs.lookup('gsub-2')]);
    expect(lookups[0]).toEqual({ connectionId, clientState: 'old-state' });
    await subs.update(row.id, { clientState: 'new-state' }, now);
    expect(await subs.lookup('gsub-2')).toEqual({ connectionId, clientState: 'new-state' });
    await subs.update(row.id, { graphSubscriptionId: 'gsub-3' }, now);
    expect(await subs.lookup('gsub-2')).toBeNull();
    await subs.remove(row.id);
    expect(await subs.lookup('gsub-3')).toBeNull();
    expect(hooks.counters().accepted).toBe(0);
  });

  it('when an inbox row from before batching (one notification, tokens inside) is waiting then it is processed', async () => {
    const { clientState: _secret, ...n } = await presence('u2', 'BeRightBack', 'BeRightBack', '800');
    await storage.db
      .insert(notificationInbox)
      .values({ connectionId, kind: 'graph_change', payload: { ...n, validationTokens: [await token()] } });
    await worker.drain();
    expect(events.map((e) => (e.kind === 'teams_presence' ? [e.userId, e.presence.availability] : []))).toEqual([
      ['u2', 'BeRightBack'],
    ]);
  });

  it('when a lifecycle event arrives with the right clientState then it reaches the subscription manager', async () => {
    const res = await post(
      { value: [{ subscriptionId: 'gsub-1', clientState, lifecycleEvent: 'reauthorizationRequired', tenantId: 't' }] },
      '/api/graph/lifecycle',
    );
    expect(res.status).toBe(202);
    await post(
      { value: [{ subscriptionId: 'gsub-1', clientState: 'bad', lifecycleEvent: 'subscriptionRemoved' }] },
      '/api/graph/lifecycle',
    );
    await worker.drain();
    expect(lifecycle).toEqual([{ event: 'reauthorizationRequired' }]);
  });
});

describe('Graph webhook acknowledgement and durability', () => {
  const clientState = 'the-secret';
  let server: Server;
  let url: string;
  let persist: (items: readonly InboxItem[]) => Promise<void> = async () => {};
  const body = JSON.stringify({ value: [{ subscriptionId: 'gsub-1', clientState, changeType: 'updated', resource: 'r' }] });

  beforeAll(async () => {
    server = createHttpServer({ logger });
    registerGraphWebhooks(server, {
      lookup: async (id) => (id === 'gsub-1' ? { connectionId: 'c1', clientState } : null),
      persist: (items) => persist(items),
      logger,
    });
    url = `http://127.0.0.1:${await listen(server, 0, '127.0.0.1')}/api/graph/notifications`;
  });
  afterAll(() => server?.close());

  it('when the inbox write has not committed then no 202 is sent; when it fails then the answer is 5xx so Graph retries', async () => {
    let commit!: () => void;
    const written: InboxItem[] = [];
    persist = (items) =>
      new Promise<void>((resolve) => {
        commit = () => {
          written.push(...items);
          resolve();
        };
      });
    let answered: number | null = null;
    const res = fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body }).then(
      (r) => (answered = r.status),
    );
    await new Promise((r) => setTimeout(r, 150));
    expect(answered).toBeNull();
    commit();
    await res;
    expect(answered).toBe(202);
    expect(written).toEqual([
      {
        connectionId: 'c1',
        kind: 'graph_change',
        payload: { v: 2, value: [{ subscriptionId: 'gsub-1', changeType: 'updated', resource: 'r' }] },
      },
    ]);

    persist = async () => {
      throw new Error('database unavailable');
    };
    const failed = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    expect(failed.status).toBeGreaterThanOrEqual(500);
    expect(await failed.text()).not.toContain(clientState);
  });
});
