import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Principal } from './principal.ts';

/**
 * A tiny router over node's own HTTP server. The emulator does not use restify: it must answer in
 * Microsoft's exact shapes (HTML forms, 302s, form-encoded token requests, `$batch`, `$select`), and
 * at 10,000 users it should cost as little per request as possible.
 */
export interface Req {
  method: string;
  /** Path without the query string, percent-decoded per segment. */
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  /** Parsed JSON or form body; undefined when empty. */
  body: unknown;
  raw: IncomingMessage;
  params: Record<string, string>;
  /** Set on Graph (/v1.0) requests once the bearer token is verified. */
  principal?: Principal;
}

export interface Res {
  status: number;
  headers: Record<string, string>;
  /** string (sent as is) or a value sent as JSON. */
  body?: unknown;
}

export type Handler = (req: Req) => Promise<Res> | Res;

interface Route {
  method: string;
  parts: string[];
  handler: Handler;
}

export class Router {
  private readonly routes: Route[] = [];
  on(method: string, pattern: string, handler: Handler): this {
    this.routes.push({ method, parts: pattern.split('/').filter(Boolean), handler });
    return this;
  }
  /** Finds the handler; `methodMismatch` when the path exists under another method. */
  match(method: string, path: string): { handler: Handler; params: Record<string, string> } | 'methodMismatch' | null {
    const segs = path.split('/').filter(Boolean);
    let mismatch = false;
    for (const r of this.routes) {
      const params = matchParts(r.parts, segs);
      if (!params) continue;
      if (r.method !== method) {
        mismatch = true;
        continue;
      }
      return { handler: r.handler, params };
    }
    return mismatch ? 'methodMismatch' : null;
  }
}

function matchParts(parts: string[], segs: string[]): Record<string, string> | null {
  if (parts.length !== segs.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i]!;
    const s = segs[i]!;
    if (p.startsWith(':')) params[p.slice(1)] = s;
    else if (p.toLowerCase() !== s.toLowerCase()) return null;
  }
  return params;
}

/** Thrown by handlers; turned into a response by the server. */
export class HttpError extends Error {
  constructor(
    readonly res: Res,
    message = 'http error',
  ) {
    super(message);
  }
}

export const json = (status: number, body: unknown, headers: Record<string, string> = {}): Res => ({
  status,
  headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
  body,
});
export const text = (status: number, body: string, contentType = 'text/plain; charset=utf-8'): Res => ({
  status,
  headers: { 'content-type': contentType },
  body,
});
export const html = (status: number, body: string): Res => text(status, body, 'text/html; charset=utf-8');
export const redirect = (location: string, status = 302): Res => ({ status, headers: { location }, body: '' });
export const noContent = (): Res => ({ status: 204, headers: {} });

export const MAX_BODY_BYTES = 4 * 1024 * 1024;

export class BodyError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** Reads and parses the body: JSON, form-urlencoded (to a plain object), else the text. */
export async function readBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const b = chunk as Buffer;
    size += b.length;
    if (size > MAX_BODY_BYTES) throw new BodyError(413, 'request body too large');
    chunks.push(b);
  }
  if (size === 0) return undefined;
  const raw = Buffer.concat(chunks).toString('utf8');
  const type = (req.headers['content-type'] ?? '').toLowerCase();
  if (type.includes('application/x-www-form-urlencoded')) return Object.fromEntries(new URLSearchParams(raw));
  if (type.includes('json') || raw.trimStart().startsWith('{') || raw.trimStart().startsWith('[')) {
    try {
      return JSON.parse(raw) as unknown;
    } catch {
      throw new BodyError(400, 'request body is not valid JSON');
    }
  }
  return raw;
}

export function send(res: ServerResponse, r: Res): void {
  let payload: string | undefined;
  if (r.body === undefined) payload = undefined;
  else if (typeof r.body === 'string') payload = r.body;
  else payload = JSON.stringify(r.body);
  const headers: Record<string, string | number> = { ...r.headers };
  if (payload !== undefined) headers['content-length'] = Buffer.byteLength(payload);
  res.writeHead(r.status, headers);
  res.end(payload);
}

export function decodePath(rawPath: string): string {
  return rawPath
    .split('/')
    .map((s) => {
      try {
        return decodeURIComponent(s);
      } catch {
        return s;
      }
    })
    .join('/');
}

export const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
