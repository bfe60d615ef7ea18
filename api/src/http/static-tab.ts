import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Request, Response, Server } from 'restify';
import type { Logger } from '../logging.ts';

/**
 * Serves the built admin tab (tabs/dist, built by `npm run build:tab`) on the API's own origin:
 * `/` and `/tab/*`. Hashed assets are cached for a year; HTML is revalidated on every load.
 * Paths that look like a page (no file extension) fall back to index.html so the tab's own router
 * handles deep links (/tab/rules?rule=…); a missing asset is a real 404.
 */
export const DEFAULT_TAB_DIR = fileURLToPath(new URL('../../../tabs/dist', import.meta.url));

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.txt': 'text/plain; charset=utf-8',
};

/** Teams (web, desktop, mobile) and Outlook/Microsoft 365 hosts that may frame the tab. */
const FRAME_ANCESTORS =
  "frame-ancestors 'self' https://teams.microsoft.com https://*.teams.microsoft.com https://teams.cloud.microsoft https://*.cloud.microsoft https://*.office.com https://*.microsoft365.com https://*.skype.com";

export interface StaticTabOptions {
  dir?: string;
  logger: Logger;
}

export function registerStaticTab(server: Server, opts: StaticTabOptions): void {
  const root = path.resolve(opts.dir ?? DEFAULT_TAB_DIR);

  const serve = async (req: Request, res: Response) => {
    const urlPath = decodeURIComponentSafe(req.getPath());
    if (urlPath === null) return sendText(res, 400, 'bad path');
    const rel = urlPath === '/' || urlPath === '/tab' ? '' : urlPath.replace(/^\/tab\//, '');
    const file = path.resolve(root, rel);
    if (file !== root && !file.startsWith(root + path.sep)) return sendText(res, 404, 'not found');

    const found = rel && (await isFile(file)) ? file : null;
    if (!found && path.extname(rel)) return sendText(res, 404, 'not found');
    const target = found ?? path.join(root, 'index.html');
    let body: Buffer;
    try {
      body = await readFile(target);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      opts.logger.warn({ dir: root }, 'the tab is not built (tabs/dist/index.html missing)');
      return sendText(res, 503, 'The admin tab is not built yet: run `npm run build:tab`.');
    }
    const ext = path.extname(target);
    const hashed = target.startsWith(path.join(root, 'assets') + path.sep);
    res.writeHead(200, {
      'content-type': TYPES[ext] ?? 'application/octet-stream',
      'content-length': body.length,
      'cache-control': hashed ? 'public, max-age=31536000, immutable' : 'no-cache',
      'x-content-type-options': 'nosniff',
      ...(ext === '.html'
        ? { 'content-security-policy': FRAME_ANCESTORS, 'referrer-policy': 'strict-origin-when-cross-origin' }
        : {}),
    });
    res.end(req.method === 'HEAD' ? undefined : body);
  };

  for (const route of ['/', '/tab', '/tab/*']) {
    server.get(route, serve);
    server.head(route, serve);
  }
}

function sendText(res: Response, status: number, text: string): void {
  res.writeHead(status, {
    'content-type': 'text/plain; charset=utf-8',
    'cache-control': 'no-cache',
    'x-content-type-options': 'nosniff',
  });
  res.end(text);
}

async function isFile(file: string): Promise<boolean> {
  try {
    return (await stat(file)).isFile();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return false;
    throw err;
  }
}

function decodeURIComponentSafe(s: string): string | null {
  try {
    return decodeURIComponent(s);
  } catch {
    return null;
  }
}
