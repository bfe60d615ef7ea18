import type {
  Activity,
  Request as BotRequest,
  Response as BotResponse,
  CloudAdapter,
  ConversationReference,
  TurnContext,
} from 'botbuilder';
import type { Bot, BotLogger, TurnInput, TurnOutput } from './bot.ts';
import { CARD_CONTENT_TYPE } from './cards/base.ts';
import type { BotMessage, ProactiveMessenger, StoredConversation } from './ports.ts';

/**
 * The one module that knows botbuilder. It authenticates and parses Bot Framework activities,
 * turns them into our `TurnInput`, and sends replies, invoke responses and proactive messages.
 * Moving to the Teams SDK v2 / Agents SDK replaces this file only.
 *
 * botbuilder itself (≈17 MB of heap once loaded, with its dependencies) is imported only when a bot is
 * configured, i.e. when `createBotAdapter` is called: a deployment without the bot never loads it.
 */
export interface BotAuthOptions {
  /** Microsoft App ID of the bot registration; with a password, inbound JWTs are validated. */
  appId?: string | undefined;
  appPassword?: string | undefined;
  /** Single-tenant registrations (required for new bots) name their tenant. */
  tenantId?: string | undefined;
  /** Local development only (config refuses it in production): no inbound or outbound auth. */
  authDisabled: boolean;
}

export interface BotAdapter extends ProactiveMessenger {
  /** Handles one POST /api/messages (body already parsed by the HTTP server). */
  process(req: BotRequest, res: BotResponse): Promise<void>;
  readonly authEnabled: boolean;
}

export class BotAuthConfigError extends Error {
  override name = 'BotAuthConfigError';
}

export function createBotAdapter(opts: BotAuthOptions, bot: Bot, logger: BotLogger): BotAdapter {
  const authEnabled = !opts.authDisabled;
  if (authEnabled && (!opts.appId || !opts.appPassword))
    throw new BotAuthConfigError('BOT_ID and BOT_PASSWORD are required unless BOT_AUTH_DISABLED=true (local development)');
  const appId = authEnabled ? (opts.appId ?? '') : '';
  // Loading starts now (at start-up), so the first activity does not wait for it.
  const sdk = import('botbuilder').then((b) => {
    const auth = authEnabled
      ? new b.ConfigurationBotFrameworkAuthentication({
          MicrosoftAppId: opts.appId,
          MicrosoftAppPassword: opts.appPassword,
          MicrosoftAppTenantId: opts.tenantId,
          MicrosoftAppType: opts.tenantId ? 'SingleTenant' : 'MultiTenant',
        })
      : new b.ConfigurationBotFrameworkAuthentication({});
    const adapter: CloudAdapter = new b.CloudAdapter(auth);
    adapter.onTurnError = async (context, error) => {
      logger.error({ err: error, activityType: context.activity.type }, 'bot: unhandled turn error');
    };
    return { adapter, conversationReference: (a: Partial<Activity>) => b.TurnContext.getConversationReference(a) };
  });
  sdk.catch((err: unknown) => logger.error({ err }, 'bot: botbuilder could not be loaded'));

  async function logic(context: TurnContext): Promise<void> {
    const activity = context.activity;
    const input = toTurnInput(activity, (await sdk).conversationReference(activity));
    if (!input) {
      if (activity.type === ActivityTypes.Invoke) await context.sendActivity(invokeResponse(200, undefined));
      return;
    }
    const out: TurnOutput = await bot.onTurn(input);
    if (out.reply) await context.sendActivity(toActivity(out.reply));
    if (activity.type === ActivityTypes.Invoke) {
      const body = out.invokeCard
        ? { statusCode: 200, type: CARD_CONTENT_TYPE, value: out.invokeCard.card ?? { text: out.invokeCard.text } }
        : undefined;
      await context.sendActivity(invokeResponse(200, body));
    }
  }

  /** Runs `logic` in the referenced conversation; its failure is the caller's (the turn-error hook would swallow it). */
  async function proactive(reference: Record<string, unknown>, run: (context: TurnContext) => Promise<void>): Promise<void> {
    let failure: unknown = null;
    const { adapter } = await sdk;
    await adapter.continueConversationAsync(appId, reference as Partial<ConversationReference>, async (context) => {
      try {
        await run(context);
      } catch (err) {
        failure = err;
      }
    });
    if (failure !== null) throw failure;
  }

  return {
    authEnabled,
    async process(req, res) {
      const body = req.body as unknown;
      const shape = obj(body);
      if (!shape || !str(shape.type)) {
        res.status(400);
        res.send({ error: { code: 'bad_activity', message: 'body must be a Bot Framework activity with a type' } });
        res.end();
        return;
      }
      const headers = req.headers as Record<string, unknown>;
      if (authEnabled && !str(headers.authorization) && !str(headers.Authorization)) {
        logger.warn({ activityType: shape.type }, 'bot: activity without a Bot Framework token refused');
        res.status(401);
        res.send({ error: { code: 'unauthorized', message: 'a Bot Framework token is required' } });
        res.end();
        return;
      }
      await (await sdk).adapter.process(req, res, logic);
    },
    async send(reference, msg) {
      let id: string | null = null;
      await proactive(reference, async (context) => {
        const r = await context.sendActivity(toActivity(msg));
        id = r?.id ?? null;
      });
      return id;
    },
    async update(reference, activityId, msg) {
      await proactive(reference, async (context) => {
        await context.updateActivity({ ...toActivity(msg), id: activityId });
      });
    },
  };
}

/** botbuilder's `ActivityTypes` values used here (the enum itself would load botbuilder). */
const ActivityTypes = {
  Message: 'message',
  Invoke: 'invoke',
  InvokeResponse: 'invokeResponse',
  InstallationUpdate: 'installationUpdate',
  ConversationUpdate: 'conversationUpdate',
} as const;

function invokeResponse(status: number, body: unknown): Partial<Activity> {
  return { type: ActivityTypes.InvokeResponse, value: { status, body } };
}

function toActivity(msg: BotMessage): Partial<Activity> {
  return {
    type: ActivityTypes.Message,
    text: msg.text,
    ...(msg.card ? { attachments: [{ contentType: CARD_CONTENT_TYPE, content: msg.card }] } : {}),
  };
}

const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);
const obj = (v: unknown): Record<string, unknown> | null =>
  v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null;

/**
 * Maps a Bot Framework activity to our turn; null = nothing for the bot to do. Total on any input.
 * `ref` is botbuilder's conversation reference for the activity (`TurnContext.getConversationReference`).
 */
export function toTurnInput(activity: Activity, ref: Partial<ConversationReference>): TurnInput | null {
  const conversationId = str(activity.conversation?.id);
  if (!conversationId) return null;
  const channelData = obj(activity.channelData);
  const scopeRaw = str(activity.conversation?.conversationType);
  const scope: StoredConversation['scope'] =
    scopeRaw === 'channel' ? 'channel' : scopeRaw === 'groupChat' ? 'groupChat' : 'personal';
  // A channel message's conversation id names its thread (`19:…@thread.tacv2;messageid=…`); the stored
  // reference is the channel itself, so proactive cards start new posts instead of replying in an old thread.
  const storedId = scope === 'channel' ? conversationId.replace(/;messageid=.*$/i, '') : conversationId;
  const base = {
    text: '',
    verb: null,
    viaInvoke: false,
    aadObjectId: str(activity.from?.aadObjectId),
    tenantId: str(activity.conversation?.tenantId) ?? str(obj(channelData?.tenant)?.id),
    conversation: { id: storedId, scope, teamId: str(obj(channelData?.team)?.id) },
    timeZone: str((activity as Activity & { localTimezone?: unknown }).localTimezone),
    reference: { ...ref, conversation: { ...ref.conversation, id: storedId } } as unknown as Record<string, unknown>,
  } satisfies Omit<TurnInput, 'kind'>;
  const botId = str(activity.recipient?.id);
  const isBot = (m: { id?: unknown } | undefined) => !!m && !!botId && m.id === botId;

  switch (activity.type) {
    case ActivityTypes.Message: {
      const value = obj(activity.value);
      const verb = str(value?.verb);
      if (verb) return { ...base, kind: 'action', verb };
      return { ...base, kind: 'message', text: typeof activity.text === 'string' ? activity.text : '' };
    }
    case ActivityTypes.Invoke: {
      if (activity.name !== 'adaptiveCard/action') return null;
      const action = obj(obj(activity.value)?.action);
      const verb = str(action?.verb) ?? str(obj(action?.data)?.verb);
      return { ...base, kind: 'action', verb, viaInvoke: true };
    }
    case ActivityTypes.InstallationUpdate: {
      const action = str(activity.action);
      if (action === 'add' || action === 'add-upgrade') return { ...base, kind: 'installed', welcome: false };
      if (action === 'remove' || action === 'remove-upgrade') return { ...base, kind: 'uninstalled' };
      return null;
    }
    case ActivityTypes.ConversationUpdate: {
      if ((activity.membersRemoved ?? []).some(isBot)) return { ...base, kind: 'uninstalled' };
      if ((activity.membersAdded ?? []).some(isBot)) return { ...base, kind: 'installed', welcome: true };
      return null;
    }
    default:
      return null;
  }
}
