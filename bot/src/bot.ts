import type { Clock } from '../../api/src/domain/ports.ts';
import { healthCard, renewResultText, subscriptionsCard } from './cards/admin.ts';
import {
  adminsOnlyCard,
  helpCard,
  nothingToExplainCard,
  notMappedCard,
  notSetUpCard,
  resetHelpCard,
  statusCard,
  VERB,
  whyCard,
} from './cards/agent.ts';
import { heading, message, para } from './cards/base.ts';
import { explain, pickForWhy, shortLine } from './explain.ts';
import { type Intent, parseIntent } from './intents.ts';
import { makeTimeFormatter, type TimeFormatter } from './labels.ts';
import type { TabPage } from './links.ts';
import type { BotBackend, BotMessage, ConversationStore, DecisionView, StoredConversation, WhoAmI } from './ports.ts';

/**
 * The conversation logic, free of any bot SDK: the adapter (adapter.ts) turns each incoming
 * activity into a `TurnInput` and carries the `TurnOutput` back. Total: never throws.
 */
export interface TurnInput {
  kind: 'message' | 'action' | 'installed' | 'uninstalled' | 'other';
  /** message: what the user typed. */
  text: string;
  /** action: the card button's verb and data (Action.Execute invoke, or Action.Submit fallback). */
  verb: string | null;
  /** The action arrived as invoke `adaptiveCard/action`: answer with an updated card. */
  viaInvoke: boolean;
  /** installed: say hello (conversationUpdate with the bot added); installationUpdate only stores. */
  welcome?: boolean;
  aadObjectId: string | null;
  tenantId: string | null;
  conversation: { id: string; scope: StoredConversation['scope']; teamId: string | null };
  /** The user's IANA time zone (Teams sends activity.localTimezone). */
  timeZone: string | null;
  reference: Record<string, unknown>;
}

export interface TurnOutput {
  /** Sent as a new message in the conversation. */
  reply: BotMessage | null;
  /** The body of the invoke response (the updated card). */
  invokeCard: BotMessage | null;
}

export interface BotLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface BotDeps {
  backend: BotBackend;
  conversations: ConversationStore;
  clock: Clock;
  logger: BotLogger;
  /** Link that opens a page of the Presence Sync tab (deep link or web URL); null hides the button. */
  tabUrl: (page: TabPage) => string | null;
}

export interface Bot {
  onTurn(input: TurnInput): Promise<TurnOutput>;
}

const NONE: TurnOutput = { reply: null, invokeCard: null };

export function createBot(deps: BotDeps): Bot {
  const { backend, conversations, logger } = deps;

  async function remember(input: TurnInput, isInstall: boolean): Promise<void> {
    await conversations.save(
      {
        id: input.conversation.id,
        tenantId: input.tenantId,
        scope: input.conversation.scope,
        aadObjectId: input.aadObjectId,
        teamId: input.conversation.teamId,
        reference: input.reference,
      },
      { keepInstaller: !isInstall && input.conversation.scope !== 'personal' },
    );
  }

  async function answer(intent: Intent, input: TurnInput, understood: boolean, heard: string): Promise<BotMessage> {
    const time = makeTimeFormatter(deps.clock.now(), input.timeZone);
    if (!input.aadObjectId || !input.tenantId) return helpCard({ isAdmin: false, understood, heard });
    const who = await backend.whoAmI(input.aadObjectId, input.tenantId);
    if (intent === 'help') return helpCard({ isAdmin: who.isAdmin, understood, heard });
    if (intent === 'reset_help') return resetHelpCard();
    if (!who.connectionId) return notSetUpCard();
    const connectionId = who.connectionId;

    if (intent === 'subscriptions' || intent === 'health' || intent === 'renew') {
      const adminOf = who.adminConnectionId;
      if (!adminOf) {
        const admins = await backend.admins(connectionId);
        return adminsOnlyCard(
          admins.map((a) => a.displayName ?? 'an admin'),
          intent === 'health' ? 'health' : 'subscriptions',
        );
      }
      if (intent === 'health') return healthCard(await backend.health(adminOf), time, deps.tabUrl('start'));
      let note: string | undefined;
      if (intent === 'renew') {
        const result = await backend.renewSubscriptionsNow(adminOf);
        logger.info({ connectionId: adminOf, ok: result.ok, by: input.aadObjectId }, 'bot: renew subscriptions now');
        note = renewResultText(result);
      }
      return subscriptionsCard(await backend.subscriptionsSummary(adminOf), time, deps.tabUrl('watching'), note);
    }

    // status / why: the caller's own data, only in a personal chat.
    if (input.conversation.scope !== 'personal') {
      const text =
        'I answer "status" and "why" in a personal chat with me, so your status stays private. Open a chat with Presence Sync and ask there.';
      return message(text, [heading('Ask me in a personal chat'), para(text)]);
    }
    if (!who.agent) return notMappedCard(await explainSynthetic('unmapped', who, time));
    const mapped = { connectionId, agentId: who.agent.agentId, aadObjectId: who.aadObjectId };
    if (intent === 'status') return statusCard(await backend.status(mapped), who, time);
    if (!who.agent.included) return whyFrom([synthetic('excluded', deps.clock.now())], who, time);
    const decisions = await backend.recentDecisions(mapped, 25);
    if (decisions.length === 0) {
      const status = await backend.status(mapped);
      if (!status.rule) return whyFrom([synthetic('no_rule', deps.clock.now())], who, time);
      return nothingToExplainCard();
    }
    return whyFrom(decisions, who, time);
  }

  async function explainSynthetic(reason: 'unmapped', who: WhoAmI, time: TimeFormatter) {
    const admins = who.connectionId ? await backend.admins(who.connectionId) : [];
    return explain(synthetic(reason, deps.clock.now()), {
      adminNames: admins.map((a) => a.displayName ?? 'an admin'),
      alerts: [],
      status: null,
      time,
    });
  }

  async function whyFrom(decisions: readonly DecisionView[], who: WhoAmI, time: TimeFormatter): Promise<BotMessage> {
    const connectionId = who.connectionId!;
    const picked = pickForWhy(decisions);
    const [admins, alerts] = await Promise.all([backend.admins(connectionId), backend.openAlerts(connectionId)]);
    const ctx = { adminNames: admins.map((a) => a.displayName ?? 'an admin'), alerts, status: null, time };
    const main = explain(picked[0]!, ctx);
    return whyCard(
      main,
      picked.slice(1).map((d) => shortLine(d, time)),
    );
  }

  return {
    async onTurn(input) {
      try {
        switch (input.kind) {
          case 'installed': {
            await remember(input, true);
            logger.info({ conversationId: input.conversation.id, scope: input.conversation.scope }, 'bot: installed');
            return { reply: input.welcome ? await welcome(input) : null, invokeCard: null };
          }
          case 'uninstalled':
            await conversations.remove(input.conversation.id);
            logger.info({ conversationId: input.conversation.id, scope: input.conversation.scope }, 'bot: uninstalled');
            return NONE;
          case 'message': {
            await remember(input, false);
            const parsed = parseIntent(input.text);
            return { reply: await answer(parsed.intent, input, parsed.understood, input.text), invokeCard: null };
          }
          case 'action': {
            await remember(input, false);
            const intent = verbIntent(input.verb);
            const card = await answer(intent ?? 'help', input, intent !== null, '');
            return input.viaInvoke ? { reply: null, invokeCard: card } : { reply: card, invokeCard: null };
          }
          default:
            return NONE;
        }
      } catch (err) {
        logger.error({ err, kind: input.kind, conversationId: input.conversation.id }, 'bot: turn failed');
        const text =
          'Sorry, something went wrong on my side. Please try again in a moment; if it keeps happening, tell your admin.';
        const sorry = message(text, [heading('Something went wrong', 'Attention'), para(text)]);
        if (input.kind === 'action' && input.viaInvoke) return { reply: null, invokeCard: sorry };
        return input.kind === 'message' || input.kind === 'action' ? { reply: sorry, invokeCard: null } : NONE;
      }
    },
  };

  async function welcome(input: TurnInput): Promise<BotMessage> {
    if (input.conversation.scope === 'personal') {
      let isAdmin = false;
      if (input.aadObjectId && input.tenantId) isAdmin = (await backend.whoAmI(input.aadObjectId, input.tenantId)).isAdmin;
      return helpCard({ isAdmin, understood: true });
    }
    const text =
      'Presence Sync is installed here. If the person who installed it is a Presence Sync admin, fault notifications (subscriptions, permissions, secrets, CXone) are posted in this conversation.';
    return message(text, [heading('Presence Sync'), para(text)]);
  }
}

function synthetic(reason: 'unmapped' | 'excluded' | 'no_rule', at: number): DecisionView {
  return {
    at,
    direction: 'none',
    reason,
    rawReason: reason,
    ruleName: null,
    cxoneState: null,
    agentToAgent: false,
    teamsObserved: null,
    teamsWanted: null,
    cxoneWanted: null,
    permission: null,
    retryAt: null,
  };
}

function verbIntent(verb: string | null): Intent | null {
  switch (verb) {
    case VERB.status:
      return 'status';
    case VERB.why:
      return 'why';
    case VERB.help:
      return 'help';
    case VERB.resetHelp:
      return 'reset_help';
    case VERB.subscriptions:
      return 'subscriptions';
    case VERB.health:
      return 'health';
    case VERB.renew:
      return 'renew';
    default:
      return null;
  }
}
