import { randomUUID } from 'node:crypto';
import restify, { type Request, type Response, type Server } from 'restify';
import type { Logger } from '../logging.ts';
import { AppError } from './errors.ts';

declare module 'restify' {
  interface Request {
    /** Per-request child logger carrying `reqId`. */
    plog: Logger;
    reqId: string;
  }
}

export interface HttpServerOptions {
  logger: Logger;
  /** Default body limit; routes that need less check it themselves. */
  maxBodyBytes?: number;
}

/**
 * A restify server with: request ids (from `x-request-id` or new), a per-request pino child logger,
 * JSON/form body parsing with a size limit (413), and one error format `{error:{code,message,details?}}`.
 */
/**
 * The parser's ceiling for every route. Graph batches up to 100 encrypted presence notifications in one
 * POST, which passes 1 MiB (measured ~1.1 MB): a lower ceiling refuses whole batches, Graph retries
 * them into the same 413 and they are lost. Routes keep tighter limits of their own (admin API 1 MiB,
 * CXone push 256 KiB).
 */
export const DEFAULT_MAX_BODY_BYTES = 8 * 1024 * 1024;

export function createHttpServer(opts: HttpServerOptions): Server {
  const server = restify.createServer({ name: 'presence-sync', handleUncaughtExceptions: false, ignoreTrailingSlash: true });
  const { logger } = opts;

  server.pre((req: Request, res: Response, next: restify.Next) => {
    const incoming = req.header('x-request-id');
    req.reqId = incoming && /^[\w.-]{1,100}$/.test(incoming) ? incoming : randomUUID();
    // Made on first use: a pino child with redaction serializes its bindings, which under a webhook
    // burst (hundreds of POSTs a second, none of them logging at the default level) was ~8% of allocation.
    let child: Logger | undefined;
    const reqId = req.reqId;
    Object.defineProperty(req, 'plog', { configurable: true, get: () => (child ??= logger.child({ reqId })) });
    res.setHeader('x-request-id', req.reqId);
    next();
  });
  server.use(restify.plugins.queryParser({ mapParams: false }));
  server.use(
    restify.plugins.bodyParser({
      mapParams: false,
      maxBodySize: opts.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES,
      rejectUnknown: false,
    }),
  );

  server.on('after', (req: Request, res: Response) => {
    const path = req.getPath();
    if (path === '/healthz' || path === '/readyz' || !logger.isLevelEnabled('info')) return;
    req.plog.info({ method: req.method, path, status: res.statusCode, ms: Date.now() - req.time() }, 'request');
  });

  server.on(
    'restifyError',
    (
      req: Request,
      _res: Response,
      err: Error & { statusCode?: number; body?: { code?: string; message?: string } },
      cb: () => void,
    ) => {
      const status = err.statusCode ?? 500;
      if (err instanceof AppError && err.expose) return cb();
      if (status >= 500) {
        req.plog?.error({ err }, 'unhandled error');
        Object.assign(err, { toJSON: () => ({ error: { code: 'internal', message: `internal error (request ${req.reqId})` } }) });
      } else {
        // restify's own 4xx (bad JSON, 413, 404 route, 405): same shape as ours.
        const code = err.body?.code ?? err.name;
        const message = status === 413 ? 'request body too large' : (err.body?.message ?? err.message);
        Object.assign(err, { toJSON: () => ({ error: { code: snake(code), message } }) });
      }
      cb();
    },
  );
  return server;
}

function snake(s: string): string {
  return (
    s
      .replace(/Error$/, '')
      .replace(/([a-z])([A-Z])/g, '$1_$2')
      .toLowerCase() || 'error'
  );
}

/** Resolves with the bound port once listening (port 0 picks a free one). */
export function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.removeListener('error', reject);
      const addr = server.address();
      resolve(typeof addr === 'object' && addr ? addr.port : port);
    });
  });
}
