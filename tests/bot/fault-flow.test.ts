import type { Request as BotRequest, Response as BotResponse } from 'botbuilder';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBotBackend, renewViaManager } from '../../api/src/bot-backend/backend.ts';
import { createConversationStore } from '../../api/src/bot-backend/conversations.ts';
import type { Notice } from '../../api/src/domain/ports.ts';
import { createLogger } from '../../api/src/logging.ts';
import { createNotifier, type Notifier } from '../../api/src/notices/notifier.ts';
import { admins } from '../../api/src/storage/schema.ts';
import { createBotAdapter } from '../../bot/src/adapter.ts';
import { createBot } from '../../bot/src/bot.ts';
import { type BotConnector, cardActions, cardOf, cardText, startBotConnector } from '../support/bot-connector.ts';
import { startWatchStack, type WatchStack } from '../watch/emulator-support.ts';
import { BO, BOT, executeActivity, postActivity } from './fixtures.ts';

/**
 * A real fault end to end: the Graph emulator refuses a subscription renewal, the presence-watching
 * code reports it to the notifier, and the admin's chat gets the card; the next renewal succeeds and
 * the same card is updated. The renewals are triggered by the admin pressing "Renew now" in the bot.
 */
describe('fault flow: Graph emulator refuses a renewal → watcher → notifier → admin card → healed in place', () => {
  let s: WatchStack;
  let connector: BotConnector;
  let notifier: Notifier;
  const conversationId = 'a:1personal-bo-admin';
  const forward = { notify: (n: Notice) => notifier?.notify(n) };

  beforeAll(async () => {
    connector = await startBotConnector();
    // 6 agents (some without Teams accounts) in one group → one subscription, one owner.
    s = await startWatchStack({
      agents: 6,
      owners: 1,
      options: { presenceWatch: 'subscriptions', subscriptionGroupSize: 6 },
      watching: { notices: forward },
    });
    const logger = createLogger({ level: 'silent' });
    const clock = { now: () => s.emu.control.now() };
    const conversations = createConversationStore(s.storage);
    const backend = createBotBackend({
      storage: s.storage,
      clock,
      renewSubscriptionsNow: renewViaManager(s.watching.subscriptions),
    });
    const bot = createBot({ backend, conversations, clock, logger, tabUrl: (p) => `${s.baseUrl}/tab/${p}` });
    const adapter = createBotAdapter({ authDisabled: true }, bot, logger);
    s.server.post('/api/messages', async (req, res) => {
      await adapter.process(req as unknown as BotRequest, res as unknown as BotResponse);
    });
    notifier = createNotifier({
      storage: s.storage,
      conversations,
      messenger: adapter,
      logger,
      clock,
      tabUrl: (p) => `${s.baseUrl}/tab/${p}`,
      authorityHost: s.emu.authorityHost,
    });

    // Bo is an admin of the connection and has the app in a personal chat.
    await s.storage.db.insert(admins).values({ connectionId: s.connectionId, aadObjectId: BO.aad, displayName: BO.name });
    await conversations.save({
      id: conversationId,
      tenantId: s.emu.tenantId,
      scope: 'personal',
      aadObjectId: BO.aad,
      teamId: null,
      reference: {
        channelId: 'msteams',
        serviceUrl: connector.serviceUrl,
        conversation: { id: conversationId, conversationType: 'personal', tenantId: s.emu.tenantId },
        bot: BOT,
        user: { id: BO.id, name: BO.name, aadObjectId: BO.aad },
      },
    });

    // One subscription owner signs in (device code), then the subscription is created.
    const api = (path: string, init: RequestInit = {}) =>
      fetch(`${s.baseUrl}/api/connections/${s.connectionId}${path}`, {
        ...init,
        headers: { ...s.admin, ...(init.headers ?? {}) },
      });
    const start = (await (await api('/owners/device-code', { method: 'POST' })).json()) as {
      signInId: string;
      userCode: string;
      verificationUri: string;
    };
    const approve = await fetch(start.verificationUri, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        user_code: start.userCode,
        username: 'presence-owner1@contoso.com',
        password: 'Owner1-Passw0rd!',
      }),
    });
    expect(approve.status).toBe(200);
    const done = (await (await api(`/owners/device-code/${start.signInId}/poll`, { method: 'POST' })).json()) as {
      status: string;
    };
    expect(done.status).toBe('done');
    await s.watching.tick();
    expect(s.emu.control.subscriptions()).toHaveLength(1);
  });
  afterAll(async () => {
    await notifier?.stop();
    await s?.stop();
    await connector?.stop();
  });

  const admin = { ...BO };
  const conversation = () => ({ conversationType: 'personal', tenantId: s.emu.tenantId, id: conversationId });
  const pressRenew = async () => {
    const act = executeActivity(connector.serviceUrl, admin, conversation() as never, 'renew_now');
    const res = await postActivity(s.baseUrl, act);
    expect(res.status).toBe(200);
    await notifier.idle();
    return cardText((res.json as { value: never }).value);
  };

  it('when Graph refuses the renewal then the admin gets one fault card, and a repeat sends no second card', async () => {
    // 403: not retried by the Graph client (5xx would be), so each press sees one refusal.
    s.emu.control.injectFault({ kind: 'refuse_renewal', status: 403, count: 1 });
    expect(await pressRenew()).toContain('Renewed with failures (0 renewed, 1 failed).');
    s.emu.control.injectFault({ kind: 'refuse_renewal', status: 403, count: 1 });
    expect(await pressRenew()).toContain('(0 renewed, 1 failed)');
    const posts = connector.captured.filter((c) => c.method === 'POST');
    expect(posts).toHaveLength(1);
    const card = cardOf(posts[0]!.body);
    const text = cardText(card);
    expect(text).toContain('A presence subscription could not be renewed');
    expect(text).toMatch(/What: Renewing the presence subscription for group 1 failed/);
    expect(text).toMatch(/Impact: \d+ users affected/);
    expect(cardActions(card).find((a) => a.title === 'Open Presence Sync')?.url).toBe(`${s.baseUrl}/tab/watching`);
  });

  it('when the next renewal succeeds then the same card is updated to healed', async () => {
    expect(await pressRenew()).toContain('Renewed (1 renewed, 0 failed).');
    const post = connector.captured.find((c) => c.method === 'POST')!;
    const put = connector.captured.find((c) => c.method === 'PUT');
    expect(put).toMatchObject({ conversationId, activityId: post.id });
    expect(cardText(cardOf(put!.body))).toContain('Healed: A presence subscription could not be renewed');
    expect(cardText(cardOf(put!.body))).toContain('Occurrences: 2');
  });
});
