import type { IncomingMessage, ServerResponse } from 'node:http';

/** An HTTP refusal with CXone's error body shape `{error, errorDescription}` (facts/cxone.md). */
export class HttpFailure extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const MAX_BODY = 1024 * 1024;

export function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  if (status === 304 || body === undefined) {
    res.writeHead(status, headers);
    res.end();
    return;
  }
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

export async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > MAX_BODY) throw new HttpFailure(413, 'PayloadTooLarge', 'request body too large');
    chunks.push(c as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (!text.trim()) return null;
  try {
    return JSON.parse(text);
  } catch {
    throw new HttpFailure(400, 'InvalidJson', 'body: not valid JSON');
  }
}
