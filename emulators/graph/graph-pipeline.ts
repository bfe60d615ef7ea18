import type { Directory } from './directory.ts';
import type { Faults } from './faults.ts';
import { badRequest, fail, graphError } from './graph-errors.ts';
import { decodePath, HttpError, isRecord, json, type Req, type Res, type Router } from './http.ts';
import type { TokenKeys } from './identity/keys.ts';
import { presenceBatchIds } from './presence-routes.ts';
import { authenticate } from './principal.ts';
import type { Quota } from './quota.ts';
import type { Stats } from './stats.ts';

/**
 * What every Graph (/v1.0) request goes through: injected slowness, bearer-token authentication,
 * the per-app-per-tenant quota, injected throttling and 5xx, then the route. `$batch` runs each of
 * its parts through the same steps (each is throttled on its own; the batch answers 200).
 */
export interface GraphPipelineDeps {
  router: Router;
  quota: Quota;
  faults: Faults;
  stats: Stats;
  keys: TokenKeys;
  dir: Directory;
  now: () => number;
  presenceBatchCost: 'request' | 'per_id';
}

const PRESENCE_BATCH_PATH = '/communications/getpresencesbyuserid';
const MAX_BATCH = 20;

export function createGraphPipeline(d: GraphPipelineDeps): (req: Req) => Promise<Res> {
  const runGraph = async (req: Req, path: string): Promise<Res> => {
    const m = d.router.match(req.method, path);
    if (m === null) throw badRequest(`Resource not found for the segment '${path.split('/').filter(Boolean)[0] ?? ''}'.`);
    if (m === 'methodMismatch')
      throw fail(405, 'Request_BadRequest', `The HTTP method '${req.method}' is not allowed for this resource.`);
    const p = req.principal!;
    const isBatchRead = path.toLowerCase() === PRESENCE_BATCH_PATH;
    // Whether a 650-id read counts as one request is UNCONFIRMED in Graph (facts/graph.md): configurable.
    const cost =
      d.presenceBatchCost === 'per_id' && isBatchRead && isRecord(req.body) && Array.isArray(req.body.ids)
        ? Math.max(1, req.body.ids.length)
        : 1;
    const q = d.quota.take(`${p.tenantId}:${p.appId}`, cost);
    const throttled = q.ok ? d.faults.take('throttle', path) : null;
    if (!q.ok || throttled) {
      d.stats.throttled += 1;
      const retryAfter = q.ok ? String(throttled?.retryAfterSeconds ?? 2) : String(q.retryAfterSeconds);
      return graphError(429, 'TooManyRequests', 'Too many requests, please retry after the time in the Retry-After header.', {
        'retry-after': retryAfter,
      });
    }
    const broken = d.faults.take('server_error', path);
    if (broken) {
      d.stats.serverErrors += 1;
      const status = broken.status ?? 503;
      return graphError(
        status,
        status === 503 ? 'serviceNotAvailable' : 'generalException',
        'The service is temporarily unavailable (injected fault).',
      );
    }
    if (isBatchRead) presenceBatchIds(req.body);
    try {
      return await m.handler({ ...req, params: m.params });
    } catch (e) {
      if (e instanceof HttpError) return e.res;
      throw e;
    }
  };

  /** POST /$batch (json-batching): at most 20 requests. */
  const batch = async (req: Req): Promise<Res> => {
    const b = req.body;
    if (!isRecord(b) || !Array.isArray(b.requests)) throw badRequest("A batch body needs 'requests'.");
    if (b.requests.length === 0 || b.requests.length > MAX_BATCH) throw badRequest(`A batch holds 1 to ${MAX_BATCH} requests.`);
    const responses: Record<string, unknown>[] = [];
    for (const item of b.requests) {
      if (!isRecord(item) || typeof item.id !== 'string' || typeof item.method !== 'string' || typeof item.url !== 'string')
        throw badRequest('Each batch request needs id, method and url.');
      const u = new URL(item.url.replace(/^\/?(v1\.0\/)?/, '/'), 'https://batch.invalid');
      const sub: Req = {
        ...req,
        method: item.method.toUpperCase(),
        path: decodePath(u.pathname),
        query: u.searchParams,
        body: item.body,
        params: {},
      };
      let r: Res;
      try {
        r = await runGraph(sub, sub.path);
      } catch (e) {
        if (!(e instanceof HttpError)) throw e;
        r = e.res;
      }
      responses.push({
        id: item.id,
        status: r.status,
        headers: r.headers,
        body: typeof r.body === 'string' && !r.body ? undefined : r.body,
      });
    }
    return json(200, { responses });
  };

  return async (req: Req): Promise<Res> => {
    d.stats.requests += 1;
    const slow = d.faults.take('slow', req.path);
    if (slow) await new Promise((r) => setTimeout(r, slow.delayMs));
    req.principal = await authenticate(req.headers.authorization, d.keys, d.dir, d.now());
    const path = req.path.slice('/v1.0'.length) || '/';
    if (path === '/$batch' && req.method === 'POST') return batch(req);
    return runGraph(req, path);
  };
}
