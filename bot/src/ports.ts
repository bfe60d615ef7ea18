import type { PresencePair } from '../../api/src/domain/presence.ts';
import type { ReasonCode } from '../../api/src/domain/reasons.ts';

/**
 * The bot's narrow view of the engine and its storage. The server implements it
 * (api/src/bot-backend/); the bot never reads tables or calls Graph/CXone itself.
 * Every method is scoped by the caller: the bot passes the Teams user it identified from
 * `from.aadObjectId` and only ever asks for that user's own data, or admin data for admins.
 */
export interface BotBackend {
  whoAmI(aadObjectId: string, tenantId: string): Promise<WhoAmI>;
  status(who: MappedUser): Promise<StatusView>;
  recentDecisions(who: MappedUser, limit: number): Promise<DecisionView[]>;
  admins(connectionId: string): Promise<AdminView[]>;
  /** Open faults of the connection (what admins were alerted about). */
  openAlerts(connectionId: string): Promise<AlertView[]>;
  subscriptionsSummary(connectionId: string): Promise<SubscriptionsSummary>;
  health(connectionId: string): Promise<HealthView>;
  renewSubscriptionsNow(connectionId: string): Promise<RenewResult>;
}

export interface WhoAmI {
  aadObjectId: string;
  tenantId: string;
  /** The connection this user belongs to (mapped in it, else admin of it, else the tenant's only one); null = none set up. */
  connectionId: string | null;
  connectionName: string | null;
  /** The CXone agent this Teams user is mapped to in that connection. */
  agent: { agentId: string; name: string | null; included: boolean } | null;
  /** Admin of some connection in the tenant (`adminConnectionId`). */
  isAdmin: boolean;
  /** The connection admin commands act on: `connectionId` when the user administers it, else another one they do. */
  adminConnectionId: string | null;
}

export interface MappedUser {
  connectionId: string;
  agentId: string;
  aadObjectId: string;
}

export interface CxoneStateView {
  /** CXone state name, e.g. Available, Unavailable, InboundContact. */
  state: string;
  /** The unavailable code's name (e.g. "Lunch"), when there is one. */
  outStateName: string | null;
  since: number | null;
}

export interface StatusView {
  cxoneState: CxoneStateView | null;
  cxoneSeenAt: number | null;
  teamsPresence: PresencePair | null;
  teamsSeenAt: number | null;
  /** What Presence Sync's own Teams session holds right now (null = nothing set). */
  whatWeSet: PresencePair | null;
  /** The CXone state Presence Sync set, when the current one is ours. */
  cxoneWeSet: string | null;
  rule: { id: string; name: string; via: 'user' | 'team' | 'default' } | null;
  lastReason: ReasonCode | null;
  lastSyncAt: number | null;
}

export interface DecisionView {
  at: number;
  direction: 'cxone_to_teams' | 'teams_to_cxone' | 'none';
  /** A known reason code; unknown codes recorded by newer versions arrive as 'unknown'. */
  reason: ReasonCode | 'unknown';
  rawReason: string;
  ruleName: string | null;
  /** The CXone state the decision looked at, as people say it ("Lunch", "Available"). */
  cxoneState: string | null;
  /** The CXone state was an agent-to-agent call. */
  agentToAgent: boolean;
  /** The Teams presence the decision saw. */
  teamsObserved: PresencePair | null;
  /** The Teams presence the rule wanted. */
  teamsWanted: PresencePair | null;
  /** The CXone state the rule wanted (Teams → CXone). */
  cxoneWanted: string | null;
  /** Missing permission name, for permission_missing. */
  permission: string | null;
  /** When the engine will retry, for throttled. */
  retryAt: number | null;
}

export interface AdminView {
  aadObjectId: string;
  displayName: string | null;
}

export interface AlertView {
  kind: string;
  key: string;
  message: string;
  firstAt: number;
  lastAt: number;
  count: number;
  impactUsers: number | null;
}

export interface SubscriptionsSummary {
  presenceWatch: 'reader' | 'subscriptions';
  total: number;
  active: number;
  failed: number;
  planned: number;
  removed: number;
  usersCovered: number;
  nextExpiryAt: number | null;
  lastRenewedAt: number | null;
  failing: { groupIndex: number; users: number; lastError: string | null; lastErrorAt: number | null }[];
}

export interface HealthView {
  connectionName: string;
  mappedUsers: number;
  includedUsers: number;
  lastDecisionAt: number | null;
  /** Decisions in the last hour, by reason code. */
  lastHour: Record<string, number>;
  openAlerts: AlertView[];
  subscriptions: SubscriptionsSummary;
  azureSecretExpiresAt: number | null;
}

export type RenewResult = { ok: true; renewed: number; failed: number; message: string } | { ok: false; message: string };

/** Where a conversation reference lives between turns (install → proactive sends). */
export interface StoredConversation {
  id: string;
  tenantId: string | null;
  scope: 'personal' | 'channel' | 'groupChat';
  /** personal: the user; channel/groupChat: whoever installed the app there (kept on refresh). */
  aadObjectId: string | null;
  teamId: string | null;
  /** The Bot Framework conversation reference, as the adapter produced it (opaque to storage). */
  reference: Record<string, unknown>;
}

export interface ConversationStore {
  /** Inserts or refreshes; `keepInstaller` keeps a stored aadObjectId of a channel/group install. */
  save(conversation: StoredConversation, opts?: { keepInstaller?: boolean }): Promise<void>;
  remove(conversationId: string): Promise<void>;
  /** Personal conversations of one user in one tenant. */
  personalOf(aadObjectId: string, tenantId: string): Promise<StoredConversation[]>;
  /** Conversations in the tenant whose user / installer is one of `aadObjectIds`. */
  ofUsers(aadObjectIds: readonly string[], tenantId: string): Promise<StoredConversation[]>;
}

/** What the bot sends: always text (the fallback) and, usually, an Adaptive Card 1.5. */
export interface BotMessage {
  text: string;
  card?: AdaptiveCard;
}

export type AdaptiveCard = {
  type: 'AdaptiveCard';
  $schema: string;
  version: '1.5';
  fallbackText: string;
  body: Record<string, unknown>[];
  actions?: Record<string, unknown>[];
  msteams?: Record<string, unknown>;
};

/** Proactive sends through stored conversation references (the adapter implements it). */
export interface ProactiveMessenger {
  /** Sends a new message; resolves with the id the channel gave it. */
  send(reference: Record<string, unknown>, message: BotMessage): Promise<string | null>;
  /** Replaces a message sent earlier (updateActivity). */
  update(reference: Record<string, unknown>, activityId: string, message: BotMessage): Promise<void>;
}
