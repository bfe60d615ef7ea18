import http from 'node:http';
import tls from 'node:tls';
import { type GraphEmulator, type GraphEmulatorOptions, startGraphEmulator } from './index.ts';

/**
 * Helpers for tests that talk to the Graph emulator over real HTTPS: trust its CA in this process
 * (fetch and https use the default CA store), fetch tokens, call Graph, and run a local webhook
 * receiver. Usable by other suites too.
 */
const trusted = new Set<string>();

export function trustCa(caPem: string): void {
  if (trusted.has(caPem)) return;
  trusted.add(caPem);
  tls.setDefaultCACertificates([...tls.getCACertificates('default'), ...trusted]);
}

export async function startTrustedEmulator(opts: GraphEmulatorOptions = {}): Promise<GraphEmulator> {
  const emu = await startGraphEmulator(opts);
  trustCa(emu.caCertPem);
  return emu;
}

export async function tokenRequest(emu: GraphEmulator, form: Record<string, string>, tenant = emu.tenantId): Promise<Response> {
  return fetch(`${emu.url}/${tenant}/oauth2/v2.0/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(form).toString(),
  });
}

export async function appToken(
  emu: GraphEmulator,
  app: { clientId: string; clientSecret: string } = emu.defaultApp,
): Promise<string> {
  const r = await tokenRequest(emu, {
    grant_type: 'client_credentials',
    client_id: app.clientId,
    client_secret: app.clientSecret,
    scope: 'https://graph.microsoft.com/.default',
  });
  if (r.status !== 200) throw new Error(`token request failed: ${r.status} ${await r.text()}`);
  return ((await r.json()) as { access_token: string }).access_token;
}

/** A delegated Graph token for a user with a password (ROPC). */
export async function userGraphToken(
  emu: GraphEmulator,
  username: string,
  password: string,
  scope = 'https://graph.microsoft.com/Presence.Read.All offline_access openid',
): Promise<string> {
  const r = await tokenRequest(emu, { grant_type: 'password', client_id: emu.defaultApp.clientId, username, password, scope });
  if (r.status !== 200) throw new Error(`password grant failed: ${r.status} ${await r.text()}`);
  return ((await r.json()) as { access_token: string }).access_token;
}

export interface GraphAnswer<T = Record<string, unknown>> {
  status: number;
  headers: Headers;
  body: T;
}

export async function graph<T = Record<string, unknown>>(
  emu: GraphEmulator,
  token: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<GraphAnswer<T>> {
  const r = await fetch(`${emu.graphBaseUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await r.text();
  return { status: r.status, headers: r.headers, body: (text ? JSON.parse(text) : {}) as T };
}

export interface WebhookReceiver {
  url: string;
  /** Parsed JSON bodies of notifications received (not validation requests). */
  received: Record<string, unknown>[];
  /** How to answer: validation echo on, notifications get `status`. */
  behaviour: { validate: 'echo' | 'wrong' | 'status500'; status: number };
  /** Resolves when `n` notification posts have arrived. */
  waitFor(n: number): Promise<void>;
  stop(): Promise<void>;
}

export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const received: Record<string, unknown>[] = [];
  const waiters: { n: number; resolve: () => void }[] = [];
  const behaviour: WebhookReceiver['behaviour'] = { validate: 'echo', status: 202 };
  const server = http.createServer((req, res) => {
    const u = new URL(req.url ?? '/', 'http://x');
    const token = u.searchParams.get('validationToken');
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (token !== null) {
        if (behaviour.validate === 'status500') {
          res.writeHead(500).end();
          return;
        }
        res.writeHead(200, { 'content-type': 'text/plain' }).end(behaviour.validate === 'echo' ? token : 'nope');
        return;
      }
      received.push(JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>);
      res.writeHead(behaviour.status).end();
      for (const w of [...waiters])
        if (received.length >= w.n) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve();
        }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  return {
    url: `http://127.0.0.1:${port}/notify`,
    received,
    behaviour,
    waitFor: (n) => (received.length >= n ? Promise.resolve() : new Promise<void>((resolve) => waiters.push({ n, resolve }))),
    stop: () =>
      new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      }),
  };
}
