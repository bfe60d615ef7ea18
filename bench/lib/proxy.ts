import { createServer, type IncomingMessage } from 'node:http';
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
  body: string;
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

const readAll = async (req: IncomingMessage): Promise<string> => {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
};

export async function startWebhookProxy(target: () => string): Promise<WebhookProxy> {
  const calls: ProxiedCall[] = [];
  const forward = async (h: Held) => {
    const res = await fetch(`${target()}${h.url}`, {
      method: h.method,
      headers: h.headers,
      ...(h.method === 'GET' || h.method === 'HEAD' ? {} : { body: h.body }),
    });
    const text = await res.text();
    return { status: res.status, text, type: res.headers.get('content-type') };
  };
  const proxy: WebhookProxy = {
    url: '',
    calls,
    holdWhen: null,
    held: [],
    async release(items) {
      const out: number[] = [];
      for (const h of items) out.push((await forward(h)).status);
      return out;
    },
    stop: async () => {},
  };
  const server = createServer((req, res) => {
    void (async () => {
      const at = Date.now();
      const body = await readAll(req);
      const url = req.url ?? '/';
      const path = url.split('?')[0]!;
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers))
        if (typeof v === 'string' && !['host', 'connection', 'content-length', 'transfer-encoding'].includes(k)) headers[k] = v;
      const h: Held = { method: req.method ?? 'POST', url, headers, body };
      if (!url.includes('validationToken=') && proxy.holdWhen?.(path, body)) {
        proxy.held.push(h);
        calls.push({ method: h.method, path, at, ackMs: null, status: 202, body });
        res.writeHead(202);
        res.end();
        return;
      }
      let r: { status: number; text: string; type: string | null };
      try {
        r = await forward(h);
      } catch (err) {
        r = { status: 502, text: (err as Error).message, type: 'text/plain' };
      }
      calls.push({ method: h.method, path, at, ackMs: r.status === 502 ? null : Date.now() - at, status: r.status, body });
      if (!res.headersSent) res.writeHead(r.status, r.type ? { 'content-type': r.type } : {});
      res.end(r.text);
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  proxy.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  proxy.stop = () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  return proxy;
}
