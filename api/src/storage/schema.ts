import { sql } from 'drizzle-orm';
import {
  bigserial,
  boolean,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  real,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';

/**
 * The whole schema. Change it only by editing this file and running `npm run db:generate`,
 * which writes a new versioned migration under api/src/storage/migrations.
 * Encrypted columns end in `_enc` and hold the output of crypto/secrets.ts.
 */

const ts = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });
const created = () => ts('created_at').notNull().defaultNow();
const updated = () => ts('updated_at').notNull().defaultNow();

/** One CXone business unit connected to one Azure (Entra) tenant. */
export const connections = pgTable(
  'connections',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    name: text('name').notNull(),
    /** The Entra tenant that owns this connection; every admin query is scoped by it. */
    tenantId: text('tenant_id').notNull(),
    azureClientId: text('azure_client_id').notNull(),
    azureClientSecretEnc: text('azure_client_secret_enc'),
    azureClientSecretUpdatedAt: ts('azure_client_secret_updated_at'),
    azureClientSecretExpiresAt: ts('azure_client_secret_expires_at'),
    cxoneBaseUrl: text('cxone_base_url').notNull(),
    cxoneAuthUrl: text('cxone_auth_url'),
    cxoneAccessKeyId: text('cxone_access_key_id').notNull(),
    cxoneAccessKeySecretEnc: text('cxone_access_key_secret_enc'),
    cxoneAccessKeySecretUpdatedAt: ts('cxone_access_key_secret_updated_at'),
    cxoneBusinessUnitId: text('cxone_business_unit_id'),
    /** Shared secret for POST /api/cxone/events (push mode). */
    cxonePushSecretEnc: text('cxone_push_secret_enc'),
    /** Options: subscription group size, CXone change mode, system-user mode, default rule, notices… */
    options: jsonb('options').notNull().default(sql`'{}'::jsonb`),
    createdAt: created(),
    updatedAt: updated(),
  },
  (t) => [index('connections_tenant_idx').on(t.tenantId)],
);

export const admins = pgTable(
  'admins',
  {
    connectionId: uuid('connection_id')
      .notNull()
      .references(() => connections.id, { onDelete: 'cascade' }),
    aadObjectId: text('aad_object_id').notNull(),
    displayName: text('display_name'),
    addedBy: text('added_by'),
    createdAt: created(),
  },
  (t) => [primaryKey({ columns: [t.connectionId, t.aadObjectId] })],
);

export const cxoneTeams = pgTable(
  'cxone_teams',
  {
    connectionId: uuid('connection_id')
      .notNull()
      .references(() => connections.id, { onDelete: 'cascade' }),
    teamId: text('team_id').notNull(),
    name: text('name').notNull(),
    isActive: boolean('is_active').notNull().default(true),
    updatedAt: updated(),
  },
  (t) => [primaryKey({ columns: [t.connectionId, t.teamId] })],
);

export const cxoneAgents = pgTable(
  'cxone_agents',
  {
    connectionId: uuid('connection_id')
      .notNull()
      .references(() => connections.id, { onDelete: 'cascade' }),
    agentId: text('agent_id').notNull(),
    userName: text('user_name'),
    firstName: text('first_name'),
    lastName: text('last_name'),
    email: text('email'),
    teamId: text('team_id'),
    isActive: boolean('is_active').notNull().default(true),
    updatedAt: updated(),
  },
  (t) => [
    primaryKey({ columns: [t.connectionId, t.agentId] }),
    index('cxone_agents_email_idx').on(t.connectionId, t.email),
    index('cxone_agents_team_idx').on(t.connectionId, t.teamId),
  ],
);

export const cxoneUnavailableCodes = pgTable(
  'cxone_unavailable_codes',
  {
    connectionId: uuid('connection_id')
      .notNull()
      .references(() => connections.id, { onDelete: 'cascade' }),
    teamId: text('team_id').notNull(),
    outStateId: integer('out_state_id').notNull(),
    name: text('name').notNull(),
    isAcw: boolean('is_acw').notNull().default(false),
    isActive: boolean('is_active').notNull().default(true),
  },
  (t) => [primaryKey({ columns: [t.connectionId, t.teamId, t.outStateId] })],
);

export const teamsUsers = pgTable(
  'teams_users',
  {
    connectionId: uuid('connection_id')
      .notNull()
      .references(() => connections.id, { onDelete: 'cascade' }),
    userId: text('user_id').notNull(),
    userPrincipalName: text('user_principal_name'),
    mail: text('mail'),
    displayName: text('display_name'),
    updatedAt: updated(),
  },
  (t) => [
    primaryKey({ columns: [t.connectionId, t.userId] }),
    index('teams_users_upn_idx').on(t.connectionId, t.userPrincipalName),
  ],
);

/** A CXone agent ⇄ Teams user pair. `included=false` keeps the pair but leaves it out of sync. */
export const mappings = pgTable(
  'mappings',
  {
    connectionId: uuid('connection_id')
      .notNull()
      .references(() => connections.id, { onDelete: 'cascade' }),
    agentId: text('agent_id').notNull(),
    userId: text('user_id').notNull(),
    included: boolean('included').notNull().default(true),
    /** auto_exact | auto_confirmed | manual */
    source: text('source').notNull(),
    confidence: real('confidence'),
    signal: text('signal'),
    createdAt: created(),
    updatedAt: updated(),
  },
  (t) => [primaryKey({ columns: [t.connectionId, t.agentId] }), uniqueIndex('mappings_user_uq').on(t.connectionId, t.userId)],
);

export const rules = pgTable(
  'rules',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    connectionId: uuid('connection_id')
      .notNull()
      .references(() => connections.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    /** RuleRow[] as validated by domain/rules.ts */
    rows: jsonb('rows').notNull(),
    isDefault: boolean('is_default').notNull().default(false),
    version: integer('version').notNull().default(1),
    createdAt: created(),
    updatedAt: updated(),
  },
  (t) => [uniqueIndex('rules_name_uq').on(t.connectionId, t.name)],
);

/** One rule per team and per user at most: a conflicting assignment cannot be saved. */
export const ruleAssignments = pgTable(
  'rule_assignments',
  {
    connectionId: uuid('connection_id')
      .notNull()
      .references(() => connections.id, { onDelete: 'cascade' }),
    ruleId: uuid('rule_id')
      .notNull()
      .references(() => rules.id, { onDelete: 'cascade' }),
    /** team | user (user = CXone agent id) */
    targetType: text('target_type').notNull(),
    targetId: text('target_id').notNull(),
    createdAt: created(),
  },
  (t) => [primaryKey({ columns: [t.connectionId, t.targetType, t.targetId] })],
);

/** What each side last showed and what we last set, per mapped agent. */
export const syncState = pgTable(
  'sync_state',
  {
    connectionId: uuid('connection_id')
      .notNull()
      .references(() => connections.id, { onDelete: 'cascade' }),
    agentId: text('agent_id').notNull(),
    cxoneState: jsonb('cxone_state'),
    cxoneSeenAt: ts('cxone_seen_at'),
    teamsPresence: jsonb('teams_presence'),
    teamsSeenAt: ts('teams_seen_at'),
    /** What our presence session (or preferred presence) currently holds, if we set one. */
    teamsSet: jsonb('teams_set'),
    /** The CXone state we set, if the current one is ours. */
    cxoneSet: jsonb('cxone_set'),
    /** Teams → CXone change waiting for a contact to end. */
    pending: jsonb('pending'),
    lastReason: text('last_reason'),
    lastSyncAt: ts('last_sync_at'),
    updatedAt: updated(),
  },
  (t) => [primaryKey({ columns: [t.connectionId, t.agentId] })],
);

export const decisions = pgTable(
  'decisions',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    connectionId: uuid('connection_id')
      .notNull()
      .references(() => connections.id, { onDelete: 'cascade' }),
    agentId: text('agent_id'),
    userId: text('user_id'),
    at: ts('at').notNull().defaultNow(),
    /** cxone_to_teams | teams_to_cxone | none */
    direction: text('direction').notNull(),
    reason: text('reason').notNull(),
    ruleId: uuid('rule_id'),
    rowIndex: integer('row_index'),
    inputs: jsonb('inputs').notNull().default(sql`'{}'::jsonb`),
    actions: jsonb('actions').notNull().default(sql`'[]'::jsonb`),
    /** Milliseconds from the triggering event to the write, when known. */
    delayMs: integer('delay_ms'),
  },
  (t) => [
    index('decisions_agent_idx').on(t.connectionId, t.agentId, t.at),
    index('decisions_reason_idx').on(t.connectionId, t.reason, t.at),
    index('decisions_at_idx').on(t.connectionId, t.at),
  ],
);

/** Accounts that own presence subscriptions (delegated sign-in, or seed-mode system users). */
export const subscriptionOwners = pgTable(
  'subscription_owners',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    connectionId: uuid('connection_id')
      .notNull()
      .references(() => connections.id, { onDelete: 'cascade' }),
    userId: text('user_id').notNull(),
    userPrincipalName: text('user_principal_name').notNull(),
    /** signed_in | system_user */
    kind: text('kind').notNull(),
    refreshTokenEnc: text('refresh_token_enc'),
    passwordEnc: text('password_enc'),
    /** ok | refresh_failed | pending */
    tokenStatus: text('token_status').notNull().default('ok'),
    lastError: text('last_error'),
    lastRefreshAt: ts('last_refresh_at'),
    createdAt: created(),
  },
  (t) => [uniqueIndex('subscription_owners_user_uq').on(t.connectionId, t.userId)],
);

export const subscriptions = pgTable(
  'subscriptions',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    connectionId: uuid('connection_id')
      .notNull()
      .references(() => connections.id, { onDelete: 'cascade' }),
    groupIndex: integer('group_index').notNull(),
    graphSubscriptionId: text('graph_subscription_id'),
    ownerId: uuid('owner_id').references(() => subscriptionOwners.id, { onDelete: 'set null' }),
    userIds: jsonb('user_ids').notNull().default(sql`'[]'::jsonb`),
    clientStateEnc: text('client_state_enc'),
    /** planned | active | failed | removed */
    status: text('status').notNull().default('planned'),
    expiresAt: ts('expires_at'),
    lastRenewedAt: ts('last_renewed_at'),
    lastNotificationAt: ts('last_notification_at'),
    /** When the current Graph subscription was created: a change before it cannot count against it. */
    subscribedAt: ts('subscribed_at'),
    /** Reader-seen changes no notification has explained yet (watch/silence.ts), shared by replicas. */
    suspicion: jsonb('suspicion'),
    lastError: text('last_error'),
    lastErrorAt: ts('last_error_at'),
    createdAt: created(),
    updatedAt: updated(),
  },
  (t) => [uniqueIndex('subscriptions_graph_id_uq').on(t.graphSubscriptionId), index('subscriptions_conn_idx').on(t.connectionId)],
);

/** Certificates Graph uses to encrypt presence resource data for us. */
export const encryptionCerts = pgTable('encryption_certs', {
  id: text('id').primaryKey(),
  connectionId: uuid('connection_id')
    .notNull()
    .references(() => connections.id, { onDelete: 'cascade' }),
  certPem: text('cert_pem').notNull(),
  privateKeyEnc: text('private_key_enc').notNull(),
  active: boolean('active').notNull().default(true),
  createdAt: created(),
  expiresAt: ts('expires_at').notNull(),
});

/** Webhook bodies persisted before the 202, processed asynchronously. */
export const notificationInbox = pgTable(
  'notification_inbox',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    connectionId: uuid('connection_id'),
    /** graph_change | graph_lifecycle | cxone_event */
    kind: text('kind').notNull(),
    payload: jsonb('payload').notNull(),
    receivedAt: ts('received_at').notNull().defaultNow(),
    processedAt: ts('processed_at'),
    error: text('error'),
  },
  (t) => [index('notification_inbox_pending_idx').on(t.processedAt, t.id)],
);

/**
 * Events accepted by a replica that does not run the connection's engine (a CXone push the load
 * balancer sent elsewhere, a settings change saved there), waiting for the replica that does: it is
 * woken by `NOTIFY engine_inbox`, takes rows with FOR UPDATE SKIP LOCKED and deletes what it took.
 * Rows nobody took within minutes are pruned (a new holder's first sweep re-reads everything anyway).
 * api/src/sync/engine-relay.ts.
 */
export const engineInbox = pgTable(
  'engine_inbox',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    connectionId: uuid('connection_id')
      .notNull()
      .references(() => connections.id, { onDelete: 'cascade' }),
    /** api/src/sync/relay-codec.ts: {v, event, sequence?} */
    payload: jsonb('payload').notNull(),
    createdAt: created(),
  },
  (t) => [index('engine_inbox_conn_idx').on(t.connectionId, t.id)],
);

/** Named leases: one replica at a time does the named work (engine of a connection, renewals…). */
export const leases = pgTable('leases', {
  name: text('name').primaryKey(),
  holder: text('holder').notNull(),
  expiresAt: ts('expires_at').notNull(),
});

/** Persisted cursors (e.g. CXone `lastPollTime`) so a restart neither misses nor replays changes. */
export const cursors = pgTable(
  'cursors',
  {
    connectionId: uuid('connection_id')
      .notNull()
      .references(() => connections.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    value: text('value').notNull(),
    updatedAt: updated(),
  },
  (t) => [primaryKey({ columns: [t.connectionId, t.name] })],
);

export const botConversations = pgTable(
  'bot_conversations',
  {
    id: text('id').primaryKey(),
    tenantId: text('tenant_id'),
    /** personal | channel | groupChat */
    scope: text('scope').notNull(),
    aadObjectId: text('aad_object_id'),
    teamId: text('team_id'),
    reference: jsonb('reference').notNull(),
    updatedAt: updated(),
  },
  (t) => [index('bot_conversations_user_idx').on(t.aadObjectId)],
);

/** Faults shown to admins; one row per (connection, kind, key) while open, so repeats are deduplicated. */
export const alerts = pgTable(
  'alerts',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    connectionId: uuid('connection_id')
      .notNull()
      .references(() => connections.id, { onDelete: 'cascade' }),
    kind: text('kind').notNull(),
    key: text('key').notNull(),
    /** open | healed */
    status: text('status').notNull().default('open'),
    firstAt: ts('first_at').notNull().defaultNow(),
    lastAt: ts('last_at').notNull().defaultNow(),
    healedAt: ts('healed_at'),
    count: integer('count').notNull().default(1),
    details: jsonb('details').notNull().default(sql`'{}'::jsonb`),
    /** Sent cards, so the heal follow-up updates the same card: [{conversationId, activityId}] */
    cards: jsonb('cards').notNull().default(sql`'[]'::jsonb`),
  },
  (t) => [index('alerts_conn_idx').on(t.connectionId, t.status)],
);

export const auditLog = pgTable(
  'audit_log',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    connectionId: uuid('connection_id'),
    tenantId: text('tenant_id').notNull(),
    actor: text('actor').notNull(),
    action: text('action').notNull(),
    target: text('target'),
    before: jsonb('before'),
    after: jsonb('after'),
    at: ts('at').notNull().defaultNow(),
  },
  (t) => [index('audit_conn_idx').on(t.connectionId, t.at)],
);

/** Long operations (directory sync) whose progress the tab polls. */
export const jobs = pgTable('jobs', {
  id: uuid('id').primaryKey().defaultRandom(),
  connectionId: uuid('connection_id')
    .notNull()
    .references(() => connections.id, { onDelete: 'cascade' }),
  kind: text('kind').notNull(),
  /** queued | running | succeeded | failed */
  status: text('status').notNull().default('queued'),
  progress: jsonb('progress').notNull().default(sql`'{}'::jsonb`),
  result: jsonb('result'),
  error: text('error'),
  createdAt: created(),
  updatedAt: updated(),
});
