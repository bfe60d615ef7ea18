import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkSecretExpiry } from '../../api/src/notices/secret-expiry.ts';
import { alerts, botConversations, connections } from '../../api/src/storage/schema.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { type BotConnector, cardActions, cardOf, cardText, startBotConnector } from '../support/bot-connector.ts';
import { ANA, BO, botAdded, CHANNEL, fixedClock, installationUpdate, NOW, personal, postActivity, seed } from './fixtures.ts';

describe('notices: proactive fault cards to admins, deduplicated, updated when healed', () => {
  let app: TestApp;
  let connector: BotConnector;
  let connectionId: string;
  const clock = fixedClock();

  beforeAll(async () => {
    connector = await startBotConnector();
    app = await startTestApp({ BOT_AUTH_DISABLED: 'true' }, { clock });
    ({ connectionId } = await seed(app.storage.db));
    // Bo (admin) installs personally and in a team channel; Ana (agent) personally.
    for (const act of [
      installationUpdate(connector.serviceUrl, BO, personal(BO), 'add'),
      botAdded(connector.serviceUrl, BO, CHANNEL),
      installationUpdate(connector.serviceUrl, ANA, personal(ANA), 'add'),
    ])
      expect((await postActivity(app.url, act)).status).toBe(200);
    await connector.waitFor((c) => c.conversationId === CHANNEL.id); // the channel welcome
    connector.captured.length = 0;
  });
  afterAll(async () => {
    await app?.stop();
    await connector?.stop();
  });

  /** The cards about this suite's renewal fault (other parts of the running app may post their own). */
  const renewCards = (method?: 'POST' | 'PUT') =>
    connector.captured.filter(
      (c) => (!method || c.method === method) && (c.body.text ?? '').includes('presence subscription could not be renewed'),
    );

  const fault = (over: Partial<{ key: string; at: number; impactUsers: number }> = {}) => ({
    kind: 'fault' as const,
    connectionId,
    fault: 'subscription_renew_failed' as const,
    key: over.key ?? 'group-0',
    message: 'Graph refused the renewal (403 Forbidden)',
    impactUsers: over.impactUsers ?? 12,
    details: { groupIndex: 0, status: 403, refreshToken: 'must-never-show' },
    at: over.at ?? NOW,
  });

  it('when a fault is reported then each admin conversation gets one card with what, since, impact, fix and a tab link', async () => {
    app.notices.notify(fault());
    await app.notices.idle();
    const posts = renewCards('POST');
    expect(posts.map((p) => p.conversationId).sort()).toEqual([CHANNEL.id, personal(BO).id].sort());
    expect(posts.some((p) => p.conversationId === personal(ANA).id)).toBe(false);
    const card = cardOf(posts[0]!.body);
    expect(card.version).toBe('1.5');
    const text = cardText(card);
    expect(text).toContain('A presence subscription could not be renewed');
    expect(text).toContain('What: Graph refused the renewal (403 Forbidden)');
    expect(text).toContain('Since: 10:10 UTC');
    expect(text).toContain('Impact: 12 users affected');
    expect(text).toContain('Subscription group: 1');
    expect(text).toContain('How to fix it');
    expect(JSON.stringify(posts.map((p) => p.body))).not.toContain('must-never-show');
    const open = cardActions(card).find((a) => a.title === 'Open Presence Sync');
    expect(open).toMatchObject({ type: 'Action.OpenUrl' });
    expect(open?.url).toBe(`${app.url}/tab/watching`);
    expect(posts[0]!.body.text).toContain('could not be renewed');
  });

  it('when the same fault repeats then no new card is sent and the alert counts it', async () => {
    const before = renewCards().length;
    clock.set(NOW + 60_000);
    app.notices.notify(fault({ at: NOW + 60_000 }));
    app.notices.notify(fault({ at: NOW + 120_000 }));
    await app.notices.idle();
    expect(renewCards().length).toBe(before);
    const rows = await app.storage.db
      .select()
      .from(alerts)
      .where(and(eq(alerts.connectionId, connectionId), eq(alerts.kind, 'subscription_renew_failed')));
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ status: 'open', count: 3, key: 'group-0' });
    expect(rows[0]!.lastAt.getTime()).toBe(NOW + 120_000);
    expect(rows[0]!.details).not.toHaveProperty('refreshToken');
  });

  it('when the fault heals then the same cards are updated in place (PUT with the stored activity ids)', async () => {
    const sent = renewCards('POST');
    app.notices.notify({
      kind: 'fault_healed',
      connectionId,
      fault: 'subscription_renew_failed',
      key: 'group-0',
      at: NOW + 300_000,
    });
    await app.notices.idle();
    const puts = renewCards('PUT');
    expect(puts.map((p) => `${p.conversationId}/${p.activityId}`).sort()).toEqual(
      sent.map((p) => `${p.conversationId}/${p.id}`).sort(),
    );
    const text = cardText(cardOf(puts[0]!.body));
    expect(text).toContain('Healed: A presence subscription could not be renewed');
    expect(text).toContain('Healed: 10:15 UTC');
    expect(text).toContain('Occurrences: 3');
    const [row] = await app.storage.db.select().from(alerts).where(eq(alerts.kind, 'subscription_renew_failed'));
    expect(row).toMatchObject({ status: 'healed' });
    // A heal with nothing open does nothing.
    const n = renewCards().length;
    app.notices.notify({
      kind: 'fault_healed',
      connectionId,
      fault: 'subscription_renew_failed',
      key: 'group-0',
      at: NOW + 400_000,
    });
    await app.notices.idle();
    expect(renewCards().length).toBe(n);
  });

  it('when the fault comes back after healing then it is a new card', async () => {
    const n = renewCards('POST').length;
    app.notices.notify(fault({ at: NOW + 500_000 }));
    await app.notices.idle();
    expect(renewCards('POST').length).toBe(n + 2);
  });

  it('when a permission is missing then the card names it and links to admin consent', async () => {
    app.notices.notify({
      kind: 'fault',
      connectionId,
      fault: 'permission_missing',
      key: 'Presence.ReadWrite.All',
      message: 'Graph answered 403 to setPresence',
      impactUsers: 40,
      details: { permission: 'Presence.ReadWrite.All' },
      at: NOW,
    });
    await app.notices.idle();
    const card = cardOf(
      (await connector.waitFor((c) => c.method === 'POST' && c.body.text?.includes('permission') === true)).body,
    );
    expect(cardText(card)).toContain('Permission: Presence.ReadWrite.All');
    const consent = cardActions(card).find((a) => a.title === 'Grant consent');
    expect(consent?.url).toBe(
      `https://login.microsoftonline.com/${encodeURIComponent(personal(BO).tenantId)}/adminconsent?client_id=app-client-id-1234`,
    );
  });

  it('when the Azure client secret expires within 30 days then the daily check raises one card, and a new secret heals it', async () => {
    await app.storage.db
      .update(connections)
      .set({ azureClientSecretExpiresAt: new Date(NOW + 5 * 86_400_000) })
      .where(eq(connections.id, connectionId));
    expect(await checkSecretExpiry({ storage: app.storage, sink: app.notices, clock })).toBe(1);
    expect(await checkSecretExpiry({ storage: app.storage, sink: app.notices, clock })).toBe(1);
    await app.notices.idle();
    const cards = connector.captured.filter((c) => c.method === 'POST' && c.body.text?.includes('client secret expires soon'));
    expect(cards).toHaveLength(2); // one per admin conversation, not per check
    expect(cardText(cardOf(cards[0]!.body))).toContain('The Azure client secret expires in 4 days');
    await app.storage.db
      .update(connections)
      .set({ azureClientSecretExpiresAt: new Date(NOW + 365 * 86_400_000) })
      .where(eq(connections.id, connectionId));
    expect(await checkSecretExpiry({ storage: app.storage, sink: app.notices, clock })).toBe(0);
    await app.notices.idle();
    const healed = connector.captured.filter(
      (c) => c.method === 'PUT' && cardText(cardOf(c.body)).includes('Healed: The Azure client secret'),
    );
    expect(healed).toHaveLength(2);
  });

  it('when a manual status blocks sync then the agent is told only if the connection opted in, once, and the card is updated when resolved', async () => {
    const notice = {
      kind: 'manual_status_blocking' as const,
      connectionId,
      agentId: ANA.agentId,
      userId: ANA.aad,
      observed: { availability: 'DoNotDisturb', activity: 'DoNotDisturb' },
      wanted: { availability: 'Away', activity: 'Away' },
      since: NOW,
    };
    app.notices.notify(notice);
    await app.notices.idle();
    expect(connector.captured.some((c) => c.conversationId === personal(ANA).id)).toBe(false);

    await app.storage.db
      .update(connections)
      .set({ options: { presenceWatch: 'subscriptions', notifyAgentsOfManualStatus: true } })
      .where(eq(connections.id, connectionId));
    app.notices.notify(notice);
    app.notices.notify(notice);
    await app.notices.idle();
    const toAna = connector.captured.filter((c) => c.conversationId === personal(ANA).id && c.method === 'POST');
    expect(toAna).toHaveLength(1);
    const card = cardOf(toAna[0]!.body);
    expect(cardText(card)).toContain('You set your Teams status by hand (Do not disturb)');
    expect(cardActions(card).map((a) => a.title)).toContain('Show me how to reset my status');

    app.notices.notify({ kind: 'manual_status_resolved', connectionId, agentId: ANA.agentId, userId: ANA.aad, at: NOW + 60_000 });
    await app.notices.idle();
    const update = connector.captured.find((c) => c.conversationId === personal(ANA).id && c.method === 'PUT');
    expect(update?.activityId).toBe(toAna[0]!.id);
    expect(cardText(cardOf(update!.body))).toContain('Sync is working again');
  });

  it('when the connector refuses a send then the alert is still recorded and nothing throws', async () => {
    connector.failNext(403, 2);
    app.notices.notify({
      kind: 'fault',
      connectionId,
      fault: 'cxone_key_rejected',
      key: 'bot-suite-key',
      message: 'CXone answered 401 to the token request',
      at: NOW,
    });
    await app.notices.idle();
    const [row] = await app.storage.db
      .select()
      .from(alerts)
      .where(and(eq(alerts.kind, 'cxone_key_rejected'), eq(alerts.key, 'bot-suite-key')));
    expect(row).toMatchObject({ status: 'open', count: 1, cards: [] });
    expect(app.logs.some((l) => l.msg === 'proactive card send failed')).toBe(true);
    // 403 "bot not in the roster" means the app was removed there: the reference is forgotten.
    expect(app.logs.some((l) => l.msg === 'conversation no longer reachable: reference removed')).toBe(true);
    const left = await app.storage.db.select().from(botConversations);
    expect(left.map((c) => c.id)).toEqual([personal(ANA).id]);
  });

  it('when the admin then asks "health" the open faults are listed', async () => {
    const act = {
      ...installationUpdate(connector.serviceUrl, BO, personal(BO), 'add'),
      type: 'message',
      text: 'health',
      action: undefined,
    };
    expect((await postActivity(app.url, act)).status).toBe(200);
    const sent = await connector.waitFor((c) => c.activityId === act.id);
    const text = cardText(cardOf(sent.body));
    expect(text).toContain('CXone rejected the access key: CXone answered 401 to the token request');
    expect(text).toContain('A Microsoft Graph permission is missing');
  });
});
