import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A stand-in for the Bot Connector service the bot replies to (activity.serviceUrl). It records
 * POST /v3/conversations/:id/activities[/:replyToId] (new messages and replies) and
 * PUT /v3/conversations/:id/activities/:activityId (updates), answering `{id}` like the real one.
 */
export interface CapturedActivity {
  method: 'POST' | 'PUT';
  conversationId: string;
  /** POST reply: the activity replied to; PUT: the activity updated. */
  activityId: string | null;
  /** The id this stand-in gave the activity (POST) or echoed (PUT). */
  id: string;
  authorization: string | null;
  body: ConnectorActivity;
}

/** The parts of an outgoing activity the tests read. */
export interface ConnectorActivity {
  type?: string;
  text?: string;
  id?: string;
  replyToId?: string;
  attachments?: { contentType: string; content: CardJson }[];
  [key: string]: unknown;
}

export interface CardJson {
  type: string;
  version: string;
  fallbackText?: string;
  body: Record<string, unknown>[];
  actions?: Record<string, unknown>[];
  [key: string]: unknown;
}

export interface BotConnector {
  /** The serviceUrl to put in activities, with a trailing slash like Teams'. */
  serviceUrl: string;
  captured: CapturedActivity[];
  /** Resolves with the first capture (already recorded or future) that matches. */
  waitFor(match: (a: CapturedActivity) => boolean, timeoutMs?: number): Promise<CapturedActivity>;
  /** The next `n` requests get this status (e.g. 403 when the bot was removed). */
  failNext(status: number, n?: number): void;
  stop(): Promise<void>;
}

export async function startBotConnector(): Promise<BotConnector> {
  const captured: CapturedActivity[] = [];
  const waiters: { match: (a: CapturedActivity) => boolean; resolve: (a: CapturedActivity) => void }[] = [];
  let failures: { status: number; left: number } | null = null;
  let seq = 0;

  const server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const url = new URL(req.url ?? '/', 'http://localhost');
    const m = /^\/v3\/conversations\/([^/]+)\/activities(?:\/([^/]+))?\/?$/.exec(url.pathname);
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (!m || (req.method !== 'POST' && req.method !== 'PUT'))
      return send(404, { error: { code: 'NotFound', message: url.pathname } });
    if (failures && failures.left > 0) {
      failures.left--;
      return send(failures.status, {
        error: { code: 'BotNotInConversationRoster', message: 'The bot is not part of the conversation roster.' },
      });
    }
    let body: ConnectorActivity;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as ConnectorActivity;
    } catch {
      return send(400, { error: { code: 'BadArgument', message: 'invalid JSON' } });
    }
    const activityId = m[2] ? decodeURIComponent(m[2]) : null;
    const id = req.method === 'PUT' && activityId ? activityId : `activity-${++seq}`;
    const entry: CapturedActivity = {
      method: req.method as 'POST' | 'PUT',
      conversationId: decodeURIComponent(m[1]!),
      activityId,
      id,
      authorization: req.headers.authorization ?? null,
      body,
    };
    captured.push(entry);
    for (const w of [...waiters])
      if (w.match(entry)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(entry);
      }
    send(200, { id });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;

  return {
    serviceUrl: `http://127.0.0.1:${port}/`,
    captured,
    waitFor(match, timeoutMs = 10_000) {
      const found = captured.find(match);
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const w = {
          match,
          resolve: (a: CapturedActivity) => {
            clearTimeout(timer);
            resolve(a);
          },
        };
        const timer = setTimeout(() => {
          waiters.splice(waiters.indexOf(w), 1);
          reject(
            new Error(
              `no matching activity reached the connector; captured: ${JSON.stringify(captured.map((c) => [c.method, c.conversationId, c.body.text?.slice(0, 60)]))}`,
            ),
          );
        }, timeoutMs);
        waiters.push(w);
      });
    },
    failNext(status, n = 1) {
      failures = { status, left: n };
    },
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

/** The Adaptive Card of an activity (throws with a clear message when there is none). */
export function cardOf(act: ConnectorActivity): CardJson {
  const att = act.attachments?.find((x) => x.contentType === 'application/vnd.microsoft.card.adaptive');
  if (!att) throw new Error(`activity has no Adaptive Card: ${JSON.stringify(act).slice(0, 300)}`);
  const problems = cardProblems(att.content);
  if (problems.length > 0) throw new Error(`invalid Adaptive Card: ${problems.join('; ')}`);
  return att.content;
}

const ELEMENTS: Record<string, string[]> = {
  TextBlock: ['text'],
  FactSet: ['facts'],
  Container: ['items'],
};
const ACTIONS: Record<string, string[]> = {
  'Action.Execute': ['title', 'verb'],
  'Action.Submit': ['title'],
  'Action.OpenUrl': ['title', 'url'],
};

/**
 * Structural checks for what Teams renders (Adaptive Cards 1.5): the schema and version, only the
 * element and action types the bot uses with their required properties, wrapping text, an
 * Action.Submit fallback for every Action.Execute, https/http URLs, and a fallbackText.
 */
export function cardProblems(card: CardJson): string[] {
  const p: string[] = [];
  if (card.type !== 'AdaptiveCard') p.push(`type ${card.type}`);
  if (card.version !== '1.5') p.push(`version ${card.version}`);
  if (card.$schema !== 'http://adaptivecards.io/schemas/adaptive-card.json') p.push('missing $schema');
  if (typeof card.fallbackText !== 'string' || card.fallbackText.trim() === '') p.push('missing fallbackText');
  const element = (e: Record<string, unknown>, at: string): void => {
    const required = ELEMENTS[String(e.type)];
    if (!required) {
      p.push(`${at}: unknown element ${String(e.type)}`);
      return;
    }
    for (const k of required) if (e[k] === undefined) p.push(`${at}: ${String(e.type)} without ${k}`);
    if (e.type === 'TextBlock' && (typeof e.text !== 'string' || e.wrap !== true)) p.push(`${at}: TextBlock must wrap a string`);
    if (e.type === 'FactSet')
      for (const f of e.facts as { title?: unknown; value?: unknown }[])
        if (typeof f.title !== 'string' || typeof f.value !== 'string') p.push(`${at}: fact must be strings`);
    if (e.type === 'Container')
      for (const [i, x] of (e.items as Record<string, unknown>[]).entries()) element(x, `${at}.items.${i}`);
  };
  for (const [i, e] of card.body.entries()) element(e, `body.${i}`);
  for (const [i, a] of (card.actions ?? []).entries()) {
    const required = ACTIONS[String(a.type)];
    if (!required) {
      p.push(`actions.${i}: unknown action ${String(a.type)}`);
      continue;
    }
    for (const k of required) if (typeof a[k] !== 'string' || a[k] === '') p.push(`actions.${i}: ${String(a.type)} without ${k}`);
    if (a.type === 'Action.OpenUrl' && !/^https?:\/\//.test(String(a.url))) p.push(`actions.${i}: url not absolute`);
    if (a.type === 'Action.Execute') {
      const fb = a.fallback as Record<string, unknown> | undefined;
      if (fb?.type !== 'Action.Submit' || (fb.data as { verb?: unknown })?.verb !== a.verb)
        p.push(`actions.${i}: Execute without a Submit fallback`);
    }
  }
  return p;
}

/** Every text shown on a card (TextBlocks and facts), joined — for content assertions. */
export function cardText(card: CardJson): string {
  const out: string[] = [];
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) {
      for (const x of v) walk(x);
      return;
    }
    if (!v || typeof v !== 'object') return;
    const o = v as Record<string, unknown>;
    if (o.type === 'TextBlock' && typeof o.text === 'string') out.push(o.text);
    if (o.type === 'FactSet' && Array.isArray(o.facts))
      for (const f of o.facts as { title: string; value: string }[]) out.push(`${f.title}: ${f.value}`);
    for (const k of ['body', 'items', 'columns']) if (k in o) walk(o[k]);
  };
  walk(card.body);
  return out.join('\n');
}

/** The titles of the card's actions. */
export function cardActions(
  card: CardJson,
): { type: string; title: string; verb?: string; url?: string; fallback?: Record<string, unknown> }[] {
  return (card.actions ?? []) as {
    type: string;
    title: string;
    verb?: string;
    url?: string;
    fallback?: Record<string, unknown>;
  }[];
}
