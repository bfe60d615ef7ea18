import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../api/src/config.ts';
import { admins, botConversations, connections, mappings } from '../../api/src/storage/schema.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { type BotConnector, cardActions, cardOf, cardProblems, cardText, startBotConnector } from '../support/bot-connector.ts';
import {
  ANA,
  BO,
  botAdded,
  botRemoved,
  CHANNEL,
  CY,
  executeActivity,
  fixedClock,
  installationUpdate,
  messageActivity,
  personal,
  postActivity,
  seed,
  submitActivity,
} from './fixtures.ts';

describe('bot over HTTP: real Bot Framework activities to /api/messages', () => {
  let app: TestApp;
  let connector: BotConnector;
  let connectionId: string;
  const renewCalls: string[] = [];

  beforeAll(async () => {
    connector = await startBotConnector();
    app = await startTestApp(
      { BOT_AUTH_DISABLED: 'true' },
      {
        clock: fixedClock(),
        renewSubscriptionsNow: async (id) => {
          renewCalls.push(id);
          return { renewed: 1, failed: 0 };
        },
      },
    );
    ({ connectionId } = await seed(app.storage.db));
  });
  afterAll(async () => {
    await app?.stop();
    await connector?.stop();
  });

  /** Posts an activity and returns what the bot sent back to the connector for it. */
  async function say(activity: { id: string; conversation: { id: string } }) {
    const res = await postActivity(app.url, activity);
    expect(res.status).toBe(200);
    return connector.waitFor((c) => c.conversationId === activity.conversation.id && c.activityId === activity.id);
  }

  it('when auth is disabled then start-up says so in the log', () => {
    expect(app.logs.some((l) => String(l.msg).includes('Bot Framework authentication is DISABLED'))).toBe(true);
  });

  it('when the app is installed in a personal scope then the conversation reference is stored, without a message', async () => {
    const act = installationUpdate(connector.serviceUrl, ANA, personal(ANA), 'add');
    const res = await postActivity(app.url, act);
    expect(res.status).toBe(200);
    const [row] = await app.storage.db
      .select()
      .from(botConversations)
      .where(eq(botConversations.id, personal(ANA).id));
    expect(row).toMatchObject({ scope: 'personal', aadObjectId: ANA.aad, tenantId: personal(ANA).tenantId });
    expect(row!.reference).toMatchObject({ serviceUrl: connector.serviceUrl, conversation: { id: personal(ANA).id } });
    expect(connector.captured.filter((c) => c.activityId === act.id)).toHaveLength(0);
  });

  it('when the bot is added to a personal chat then it stores it and says hello with the commands', async () => {
    const act = botAdded(connector.serviceUrl, BO, personal(BO));
    const sent = await say(act);
    const card = cardOf(sent.body);
    expect(card).toMatchObject({ type: 'AdaptiveCard', version: '1.5' });
    expect(sent.body.text).toContain('status');
    expect(cardText(card)).toContain('subscriptions'); // Bo is an admin: admin commands listed
    const [row] = await app.storage.db
      .select()
      .from(botConversations)
      .where(eq(botConversations.id, personal(BO).id));
    expect(row?.aadObjectId).toBe(BO.aad);
  });

  it('when an agent asks "status" then a 1.5 card shows CXone state, Teams status, what we set, the rule and last sync', async () => {
    const act = messageActivity(connector.serviceUrl, ANA, personal(ANA), 'status');
    const sent = await say(act);
    expect(sent.method).toBe('POST');
    const card = cardOf(sent.body);
    expect(card.version).toBe('1.5');
    expect(card.fallbackText).toBe(sent.body.text);
    const text = cardText(card);
    expect(text).toContain('CXone state: Lunch (since 10:00)');
    expect(text).toContain('Teams status: Do not disturb');
    expect(text).toContain('Presence Sync set: Away');
    expect(text).toContain('Rule: Agents (the default rule)');
    expect(text).toContain('Last sync: 10:02');
    expect(sent.body.text).toContain('Lunch');
  });

  it('when an agent asks "why didn\'t my status change?" then the latest real decision is explained with the fix and a reset button', async () => {
    const act = messageActivity(connector.serviceUrl, ANA, personal(ANA), "Why didn't my status change?");
    const sent = await say(act);
    const card = cardOf(sent.body);
    const text = cardText(card);
    expect(text).toContain("You set your Teams status by hand (Do not disturb) at 10:02, so Presence Sync can't change it.");
    expect(text).toContain('In Teams, select your status → Reset status.');
    expect(text).toContain('Applied the rule'); // the earlier decision, listed below
    expect(text).not.toContain('Renewed'); // keep-alives are noise, not an answer
    const reset = cardActions(card).find((a) => a.title === 'Show me how to reset my status');
    expect(reset).toMatchObject({
      type: 'Action.Execute',
      verb: 'reset_help',
      fallback: { type: 'Action.Submit', data: { verb: 'reset_help' } },
    });
  });

  it('when an agent asks "why am I busy" then it is understood as why', async () => {
    const sent = await say(messageActivity(connector.serviceUrl, ANA, personal(ANA), 'why am I busy?'));
    expect(cardText(cardOf(sent.body))).toContain('by hand');
  });

  it('when the Action.Execute button is pressed then the invoke answers 200 with an updated card', async () => {
    const act = executeActivity(connector.serviceUrl, ANA, personal(ANA), 'reset_help');
    const res = await postActivity(app.url, act);
    expect(res.status).toBe(200);
    const body = res.json as {
      statusCode: number;
      type: string;
      value: { version: string; body: unknown[]; fallbackText: string };
    };
    expect(body.statusCode).toBe(200);
    expect(body.type).toBe('application/vnd.microsoft.card.adaptive');
    expect(body.value.version).toBe('1.5');
    expect(cardProblems(body.value as never)).toEqual([]);
    expect(cardText(body.value as never)).toContain('Reset status');
  });

  it('when the Action.Submit fallback arrives as a message with value then the bot answers with a new message', async () => {
    const act = submitActivity(connector.serviceUrl, ANA, personal(ANA), { verb: 'status' });
    const sent = await say(act);
    expect(cardText(cardOf(sent.body))).toContain('CXone state: Lunch');
  });

  it('when the input is unknown, empty or odd then the bot answers with friendly help, never an error', async () => {
    for (const text of ['asdf qwerty', '', '   ', '<at>Presence Sync</at>', '🙂'.repeat(2000)]) {
      const act = messageActivity(connector.serviceUrl, ANA, personal(ANA), text);
      const sent = await say(act);
      const t = cardText(cardOf(sent.body));
      expect(t).toContain('You can ask me');
    }
    const weird = await say({ ...submitActivity(connector.serviceUrl, ANA, personal(ANA), { verb: 'explode' }) });
    expect(cardText(cardOf(weird.body))).toContain('You can ask me');
    const unknownInvoke = await postActivity(app.url, {
      ...executeActivity(connector.serviceUrl, ANA, personal(ANA), 'x'),
      name: 'task/fetch',
    });
    expect(unknownInvoke.status).toBe(200);
    const event = await postActivity(app.url, {
      ...messageActivity(connector.serviceUrl, ANA, personal(ANA), ''),
      type: 'event',
      name: 'x',
    });
    expect(event.status).toBe(200);
  });

  it('when malformed activities arrive then the endpoint answers 4xx/2xx, never 5xx, and sends nothing odd', async () => {
    const n = connector.captured.length;
    const bodies: unknown[] = [
      {},
      { type: 'message' },
      { type: 'message', text: 'status', serviceUrl: connector.serviceUrl, channelId: 'msteams' },
      { type: 'message', text: 'status', serviceUrl: connector.serviceUrl, channelId: 'msteams', conversation: { id: 'c-x' } },
      {
        type: 'invoke',
        name: 'adaptiveCard/action',
        serviceUrl: connector.serviceUrl,
        conversation: { id: 'c-y' },
        value: 'nope',
      },
      { type: 'installationUpdate', action: 'weird', serviceUrl: connector.serviceUrl, conversation: { id: 'c-z' } },
      [1, 2, 3],
    ];
    for (const body of bodies) {
      const res = await postActivity(app.url, body);
      expect(res.status, `${JSON.stringify(body)} → ${JSON.stringify(res.json)}`).toBeLessThan(500);
    }
    const raw = await fetch(`${app.url}/api/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{nope',
    });
    expect(raw.status).toBe(400);
    // The user-less message got the friendly help (no user = no data), nothing else.
    const extra = connector.captured.slice(n);
    for (const c of extra) expect(cardText(cardOf(c.body))).toContain('You can ask me');
  });

  it('when an unmapped user asks why then the answer says so and names the admins', async () => {
    const sent = await say(messageActivity(connector.serviceUrl, CY, personal(CY), 'why'));
    const text = cardText(cardOf(sent.body));
    expect(text).toContain("You're not mapped to a CXone agent yet");
    expect(text).toContain('Bo Chen');
  });

  it('when a non-admin asks for subscriptions or health then the bot refuses politely and names the admins', async () => {
    for (const cmd of ['subscriptions', 'health']) {
      const sent = await say(messageActivity(connector.serviceUrl, ANA, personal(ANA), cmd));
      const text = cardText(cardOf(sent.body));
      expect(text).toContain('for Presence Sync admins only');
      expect(text).toContain('Bo Chen');
      expect(text).not.toContain('sub-');
    }
    const res = await postActivity(app.url, executeActivity(connector.serviceUrl, ANA, personal(ANA), 'renew_now'));
    expect(cardText((res.json as { value: never }).value)).toContain('admins only');
    expect(renewCalls).toHaveLength(0);
  });

  it('when an admin asks for subscriptions then counts and failures show, and "Renew now" renews and updates the card', async () => {
    const sent = await say(messageActivity(connector.serviceUrl, BO, personal(BO), 'subscriptions'));
    const card = cardOf(sent.body);
    const text = cardText(card);
    expect(text).toContain('2 (1 active, 1 failed, 0 planned, 0 removed)');
    expect(text).toContain('Group 2 (1 users): Forbidden: owner token expired');
    expect(cardActions(card).map((a) => a.title)).toContain('Renew now');
    const res = await postActivity(app.url, executeActivity(connector.serviceUrl, BO, personal(BO), 'renew_now'));
    expect(res.status).toBe(200);
    const updated = (res.json as { value: never }).value;
    expect(cardText(updated)).toContain('Renewed (1 renewed, 0 failed).');
    expect(renewCalls).toEqual([connectionId]);
  });

  it('when an admin asks for health then mapped users, open faults and the last hour show', async () => {
    const sent = await say(messageActivity(connector.serviceUrl, BO, personal(BO), 'health'));
    const text = cardText(cardOf(sent.body));
    expect(text).toContain('Connection: Contoso CX');
    expect(text).toContain('Mapped users: 1 (1 in sync)');
    expect(text).toContain('Last decision: 10:05');
  });

  it('when a user is mapped in one connection and admin of another in the tenant then admin commands act on the one they administer', async () => {
    const DI = { aad: '0d0d0d0d-0000-4000-8000-000000000d4d', id: '29:1di', name: 'Di Ray' };
    const [other] = await app.storage.db
      .insert(connections)
      .values({
        name: 'Fabrikam BU',
        tenantId: personal(DI).tenantId,
        azureClientId: 'x',
        cxoneBaseUrl: 'https://cxone.invalid',
        cxoneAccessKeyId: 'k',
      })
      .returning();
    await app.storage.db.insert(mappings).values({ connectionId, agentId: '1002', userId: DI.aad, source: 'manual' });
    await app.storage.db.insert(admins).values({ connectionId: other!.id, aadObjectId: DI.aad, displayName: DI.name });
    const sent = await say(messageActivity(connector.serviceUrl, DI, personal(DI), 'health'));
    expect(cardText(cardOf(sent.body))).toContain('Connection: Fabrikam BU');
    const status = await say(messageActivity(connector.serviceUrl, DI, personal(DI), 'status'));
    expect(cardText(cardOf(status.body))).toContain('Rule: Agents'); // their own data comes from the connection they are mapped in
  });

  it('when a message arrives with a new serviceUrl then the stored reference follows it', async () => {
    const other = await startBotConnector();
    try {
      const act = messageActivity(other.serviceUrl, ANA, personal(ANA), 'help');
      const res = await postActivity(app.url, act);
      expect(res.status).toBe(200);
      await other.waitFor((c) => c.activityId === act.id);
      const [row] = await app.storage.db
        .select()
        .from(botConversations)
        .where(eq(botConversations.id, personal(ANA).id));
      expect(row!.reference).toMatchObject({ serviceUrl: other.serviceUrl });
    } finally {
      await postActivity(app.url, messageActivity(connector.serviceUrl, ANA, personal(ANA), 'help'));
      await other.stop();
    }
  });

  it('when the bot is added to a team channel by an admin then the installer is kept and personal data stays private there', async () => {
    const added = await say(botAdded(connector.serviceUrl, BO, CHANNEL));
    expect(cardText(cardOf(added.body))).toContain('fault notifications');
    const sent = await say(messageActivity(connector.serviceUrl, ANA, CHANNEL, '<at>Presence Sync</at> status'));
    expect(cardText(cardOf(sent.body))).toContain('personal chat');
    expect(cardText(cardOf(sent.body))).not.toContain('Lunch');
    // A reply in a thread: Teams names the thread in the conversation id; the bot replies there but
    // keeps the channel itself as the stored reference (new posts for proactive cards).
    const thread = { ...CHANNEL, id: `${CHANNEL.id};messageid=1732615000001` };
    const inThread = await say(messageActivity(connector.serviceUrl, ANA, thread, 'help'));
    expect(inThread.conversationId).toBe(thread.id);
    const rows = await app.storage.db.select().from(botConversations).where(eq(botConversations.scope, 'channel'));
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ id: CHANNEL.id, aadObjectId: BO.aad, teamId: '19:team-general@thread.tacv2' });
    expect(rows[0]!.reference).toMatchObject({ conversation: { id: CHANNEL.id } });
  });

  it('when the app is uninstalled (installationUpdate remove, or the bot removed) then the reference is deleted', async () => {
    await postActivity(app.url, installationUpdate(connector.serviceUrl, CY, personal(CY), 'add'));
    const res = await postActivity(app.url, installationUpdate(connector.serviceUrl, CY, personal(CY), 'remove'));
    expect(res.status).toBe(200);
    expect(
      await app.storage.db
        .select()
        .from(botConversations)
        .where(eq(botConversations.id, personal(CY).id)),
    ).toHaveLength(0);
    const channelGone = await postActivity(app.url, botRemoved(connector.serviceUrl, BO, CHANNEL));
    expect(channelGone.status).toBe(200);
    expect(await app.storage.db.select().from(botConversations).where(eq(botConversations.id, CHANNEL.id))).toHaveLength(0);
  });
});

describe('bot endpoint security', () => {
  it('when production is configured with BOT_AUTH_DISABLED then the configuration is refused', () => {
    expect(() =>
      loadConfig({
        NODE_ENV: 'production',
        BOT_AUTH_DISABLED: 'true',
        BOT_ID: 'id',
        BOT_PASSWORD: 'pw',
        ENCRYPTION_KEY: 'MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=',
        PUBLIC_BASE_URL: 'https://ps.example.com',
        AAD_APP_CLIENT_ID: 'client',
      }),
    ).toThrow(/BOT_AUTH_DISABLED: must not be set when NODE_ENV=production/);
  });

  it('when BOT_ID/BOT_PASSWORD are set then an activity without a Bot Framework token is refused and nothing is sent', async () => {
    const connector = await startBotConnector();
    const app = await startTestApp({ BOT_ID: '00000000-0000-4000-8000-0000000b0700', BOT_PASSWORD: 'not-a-real-secret' });
    try {
      expect(app.logs.some((l) => l.botAuth === 'enabled')).toBe(true);
      const res = await postActivity(app.url, messageActivity(connector.serviceUrl, ANA, personal(ANA), 'status'));
      expect(res.status).toBe(401);
      expect(app.logs.some((l) => l.msg === 'bot: activity without a Bot Framework token refused')).toBe(true);
      const forged = await postActivity(app.url, messageActivity(connector.serviceUrl, ANA, personal(ANA), 'status'), {
        authorization: 'Bearer eyJhbGciOiJub25lIn0.eyJhdWQiOiJ4In0.',
      });
      expect(forged.status).toBe(401);
      expect(connector.captured).toHaveLength(0);
      expect(app.rawLogs()).not.toContain('not-a-real-secret');
    } finally {
      await app.stop();
      await connector.stop();
    }
  });

  it('when the bot is not configured at all then /api/messages answers 503 and says why', async () => {
    const app = await startTestApp();
    try {
      const res = await postActivity(app.url, { type: 'message', text: 'hi' });
      expect(res.status).toBe(503);
      expect(res.json).toMatchObject({ error: { code: 'bot_not_configured' } });
    } finally {
      await app.stop();
    }
  });
});
