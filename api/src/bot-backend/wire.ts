import type { Request as BotRequest, Response as BotResponse } from 'botbuilder';
import type { Server } from 'restify';
import { type BotAdapter, createBotAdapter } from '../../../bot/src/adapter.ts';
import { createBot } from '../../../bot/src/bot.ts';
import { type TabPage, tabLink } from '../../../bot/src/links.ts';
import type { Config } from '../config.ts';
import type { Clock } from '../domain/ports.ts';
import type { Logger } from '../logging.ts';
import { createNotifier, type Notifier } from '../notices/notifier.ts';
import { startSecretExpiryCheck } from '../notices/secret-expiry.ts';
import type { Storage } from '../storage/db.ts';
import { createBotBackend, type RenewSubscriptionsNow } from './backend.ts';
import { createConversationStore } from './conversations.ts';

/**
 * Everything bot-shaped the composition root needs: the POST /api/messages route, the NoticeSink
 * (`notifier`, to hand to the engine and watchers) and the daily client-secret check.
 *
 * Authentication: on whenever BOT_ID/BOT_PASSWORD are configured; off only with the explicit
 * BOT_AUTH_DISABLED=true (config.ts refuses that in production), said loudly at start-up.
 * With neither, the route answers 503 and notices are still recorded as alerts.
 */
export interface BotWiring {
  notifier: Notifier;
  /** Null when the bot is not configured. */
  adapter: BotAdapter | null;
  stop(): Promise<void>;
}

export interface BotWiringDeps {
  server: Server;
  config: Config;
  storage: Storage;
  logger: Logger;
  clock: Clock;
  /** The server's public base URL (known after listen): links in cards point here. */
  baseUrl: () => string;
  /** The Teams app id (manifest id), for deep links into the tab; web links without it. */
  teamsAppId?: string | undefined;
  renewSubscriptionsNow?: RenewSubscriptionsNow | undefined;
  /** How often the client-secret expiry check runs (default daily). */
  secretCheckIntervalMs?: number | undefined;
}

export function setUpBot(deps: BotWiringDeps): BotWiring {
  const { config, storage, clock } = deps;
  const logger = deps.logger.child({ component: 'bot' });
  const conversations = createConversationStore(storage);
  const backend = createBotBackend({ storage, clock, renewSubscriptionsNow: deps.renewSubscriptionsNow });
  const tabUrl = (page: TabPage) => tabLink({ baseUrl: deps.baseUrl(), teamsAppId: deps.teamsAppId }, page);

  let adapter: BotAdapter | null = null;
  const configured = config.BOT_AUTH_DISABLED || (config.BOT_ID !== undefined && config.BOT_PASSWORD !== undefined);
  if (configured) {
    const bot = createBot({ backend, conversations, clock, logger, tabUrl });
    adapter = createBotAdapter(
      {
        appId: config.BOT_ID,
        appPassword: config.BOT_PASSWORD,
        tenantId: config.BOT_TENANT_ID,
        authDisabled: config.BOT_AUTH_DISABLED,
      },
      bot,
      logger,
    );
    if (config.BOT_AUTH_DISABLED)
      logger.warn(
        { botAuth: 'disabled', ignoredBotId: config.BOT_ID !== undefined },
        'Bot Framework authentication is DISABLED (BOT_AUTH_DISABLED=true): /api/messages accepts unauthenticated activities — local development only',
      );
    else
      logger.info(
        { botAuth: 'enabled', botId: config.BOT_ID, singleTenant: !!config.BOT_TENANT_ID },
        'bot: Bot Framework authentication enabled',
      );
  } else {
    logger.warn(
      { botAuth: 'not_configured' },
      'bot: BOT_ID/BOT_PASSWORD not set and BOT_AUTH_DISABLED is not true: /api/messages is off',
    );
  }

  const active = adapter;
  deps.server.post('/api/messages', async (req, res) => {
    if (!active) {
      res.send(503, {
        error: { code: 'bot_not_configured', message: 'the bot is not configured (set BOT_ID and BOT_PASSWORD)' },
      });
      return;
    }
    await active.process(req as unknown as BotRequest, res as unknown as BotResponse);
  });

  const notifier = createNotifier({
    storage,
    conversations,
    messenger: adapter,
    logger: deps.logger,
    clock,
    tabUrl,
    authorityHost: config.AUTHORITY_HOST,
  });
  const secretCheck = startSecretExpiryCheck({
    storage,
    sink: notifier,
    clock,
    logger,
    intervalMs: deps.secretCheckIntervalMs,
  });
  return {
    notifier,
    adapter,
    async stop() {
      await secretCheck.stop();
      await notifier.stop();
    },
  };
}
