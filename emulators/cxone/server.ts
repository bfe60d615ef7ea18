import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { buildSeed, type Seed } from '../shared/seed.ts';
import { createApiRoutes } from './api-routes.ts';
import { handleControl } from './control-http.ts';
import { type DayStep, dayScript } from './day.ts';
import { createFaults, type FaultSpec } from './faults.ts';
import { HttpFailure, readJson, send } from './http-util.ts';
import { type ControlState, createModel, type EmulatedAgentState, ModelError } from './model.ts';
import { createPusher, type PushConfig } from './push.ts';
import { agentStateEntry, type CodeListStyle } from './wire.ts';

export interface CxoneEmulatorOptions {
  port?: number;
  host?: string;
  seed?: Seed;
  /** Agents in the default seed (ignored when `seed` is given). */
  agents?: number;
  pushUrl?: string;
  pushSecret?: string;
  pushConnectionId?: string;
  /** The emulator's time source (default Date.now); advanceTime() adds to it. */
  now?: () => number;
  /** Token lifetime in seconds (default 3600, as CXone). */
  tokenLifetimeSec?: number;
  /** The access key to accept (default: a random one, reported in the result). */
  accessKey?: { id: string; secret: string };
  /** Unavailable-code list shape (default modern). */
  codeListStyle?: CodeListStyle;
}

export interface EmulatorCall {
  seq: number;
  at: number;
  method: string;
  path: string;
  query: Record<string, string>;
  status: number;
  body: unknown;
}

export interface CxoneEmulatorControl {
  setAgentState(agentId: string, s: ControlState): EmulatedAgentState;
  login(agentId: string): EmulatedAgentState;
  logout(agentId: string): EmulatedAgentState;
  startContact(agentId: string, type: 'inbound' | 'outbound', o?: { agentToAgent?: boolean }): EmulatedAgentState;
  endContact(agentId: string, o?: { acw?: boolean }): EmulatedAgentState;
  /** Plays a scripted working day as emulator time passes; returns the script. */
  driveDay(agentId: string, o?: { speed?: number }): DayStep[];
  configurePush(c: PushConfig | null): void;
  /** Resolves when every queued push has been delivered (or failed). */
  flushPush(): Promise<void>;
  injectFault(f: FaultSpec): void;
  clearFaults(): void;
  revokeKey(): void;
  restoreKey(): void;
  calls(o?: { since?: number; pathPrefix?: string }): EmulatorCall[];
  resetCalls(): void;
  agentState(agentId: string): EmulatedAgentState;
  agentStates(): EmulatedAgentState[];
  advanceTime(ms: number): void;
  now(): number;
  setCodeListStyle(style: CodeListStyle): void;
}

export interface CxoneEmulator {
  url: string;
  /** What CXONE_BASE_URL points to (CXone's api_endpoint). */
  baseUrl: string;
  /** Where /authentication/v1/token/access-key lives. */
  authUrl: string;
  accessKey: { id: string; secret: string };
  businessUnitId: string;
  seed: Seed;
  control: CxoneEmulatorControl;
  stop(): Promise<void>;
}

const SERVICES_RE = /^\/incontactapi\/services\/v\d+(?:\.\d+)?(\/.*)$/i;
const TOKEN_RE = /^\/authentication\/v\d+(?:\.\d+)?\/token\/access-key\/?$/i;

export async function startCxoneEmulator(opts: CxoneEmulatorOptions = {}): Promise<CxoneEmulator> {
  const seed = opts.seed ?? buildSeed({ agents: opts.agents ?? 48 });
  const baseNow = opts.now ?? Date.now;
  let offset = 0;
  const now = () => baseNow() + offset;
  const model = createModel(seed, now);
  const faults = createFaults(now);
  const businessUnitId = 4600123;
  if (opts.accessKey && !(opts.accessKey.id && opts.accessKey.secret))
    throw new TypeError('accessKey: id and secret are required');
  const accessKey = opts.accessKey ?? {
    id: `AK${randomBytes(8).toString('hex').toUpperCase()}`,
    secret: randomBytes(24).toString('base64url'),
  };
  const tokenLifetimeSec = opts.tokenLifetimeSec ?? 3600;
  const tokens = new Map<string, number>();
  let keyRevoked = false;
  let codeStyle: CodeListStyle = opts.codeListStyle ?? 'modern';
  let calls: EmulatorCall[] = [];
  let callSeq = 0;
  const scripts: { agentId: string; startAt: number; steps: DayStep[] }[] = [];
  const pusher = createPusher({
    businessUnitId,
    toEntry: (s) => ({ ...agentStateEntry(s, seed, businessUnitId), sequence: s.sequence }),
    record: (c) => calls.push({ seq: ++callSeq, at: now(), ...c }),
  });
  if (opts.pushUrl) {
    if (!opts.pushSecret) throw new TypeError('pushSecret: required with pushUrl');
    pusher.configure({ url: opts.pushUrl, secret: opts.pushSecret, connectionId: opts.pushConnectionId ?? '' });
  }
  model.onChange((s) => pusher.enqueue(s));

  function tick() {
    const t = now();
    for (const sc of scripts) {
      while (sc.steps.length && sc.startAt + sc.steps[0]!.atMs <= t) {
        const step = sc.steps.shift()!;
        try {
          if (step.action === 'login') model.login(sc.agentId);
          else if (step.action === 'logout') model.logout(sc.agentId);
          else if (step.action === 'set') model.force(sc.agentId, step.to);
          else if (step.action === 'startContact')
            model.startContact(sc.agentId, step.type, { agentToAgent: step.agentToAgent ?? false });
          else if (step.action === 'endContact') model.endContact(sc.agentId, { acw: step.acw ?? false });
        } catch {
          // A step that no longer fits (the state was changed by hand meanwhile) is skipped.
        }
      }
    }
    for (let i = scripts.length - 1; i >= 0; i--) if (scripts[i]!.steps.length === 0) scripts.splice(i, 1);
  }

  const control: CxoneEmulatorControl = {
    setAgentState: (id, s) => model.force(id, s),
    login: (id) => model.login(id),
    logout: (id) => model.logout(id),
    startContact: (id, type, o) => model.startContact(id, type, o),
    endContact: (id, o) => model.endContact(id, o),
    driveDay(agentId, o = {}) {
      model.state(agentId);
      const steps = dayScript(o.speed ?? 1);
      scripts.push({ agentId, startAt: now(), steps: [...steps] });
      tick();
      return steps;
    },
    configurePush: (c) => pusher.configure(c),
    flushPush: () => pusher.flush(),
    injectFault: (f) => faults.inject(f),
    clearFaults: () => faults.clear(),
    revokeKey() {
      keyRevoked = true;
      tokens.clear();
    },
    restoreKey() {
      keyRevoked = false;
    },
    calls: (o = {}) =>
      calls.filter(
        (c) =>
          (o.since === undefined || c.at >= o.since) &&
          (o.pathPrefix === undefined || logical(c.path).toLowerCase().startsWith(o.pathPrefix.toLowerCase())),
      ),
    resetCalls() {
      calls = [];
    },
    agentState: (id) => model.state(id),
    agentStates: () => model.all(),
    advanceTime(ms) {
      if (!(Number.isFinite(ms) && ms >= 0)) throw new TypeError('ms: must be a non-negative number');
      offset += ms;
      tick();
    },
    now,
    setCodeListStyle(style) {
      if (style !== 'modern' && style !== 'legacy') throw new TypeError('style: must be "modern" or "legacy"');
      codeStyle = style;
    },
  };

  function checkBearer(req: IncomingMessage) {
    const h = req.headers.authorization ?? '';
    const m = /^bearer\s+(.+)$/i.exec(h);
    const exp = m ? tokens.get(m[1]!) : undefined;
    if (exp === undefined) throw new HttpFailure(401, 'invalid_token', 'missing or unknown bearer token');
    if (now() >= exp) {
      tokens.delete(m![1]!);
      throw new HttpFailure(401, 'invalid_token', 'the access token has expired');
    }
  }

  function issueToken(body: unknown) {
    const b = (body ?? {}) as Record<string, unknown>;
    if (typeof b.accessKeyId !== 'string' || typeof b.accessKeySecret !== 'string')
      throw new HttpFailure(400, 'invalid_request', 'accessKeyId and accessKeySecret are required');
    if (keyRevoked || b.accessKeyId !== accessKey.id || b.accessKeySecret !== accessKey.secret)
      throw new HttpFailure(401, 'invalid_client', 'the access key is invalid or has been deactivated');
    const token = randomBytes(24).toString('base64url');
    tokens.set(token, now() + tokenLifetimeSec * 1000);
    return {
      access_token: token,
      token_type: 'Bearer',
      expires_in: tokenLifetimeSec,
      refresh_token: randomUUID(),
      id_token: 'emulator.id.token',
      issued_token_type: 'urn:ietf:params:oauth:token-type:access_token',
    };
  }

  const api = createApiRoutes({ model, seed, businessUnitId, codeStyle: () => codeStyle });

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? '/', 'http://emulator');
    const method = req.method ?? 'GET';
    const path = url.pathname;
    if (path === '/_emulator' || path.startsWith('/_emulator/')) {
      return handleControl(req, res, url, control, { model, readBody: () => readJson(req), emulatorInfo: info });
    }
    tick();
    const isToken = TOKEN_RE.test(path);
    const svc = SERVICES_RE.exec(path);
    let body: unknown = null;
    let status = 500;
    let out: unknown;
    const headers: Record<string, string> = {};
    try {
      body = method === 'POST' ? await readJson(req) : null;
      const fault = isToken || svc ? faults.match(logical(path), isToken) : undefined;
      if (fault?.kind === 'outage') {
        record(method, path, url, 0, body);
        req.socket.destroy();
        return;
      }
      if (fault?.kind === 'slow') await new Promise((r) => setTimeout(r, fault.delayMs ?? 2000));
      if (fault?.kind === 'throttle') {
        if (fault.retryAfterSec !== undefined) headers['retry-after'] = String(fault.retryAfterSec);
        throw new HttpFailure(429, 'TooManyRequests', 'rate limit exceeded');
      }
      if (fault?.kind === 'server_error')
        throw new HttpFailure(fault.status ?? 500, 'InternalServerError', 'emulated server error');
      if (isToken && method === 'POST') {
        out = issueToken(body);
        status = 200;
      } else if (path === '/.well-known/cxone-configuration' && method === 'GET') {
        out = { ...info(), area: 'emu1', cluster: 'EMU1', tenantId: query(url, 'tenantId') };
        status = 200;
      } else if (svc) {
        checkBearer(req);
        if (fault?.kind === 'unauthorized') throw new HttpFailure(401, 'invalid_token', 'the access token was rejected');
        if (fault?.kind === 'forbidden')
          throw new HttpFailure(403, 'Forbidden', 'the access key user lacks a required permission');
        const r = api(method, svc[1]!, url.searchParams, body);
        status = r.status;
        out = fault?.kind === 'bad_payload' && status === 200 ? (fault.body ?? badShape(svc[1]!)) : r.body;
      } else throw new HttpFailure(404, 'NotFound', `no such resource: ${method} ${path}`);
    } catch (err) {
      if (err instanceof HttpFailure || err instanceof ModelError) {
        status = err.status;
        out = { error: err.code, errorDescription: err.message };
      } else {
        status = 500;
        out = { error: 'InternalServerError', errorDescription: (err as Error).message };
      }
    }
    record(method, path, url, status, body);
    send(res, status, out, headers);
  }

  function record(method: string, path: string, url: URL, status: number, body: unknown) {
    const safe =
      body && typeof body === 'object' && 'accessKeySecret' in body ? { ...body, accessKeySecret: '[redacted]' } : body;
    calls.push({ seq: ++callSeq, at: now(), method, path, query: Object.fromEntries(url.searchParams), status, body: safe });
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((err: Error) => {
      if (!res.headersSent) send(res, 500, { error: 'InternalServerError', errorDescription: err.message });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => resolve());
  });
  const addr = server.address() as AddressInfo;
  const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  const url = `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${addr.port}`;
  const info = () => ({ api_endpoint: url, auth_endpoint: url });
  const timer = setInterval(tick, 250);
  timer.unref();

  return {
    url,
    baseUrl: url,
    authUrl: url,
    accessKey,
    businessUnitId: String(businessUnitId),
    seed,
    control,
    async stop() {
      clearInterval(timer);
      await pusher.flush().catch(() => {});
      pusher.configure(null);
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

function logical(path: string): string {
  const m = SERVICES_RE.exec(path);
  return m ? m[1]! : path;
}

function query(url: URL, name: string): string | null {
  return url.searchParams.get(name);
}

/** A body with the right wrapper but wrong field types, per resource. */
function badShape(path: string): unknown {
  const p = path.toLowerCase();
  if (p.startsWith('/agents/states'))
    return { lastPollTime: 'not-a-date', agentStates: [{ agentId: 100001, agentStateName: 42 }] };
  if (p.startsWith('/agents')) return { agents: [{ agentId: null, firstName: 7 }] };
  if (p.startsWith('/teams')) return { teams: 'none' };
  return { unexpected: true };
}
