import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';

/**
 * A loopback HTTP proxy in front of our server, standing where the network between Graph and our
 * webhooks would be. It measures each answer's round trip (the acknowledgement time Graph sees) and,
 * for fault tests, can hold requests and deliver them later — reordered, duplicated — or drop them.
 */
export interface ProxiedCall {
  method: string;
  path: string;
  /** When the proxy received it (ms since epoch). */
  at: number;
  /** Round trip to our server (ms), or null when held/dropped. */
  ackMs: number | null;
  status: number;
  /** The body as text ('' unless the proxy keeps bodies or holds requests). */
  body: string;
  /** The body's size in bytes (always kept). */
  bytes: number;
}

export interface Held {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: string;
}

export interface WebhookProxy {
  url: string;
  calls: ProxiedCall[];
  /** Requests matching this are answered 202 at once and kept for `release` (validation handshakes always pass). */
  holdWhen: ((path: string, body: string) => boolean) | null;
  held: Held[];
  /** Sends held requests to the server in the order given (duplicates allowed); returns the statuses. */
  release(items: readonly Held[]): Promise<number[]>;
  stop(): Promise<void>;
}

const readAll = async (req: IncomingMessage): Promise<Buffer> => {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
};

export interface WebhookProxyOptions {
  /** Keep each call's body text in `calls` (fault tests read them; the benchmark, at 500/s, does not). */
  keepBodies?: boolean;
}

export async function startWebhookProxy(target: () => string, o: WebhookProxyOptions = {}): Promise<WebhookProxy> {
  const keepBodies = o.keepBodies ?? true;
  const calls: ProxiedCall[] = [];
  // Kept-alive sockets and raw bytes: the meter must cost little next to what it measures (with a
  // fetch per call and UTF-8 round trips it took ~45 % of a core at 500 notifications/s).
  const agents = { http: new http.Agent({ keepAlive: true }), https: new https.Agent({ keepAlive: true }) };
  const forward = (method: string, url: string, headers: Record<string, string>, body: Buffer) =>
    new Promise<{ status: number; body: Buffer; type: string | null }>((resolve, reject) => {
      const to = new URL(url, target());
      const secure = to.protocol === 'https:';
      const req = (secure ? https : http).request(
        to,
        {
          method,
          headers: method === 'GET' || method === 'HEAD' ? headers : { ...headers, 'content-length': String(body.length) },
          agent: secure ? agents.https : agents.http,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('error', reject);
          res.on('end', () =>
            resolve({
              status: res.statusCode ?? 502,
              body: Buffer.concat(chunks),
              type: (res.headers['content-type'] as string) ?? null,
            }),
          );
        },
      );
      req.on('error', reject);
      req.end(method === 'GET' || method === 'HEAD' ? undefined : body);
    });
  const proxy: WebhookProxy = {
    url: '',
    calls,
    holdWhen: null,
    held: [],
    async release(items) {
      const out: number[] = [];
      for (const h of items) out.push((await forward(h.method, h.url, h.headers, Buffer.from(h.body))).status);
      return out;
    },
    stop: async () => {},
  };
  const server = http.createServer((req, res) => {
    void (async () => {
      const at = Date.now();
      const raw = await readAll(req);
      const url = req.url ?? '/';
      const path = url.split('?')[0]!;
      const method = req.method ?? 'POST';
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers))
        if (typeof v === 'string' && !['host', 'connection', 'content-length', 'transfer-encoding'].includes(k)) headers[k] = v;
      const text = keepBodies || proxy.holdWhen ? raw.toString('utf8') : '';
      if (!url.includes('validationToken=') && proxy.holdWhen?.(path, text)) {
        proxy.held.push({ method, url, headers, body: text });
        calls.push({ method, path, at, ackMs: null, status: 202, body: text, bytes: raw.length });
        res.writeHead(202);
        res.end();
        return;
      }
      let r: { status: number; body: Buffer; type: string | null };
      try {
        r = await forward(method, url, headers, raw);
      } catch (err) {
        r = { status: 502, body: Buffer.from((err as Error).message), type: 'text/plain' };
      }
      calls.push({
        method,
        path,
        at,
        ackMs: r.status === 502 ? null : Date.now() - at,
        status: r.status,
        body: text,
        bytes: raw.length,
      });
      if (!res.headersSent) res.writeHead(r.status, r.type ? { 'content-type': r.type } : {});
      res.end(r.body);
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  proxy.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  proxy.stop = () =>
    new Promise<void>((resolve) => {
      agents.http.destroy();
      agents.https.destroy();
      server.close(() => resolve());
      server.closeAllConnections();
    });
  return proxy;
}
