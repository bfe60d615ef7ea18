import { eq } from 'drizzle-orm';
import { type FaultCardInput, faultCard, faultHealedCard } from '../../../bot/src/cards/admin.ts';
import { manualStatusCard, manualStatusResolvedCard } from '../../../bot/src/cards/agent.ts';
import { makeTimeFormatter, presenceLabel } from '../../../bot/src/labels.ts';
import type { TabPage } from '../../../bot/src/links.ts';
import type { BotMessage, ConversationStore, ProactiveMessenger, StoredConversation } from '../../../bot/src/ports.ts';
import { connectionOptionsSchema } from '../domain/connection.ts';
import type { Clock, Notice, NoticeSink } from '../domain/ports.ts';
import type { Logger } from '../logging.ts';
import type { Storage } from '../storage/db.ts';
import { admins, botConversations, connections } from '../storage/schema.ts';
import { type AlertRow, heal, openOrBump, recordCards, type SentCard, sentCards } from './alerts.ts';

/**
 * The NoticeSink the engine, watchers and clients report to. Faults become one Adaptive Card per
 * admin conversation (deduplicated in the alerts table) and are updated in place when they heal;
 * manual-status notices go to the agent's personal chat when the connection opted in.
 *
 * Admin conversations (documented in docs/bot.md): every conversation in the connection's tenant
 * whose stored user is an admin of the connection — admins' personal chats, and team channels /
 * group chats that an admin installed the app into.
 */
export interface Notifier extends NoticeSink {
  /** Resolves once every notice handed in so far has been handled. */
  idle(): Promise<void>;
  /** Stops taking notices and waits for the ones in flight. */
  stop(): Promise<void>;
}

export interface NotifierDeps {
  storage: Storage;
  conversations: ConversationStore;
  /** Null when the bot is not configured: alerts are still recorded (the tab shows them). */
  messenger: ProactiveMessenger | null;
  logger: Logger;
  clock: Clock;
  /** Link that opens a page of the Presence Sync tab; null hides the button. */
  tabUrl: (page: TabPage) => string | null;
  /** Microsoft identity host, for admin-consent links (config AUTHORITY_HOST). */
  authorityHost: string;
}

export const MANUAL_STATUS_KIND = 'manual_status_blocking';

export function createNotifier(deps: NotifierDeps): Notifier {
  const { db } = deps.storage;
  const log = deps.logger.child({ component: 'notifier' });
  let chain: Promise<void> = Promise.resolve();
  let stopped = false;

  function notify(notice: Notice): void {
    if (stopped) {
      log.warn({ kind: notice.kind, connectionId: notice.connectionId }, 'notice after stop: dropped');
      return;
    }
    chain = chain.then(() =>
      handle(notice).catch((err: unknown) =>
        log.error({ err, kind: notice.kind, connectionId: notice.connectionId }, 'notice handling failed'),
      ),
    );
  }

  async function handle(n: Notice): Promise<void> {
    const [conn] = await db
      .select({ tenantId: connections.tenantId, azureClientId: connections.azureClientId, options: connections.options })
      .from(connections)
      .where(eq(connections.id, n.connectionId));
    if (!conn) {
      log.warn({ kind: n.kind, connectionId: n.connectionId }, 'notice for an unknown connection: ignored');
      return;
    }
    switch (n.kind) {
      case 'fault': {
        const details = {
          message: n.message,
          ...(n.impactUsers !== undefined ? { impactUsers: n.impactUsers } : {}),
          ...safeDetails(n.details),
        };
        const { created, alert } = await openOrBump(db, {
          connectionId: n.connectionId,
          kind: n.fault,
          key: n.key,
          at: new Date(n.at),
          details,
        });
        if (!created) {
          log.info(
            { connectionId: n.connectionId, fault: n.fault, key: n.key, count: alert.count },
            'fault repeated: deduplicated',
          );
          return;
        }
        log.warn({ connectionId: n.connectionId, fault: n.fault, key: n.key, impactUsers: n.impactUsers }, 'fault opened');
        const targets = await adminConversations(n.connectionId, conn.tenantId);
        const card = faultCard(faultInput(alert, conn));
        await sendAll(alert, targets, card);
        return;
      }
      case 'fault_healed': {
        const alert = await heal(db, { connectionId: n.connectionId, kind: n.fault, key: n.key, at: new Date(n.at) });
        if (!alert) return;
        log.info({ connectionId: n.connectionId, fault: n.fault, key: n.key }, 'fault healed');
        const time = makeTimeFormatter(deps.clock.now());
        await updateAll(alert, faultHealedCard({ ...faultInput(alert, conn), healedAt: time(n.at) }));
        return;
      }
      case 'manual_status_blocking': {
        const options = connectionOptionsSchema.safeParse(conn.options ?? {});
        if (!options.success || !options.data.notifyAgentsOfManualStatus) return;
        const { created, alert } = await openOrBump(db, {
          connectionId: n.connectionId,
          kind: MANUAL_STATUS_KIND,
          key: n.agentId,
          at: new Date(n.since),
          details: {
            audience: 'agent',
            userId: n.userId,
            observed: n.observed,
            wanted: n.wanted,
            message: 'Teams status set by hand blocks sync',
          },
        });
        if (!created) return;
        const targets = await deps.conversations.personalOf(n.userId, conn.tenantId);
        const time = makeTimeFormatter(deps.clock.now());
        const card = manualStatusCard({
          observed: presenceLabel(n.observed),
          wanted: presenceLabel(n.wanted),
          since: time(n.since),
        });
        await sendAll(alert, targets, card);
        return;
      }
      case 'manual_status_resolved': {
        const alert = await heal(db, {
          connectionId: n.connectionId,
          kind: MANUAL_STATUS_KIND,
          key: n.agentId,
          at: new Date(n.at),
        });
        if (!alert) return;
        const time = makeTimeFormatter(deps.clock.now());
        await updateAll(alert, manualStatusResolvedCard({ at: time(n.at) }));
        return;
      }
      default:
        log.warn({ notice: (n as { kind?: unknown }).kind }, 'unknown notice kind: ignored');
    }
  }

  async function adminConversations(connectionId: string, tenantId: string): Promise<StoredConversation[]> {
    const ids = await db.select({ id: admins.aadObjectId }).from(admins).where(eq(admins.connectionId, connectionId));
    return deps.conversations.ofUsers(
      ids.map((a) => a.id),
      tenantId,
    );
  }

  async function sendAll(alert: AlertRow, targets: StoredConversation[], msg: BotMessage): Promise<void> {
    if (!deps.messenger) {
      log.info({ alertId: alert.id }, 'bot not configured: alert recorded, no card sent');
      return;
    }
    if (targets.length === 0) {
      log.info({ alertId: alert.id, kind: alert.kind }, 'no conversation to notify: alert recorded only');
      return;
    }
    const cards: SentCard[] = [];
    for (const t of targets) {
      try {
        const id = await deps.messenger.send(t.reference, msg);
        if (id) cards.push({ conversationId: t.id, activityId: id });
      } catch (err) {
        log.warn({ err: errSummary(err), conversationId: t.id, alertId: alert.id }, 'proactive card send failed');
        await forgetIfGone(t.id, err);
      }
    }
    await recordCards(db, alert.id, cards);
  }

  /** 403 (bot not in the roster) / 404 (conversation gone): the app was removed there; stop using the reference. */
  async function forgetIfGone(conversationId: string, err: unknown): Promise<void> {
    const status = (err as { statusCode?: unknown })?.statusCode;
    if (status !== 403 && status !== 404) return;
    await deps.conversations.remove(conversationId);
    log.info({ conversationId, status }, 'conversation no longer reachable: reference removed');
  }

  async function updateAll(alert: AlertRow, msg: BotMessage): Promise<void> {
    const messenger = deps.messenger;
    if (!messenger) return;
    for (const c of sentCards(alert)) {
      const [conv] = await db.select().from(botConversations).where(eq(botConversations.id, c.conversationId));
      if (!conv) continue;
      try {
        await messenger.update(conv.reference as Record<string, unknown>, c.activityId, msg);
      } catch (err) {
        log.warn({ err: errSummary(err), conversationId: c.conversationId, alertId: alert.id }, 'card update failed');
      }
    }
  }

  function faultInput(alert: AlertRow, conn: { tenantId: string; azureClientId: string }): FaultCardInput {
    const d = (alert.details ?? {}) as Record<string, unknown>;
    const time = makeTimeFormatter(deps.clock.now());
    const extra: [string, string][] = [];
    if (typeof d.permission === 'string') extra.push(['Permission', d.permission]);
    if (typeof d.expiresAt === 'string' || typeof d.expiresAt === 'number') {
      const t = typeof d.expiresAt === 'number' ? d.expiresAt : Date.parse(d.expiresAt);
      if (Number.isFinite(t)) extra.push(['Expires', time(t)]);
    }
    if (typeof d.groupIndex === 'number') extra.push(['Subscription group', String(d.groupIndex + 1)]);
    if (typeof d.status === 'number') extra.push(['HTTP status', String(d.status)]);
    if (typeof d.retryAfterMs === 'number') extra.push(['Retry after', `${Math.ceil(d.retryAfterMs / 1000)} s`]);
    let consentUrl: string | null = null;
    if (alert.kind === 'permission_missing') {
      consentUrl =
        typeof d.consentUrl === 'string' && /^https:\/\//.test(d.consentUrl)
          ? d.consentUrl
          : `${deps.authorityHost.replace(/\/$/, '')}/${encodeURIComponent(conn.tenantId)}/adminconsent?client_id=${encodeURIComponent(conn.azureClientId)}`;
    }
    const page =
      alert.kind.startsWith('subscription') ||
      alert.kind === 'reauthorization_failed' ||
      alert.kind === 'owner_token_failed' ||
      alert.kind === 'missed_notifications'
        ? 'watching'
        : 'connection';
    return {
      fault: alert.kind,
      message: typeof d.message === 'string' ? d.message : alert.kind,
      firstAt: time(alert.firstAt.getTime()),
      lastAt: time(alert.lastAt.getTime()),
      count: alert.count,
      impactUsers: typeof d.impactUsers === 'number' ? d.impactUsers : null,
      extraFacts: extra,
      consentUrl,
      tabUrl: deps.tabUrl(page),
    };
  }

  return {
    notify,
    idle: async () => {
      let seen: Promise<void>;
      do {
        seen = chain;
        await seen;
      } while (seen !== chain);
    },
    async stop() {
      stopped = true;
      await chain;
    },
  };
}

/** Only plain, non-secret scalars from a notice's details are stored and shown. */
const SAFE_KEYS = [
  'permission',
  'consentUrl',
  'expiresAt',
  'groupIndex',
  'status',
  'retryAfterMs',
  'subscriptionId',
  'service',
  'reason',
] as const;
function safeDetails(details: Record<string, unknown> | undefined): Record<string, unknown> {
  if (!details) return {};
  const out: Record<string, unknown> = {};
  for (const k of SAFE_KEYS) {
    const v = details[k];
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') out[k] = v;
  }
  return out;
}

function errSummary(err: unknown): { message: string; statusCode?: number } {
  const e = err as { message?: unknown; statusCode?: unknown };
  return {
    message: typeof e?.message === 'string' ? e.message.slice(0, 300) : String(err).slice(0, 300),
    ...(typeof e?.statusCode === 'number' ? { statusCode: e.statusCode } : {}),
  };
}
