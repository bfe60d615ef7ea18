import type { Clock } from '../../api/src/domain/ports.ts';
import type { Db } from '../../api/src/storage/db.ts';
import {
  admins,
  connections,
  cxoneAgents,
  cxoneUnavailableCodes,
  decisions,
  mappings,
  rules,
  subscriptions,
  syncState,
  teamsUsers,
} from '../../api/src/storage/schema.ts';

/** A small, fixed cast for the bot suites, and real Bot Framework activity JSON as Teams sends it. */
export const TENANT = '72f988bf-0000-4000-8000-00000000c0de';
export const BOT = { id: '28:00000000-0000-4000-8000-0000000b0700', name: 'Presence Sync' };
export const ANA = { aad: '0a0a0a0a-0000-4000-8000-000000000a1a', id: '29:1ana', name: 'Ana Diaz', agentId: '1001' };
export const BO = { aad: '0b0b0b0b-0000-4000-8000-000000000b2b', id: '29:1bo', name: 'Bo Chen' };
export const CY = { aad: '0c0c0c0c-0000-4000-8000-000000000c3c', id: '29:1cy', name: 'Cy Park' };
export type Person = { aad: string; id: string; name: string };

/** 10:10 UTC; decisions in the fixtures are a few minutes earlier. Teams users in Europe/London (UTC in November). */
export const NOW = Date.parse('2026-11-26T10:10:00Z');
export const fixedClock = (): Clock & { set(ms: number): void } => {
  let now = NOW;
  return {
    now: () => now,
    set: (ms) => {
      now = ms;
    },
  };
};

export async function seed(db: Db): Promise<{ connectionId: string; ruleId: string }> {
  const [conn] = await db
    .insert(connections)
    .values({
      name: 'Contoso CX',
      tenantId: TENANT,
      azureClientId: 'app-client-id-1234',
      cxoneBaseUrl: 'https://cxone.invalid',
      cxoneAccessKeyId: 'key-id',
      options: { presenceWatch: 'subscriptions', subscriptionGroupSize: 2 },
    })
    .returning();
  const connectionId = conn!.id;
  await db.insert(admins).values({ connectionId, aadObjectId: BO.aad, displayName: BO.name });
  await db.insert(teamsUsers).values([
    { connectionId, userId: ANA.aad, displayName: ANA.name },
    { connectionId, userId: BO.aad, displayName: BO.name },
  ]);
  await db.insert(cxoneAgents).values({ connectionId, agentId: ANA.agentId, firstName: 'Ana', lastName: 'Diaz', teamId: 't1' });
  await db.insert(cxoneUnavailableCodes).values({ connectionId, teamId: 't1', outStateId: 7, name: 'Lunch' });
  await db.insert(mappings).values({ connectionId, agentId: ANA.agentId, userId: ANA.aad, source: 'manual' });
  const [rule] = await db
    .insert(rules)
    .values({
      connectionId,
      name: 'Agents',
      isDefault: true,
      rows: [
        {
          direction: 'to_teams',
          cxone: { condition: 'unavailable', outStateId: 7 },
          teams: { availability: 'Away', activity: 'Away' },
          force: false,
        },
      ],
    })
    .returning();
  await db.insert(syncState).values({
    connectionId,
    agentId: ANA.agentId,
    cxoneState: { state: 'Unavailable', outStateId: 7, startTime: '2026-11-26T10:00:00Z' },
    cxoneSeenAt: new Date(NOW - 600_000),
    teamsPresence: { availability: 'DoNotDisturb', activity: 'DoNotDisturb' },
    teamsSeenAt: new Date(NOW - 480_000),
    teamsSet: { availability: 'Away', activity: 'Away' },
    lastReason: 'manual_status_override',
    lastSyncAt: new Date(NOW - 480_000),
  });
  await db.insert(decisions).values([
    {
      connectionId,
      agentId: ANA.agentId,
      userId: ANA.aad,
      at: new Date('2026-11-26T10:00:30Z'),
      direction: 'cxone_to_teams',
      reason: 'applied',
      ruleId: rule!.id,
      inputs: { cxone: { state: 'Unavailable', outStateId: 7 }, wanted: { availability: 'Away', activity: 'Away' } },
      actions: [{ kind: 'teams_set_session', userId: ANA.aad, pair: { availability: 'Away', activity: 'Away' } }],
    },
    {
      connectionId,
      agentId: ANA.agentId,
      userId: ANA.aad,
      at: new Date('2026-11-26T10:02:00Z'),
      direction: 'cxone_to_teams',
      reason: 'manual_status_override',
      ruleId: rule!.id,
      inputs: {
        cxone: { state: 'Unavailable', outStateId: 7 },
        teams: { availability: 'DoNotDisturb', activity: 'DoNotDisturb' },
        wanted: { availability: 'Away', activity: 'Away' },
      },
    },
    {
      connectionId,
      agentId: ANA.agentId,
      userId: ANA.aad,
      at: new Date('2026-11-26T10:05:00Z'),
      direction: 'cxone_to_teams',
      reason: 'keep_alive',
      ruleId: rule!.id,
    },
  ]);
  await db.insert(subscriptions).values([
    {
      connectionId,
      groupIndex: 0,
      graphSubscriptionId: 'sub-0',
      userIds: [ANA.aad, BO.aad],
      status: 'active',
      expiresAt: new Date(NOW + 40 * 60_000),
      lastRenewedAt: new Date(NOW - 20 * 60_000),
    },
    {
      connectionId,
      groupIndex: 1,
      graphSubscriptionId: 'sub-1',
      userIds: [CY.aad],
      status: 'failed',
      lastError: 'Forbidden: owner token expired',
      lastErrorAt: new Date(NOW - 5 * 60_000),
    },
  ]);
  return { connectionId, ruleId: rule!.id };
}

/** Where a user's personal chat with the bot lives. */
export const personal = (p: Person) => ({ conversationType: 'personal', tenantId: TENANT, id: `a:1personal-${p.id.slice(3)}` });
export const CHANNEL = {
  conversationType: 'channel',
  tenantId: TENANT,
  id: '19:alerts-channel@thread.tacv2',
  isGroup: true,
  name: 'Presence Sync alerts',
};
const TEAM_ID = '19:team-general@thread.tacv2';

type Conversation = ReturnType<typeof personal> | typeof CHANNEL;
let seq = 0;

function base(serviceUrl: string, from: Person, conversation: Conversation) {
  const inChannel = conversation.conversationType === 'channel';
  return {
    id: `1732615${String(++seq).padStart(6, '0')}`,
    channelId: 'msteams',
    serviceUrl,
    timestamp: new Date(NOW).toISOString(),
    localTimestamp: new Date(NOW).toISOString().replace('Z', '+00:00'),
    localTimezone: 'Europe/London',
    locale: 'en-GB',
    from: { id: from.id, name: from.name, aadObjectId: from.aad },
    recipient: BOT,
    conversation,
    channelData: {
      tenant: { id: TENANT },
      ...(inChannel ? { team: { id: TEAM_ID, name: 'Contact centre' }, channel: { id: conversation.id } } : {}),
    },
  };
}

export const messageActivity = (serviceUrl: string, from: Person, conversation: Conversation, text: string) => ({
  ...base(serviceUrl, from, conversation),
  type: 'message',
  text,
  textFormat: 'plain',
});

/** Action.Submit fallback: a message whose value carries the card's data. */
export const submitActivity = (serviceUrl: string, from: Person, conversation: Conversation, data: Record<string, string>) => ({
  ...base(serviceUrl, from, conversation),
  type: 'message',
  value: data,
});

/** Action.Execute: invoke adaptiveCard/action. */
export const executeActivity = (
  serviceUrl: string,
  from: Person,
  conversation: Conversation,
  verb: string,
  data: Record<string, string> = {},
  replyToId = 'activity-card-1',
) => ({
  ...base(serviceUrl, from, conversation),
  type: 'invoke',
  name: 'adaptiveCard/action',
  replyToId,
  value: { action: { type: 'Action.Execute', id: `act-${verb}`, verb, data: { verb, ...data } }, trigger: 'manual' },
});

export const installationUpdate = (serviceUrl: string, from: Person, conversation: Conversation, action: 'add' | 'remove') => ({
  ...base(serviceUrl, from, conversation),
  type: 'installationUpdate',
  action,
  channelData: {
    ...base(serviceUrl, from, conversation).channelData,
    source: { name: 'message' },
    settings: { selectedChannel: { id: conversation.id } },
  },
});

export const botAdded = (serviceUrl: string, from: Person, conversation: Conversation) => ({
  ...base(serviceUrl, from, conversation),
  type: 'conversationUpdate',
  membersAdded: [{ id: BOT.id }],
  channelData: {
    ...base(serviceUrl, from, conversation).channelData,
    ...(conversation.conversationType === 'channel' ? { eventType: 'teamMemberAdded' } : {}),
  },
});

export const botRemoved = (serviceUrl: string, from: Person, conversation: Conversation) => ({
  ...base(serviceUrl, from, conversation),
  type: 'conversationUpdate',
  membersRemoved: [{ id: BOT.id }],
  channelData: {
    ...base(serviceUrl, from, conversation).channelData,
    ...(conversation.conversationType === 'channel' ? { eventType: 'teamMemberRemoved' } : {}),
  },
});

export async function postActivity(appUrl: string, activity: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`${appUrl}/api/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(activity),
  });
  const text = await res.text();
  let json: unknown = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = text;
  }
  return { status: res.status, json };
}
