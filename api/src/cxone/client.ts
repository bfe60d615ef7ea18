import type { AgentStateSnapshot, CxoneTarget } from '../domain/cxone.ts';
import type { Clock, CxoneStateReader, CxoneStateWriter } from '../domain/ports.ts';
import { systemClock } from '../domain/ports.ts';
import { ExternalError } from '../domain/reasons.ts';
import type { Logger } from '../logging.ts';
import { type CxoneHttp, createCxoneHttp, type FetchImpl } from './http.ts';
import { type PathName, paths, resolveVersions } from './paths.ts';
import { DEFAULT_RETRY, type RetryPolicy } from './retry.ts';
import {
  agentStatesPageSchema,
  agentsPageSchema,
  describeErrorBody,
  joinSessionSchema,
  teamsPageSchema,
  unavailableCodesSchema,
} from './schemas.ts';
import { toSnapshot } from './states.ts';

export interface CxoneAgent {
  agentId: string;
  userName: string | null;
  firstName: string | null;
  lastName: string | null;
  email: string | null;
  teamId: string | null;
  teamName: string | null;
  isActive: boolean;
}

export interface CxoneTeam {
  teamId: string;
  teamName: string;
  isActive: boolean;
}

export interface CxoneUnavailableCode {
  outStateId: number;
  name: string;
  isActive: boolean;
  isAcw: boolean;
}

export interface CxoneStatesPage {
  states: AgentStateSnapshot[];
  /** CXone's `lastPollTime`: pass it back as the next cursor (`updatedSince`). */
  cursor: string | null;
}

export interface CxoneClient extends CxoneStateWriter, CxoneStateReader {
  listAgents(opts?: { activeOnly?: boolean }): Promise<CxoneAgent[]>;
  listTeams(): Promise<CxoneTeam[]>;
  listUnavailableCodes(teamId: string): Promise<CxoneUnavailableCode[]>;
  getAgentStates(): Promise<AgentStateSnapshot[]>;
  /** Changes since `cursor` (null = full read). A 304 answers `{states: [], cursor}` unchanged. */
  getAgentStatesSince(cursor: string | null): Promise<CxoneStatesPage>;
  setAgentState(agentId: string, target: CxoneTarget): Promise<void>;
}

export interface CxoneClientOptions {
  /** CXone `api_endpoint`, e.g. https://api-na1.niceincontact.com (CXONE_BASE_URL). */
  baseUrl: string;
  /** Where `/authentication/v1/token/access-key` lives, e.g. https://na1.nice-incontact.com. Default: baseUrl. */
  authUrl?: string;
  accessKeyId: string;
  accessKeySecret: string;
  /** Admin route `POST /agents/{id}/state` (default) or agent-session route (join + session state). */
  stateRoute?: 'admin' | 'agent_session';
  /** State names treated as agent-to-agent (ConnectionOptions.agentToAgentStates). */
  agentToAgentStates?: string[];
  versions?: Partial<Record<PathName, string>>;
  logger: Logger;
  clock?: Clock;
  fetchImpl?: FetchImpl;
  /** How retries wait (tests record instead of sleeping). */
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  retry?: Partial<RetryPolicy>;
  /** Per-request timeout (default 15 s). */
  timeoutMs?: number;
  /** Page size for agents and states (`top`, default 1000). */
  pageSize?: number;
  /** Refresh the token this long before expiry (default 5 min, at most half its lifetime). */
  refreshMarginMs?: number;
}

const MAX_PAGES = 10_000;

function requireText(name: string, v: unknown): string {
  if (typeof v !== 'string' || !v.trim()) throw new TypeError(`createCxoneClient: ${name} is required`);
  return v;
}

function requireUrl(name: string, v: string): string {
  try {
    const u = new URL(v);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error('protocol');
    return v;
  } catch {
    throw new TypeError(`createCxoneClient: ${name} must be an http(s) URL (got ${JSON.stringify(v)})`);
  }
}

/** CXone ids are integers on the wire; keep non-numeric ids (stand-ins) as strings. */
const wireId = (id: string): number | string => (/^\d+$/.test(id) ? Number(id) : id);

export function createCxoneClient(opts: CxoneClientOptions): CxoneClient {
  const baseUrl = requireUrl('baseUrl', requireText('baseUrl', opts.baseUrl));
  const authUrl = opts.authUrl ? requireUrl('authUrl', opts.authUrl) : baseUrl;
  const versions = resolveVersions(opts.versions);
  const stateRoute = opts.stateRoute ?? 'admin';
  if (stateRoute !== 'admin' && stateRoute !== 'agent_session')
    throw new TypeError(`createCxoneClient: stateRoute must be "admin" or "agent_session" (got ${JSON.stringify(stateRoute)})`);
  const a2a = opts.agentToAgentStates ?? ['InboundConsult', 'OutboundConsult'];
  const pageSize = opts.pageSize ?? 1000;
  const log = opts.logger.child({ component: 'cxone-client' });
  const http: CxoneHttp = createCxoneHttp({
    baseUrl,
    authUrl,
    accessKeyId: requireText('accessKeyId', opts.accessKeyId),
    accessKeySecret: requireText('accessKeySecret', opts.accessKeySecret),
    versions,
    logger: opts.logger,
    clock: opts.clock ?? systemClock,
    fetchImpl: opts.fetchImpl ?? ((input, init) => fetch(input, init)),
    sleep: opts.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms))),
    random: opts.random ?? Math.random,
    retry: { ...DEFAULT_RETRY, ...opts.retry },
    timeoutMs: opts.timeoutMs ?? 15_000,
    refreshMarginMs: opts.refreshMarginMs ?? 5 * 60_000,
  });

  async function listAgents(o: { activeOnly?: boolean } = {}): Promise<CxoneAgent[]> {
    const out: CxoneAgent[] = [];
    for (let page = 0, skip = 0; page < MAX_PAGES; page++) {
      const res = await http.request({
        name: 'listAgents',
        method: 'GET',
        path: paths.listAgents(versions.listAgents),
        query: { skip, top: pageSize, ...(o.activeOnly ? { isActive: true } : {}) },
        passStatuses: [204],
      });
      if (res.status === 204) break;
      const body = http.parse('listAgents', 'GET', agentsPageSchema, res.body);
      for (const a of body.agents)
        out.push({
          agentId: a.agentId,
          userName: a.userName,
          firstName: a.firstName,
          lastName: a.lastName,
          email: a.emailAddress,
          teamId: a.teamId,
          teamName: a.teamName,
          isActive: a.isActive,
        });
      skip += body.agents.length;
      const more = body.totalRecords !== undefined ? skip < body.totalRecords : body.agents.length === pageSize;
      if (!more || body.agents.length === 0) break;
    }
    return out;
  }

  async function listTeams(): Promise<CxoneTeam[]> {
    const res = await http.request({
      name: 'listTeams',
      method: 'GET',
      path: paths.listTeams(versions.listTeams),
      passStatuses: [204],
    });
    if (res.status === 204) return [];
    return http.parse('listTeams', 'GET', teamsPageSchema, res.body).teams;
  }

  async function listUnavailableCodes(teamId: string): Promise<CxoneUnavailableCode[]> {
    requireText('teamId', teamId);
    const res = await http.request({
      name: 'listUnavailableCodes',
      method: 'GET',
      path: paths.listUnavailableCodes(versions.listUnavailableCodes, teamId),
      query: { activeOnly: true },
      passStatuses: [204],
    });
    if (res.status === 204) return [];
    return http
      .parse('listUnavailableCodes', 'GET', unavailableCodesSchema, res.body)
      .map((c) => ({ outStateId: c.outStateId, name: c.outStateName, isActive: c.isActive, isAcw: c.isAcw }));
  }

  async function getAgentStatesSince(cursor: string | null): Promise<CxoneStatesPage> {
    const states: AgentStateSnapshot[] = [];
    let next: string | null = cursor;
    for (let page = 0, skip = 0; page < MAX_PAGES; page++) {
      const res = await http.request({
        name: 'agentStates',
        method: 'GET',
        path: paths.agentStates(versions.agentStates),
        query: { ...(cursor ? { updatedSince: cursor } : {}), skip, top: pageSize },
        passStatuses: [204, 304],
      });
      if (res.status === 304 || res.status === 204) break;
      const body = http.parse('agentStates', 'GET', agentStatesPageSchema, res.body);
      // The first page's lastPollTime is the earliest: nothing changed after it is missed.
      if (page === 0) next = body.lastPollTime;
      for (const w of body.agentStates) states.push(toSnapshot(w, a2a));
      skip += body.agentStates.length;
      const more = body.totalRecords !== undefined ? skip < body.totalRecords : body.agentStates.length === pageSize;
      if (!more || body.agentStates.length === 0) break;
    }
    return { states, cursor: next };
  }

  // --- writing -----------------------------------------------------------------------------------
  const sessions = new Map<string, string>();
  const agentTeams = new Map<string, string | null>();
  const teamCodes = new Map<string, CxoneUnavailableCode[]>();

  function checkTarget(target: CxoneTarget): void {
    if (!target || (target.state !== 'Available' && target.state !== 'Unavailable'))
      throw new ExternalError('cxone_rejected', 'target.state: only "Available" or "Unavailable" can be set in CXone', {
        service: 'cxone',
      });
    if (target.state === 'Unavailable' && !(Number.isInteger(target.outStateId) && target.outStateId > 0))
      throw new ExternalError(
        'cxone_rejected',
        'target.outStateId: an Unavailable state needs a positive integer unavailable code id',
        {
          service: 'cxone',
        },
      );
  }

  function rejected(agentId: string, status: number, body: unknown, what: string): ExternalError {
    const d = describeErrorBody(body);
    const why =
      status === 404
        ? `agent ${agentId} (or its session) was not found in CXone`
        : status === 409
          ? `CXone refused ${what} for agent ${agentId} in its current state (HTTP 409)`
          : `CXone refused ${what} for agent ${agentId} (HTTP ${status})`;
    return new ExternalError('cxone_rejected', d ? `${why}: ${d}` : why, { service: 'cxone', status });
  }

  async function setViaAdmin(agentId: string, target: CxoneTarget): Promise<void> {
    const res = await http.request({
      name: 'setAgentState',
      method: 'POST',
      path: paths.setAgentState(versions.setAgentState, agentId),
      body: target.state === 'Available' ? { state: 'Available' } : { state: 'Unavailable', outStateId: target.outStateId },
      passStatuses: [400, 404, 409, 422],
    });
    if (res.status >= 400) throw rejected(agentId, res.status, res.body, `state ${describeTarget(target)}`);
  }

  async function codeName(agentId: string, outStateId: number): Promise<string> {
    for (let fresh = 0; fresh < 2; fresh++) {
      if (fresh === 1 || !agentTeams.has(agentId)) for (const a of await listAgents()) agentTeams.set(a.agentId, a.teamId);
      const teamId = agentTeams.get(agentId);
      if (!teamId)
        throw new ExternalError('cxone_rejected', `agent ${agentId} has no CXone team: cannot resolve unavailable codes`, {
          service: 'cxone',
        });
      if (fresh === 1 || !teamCodes.has(teamId)) teamCodes.set(teamId, await listUnavailableCodes(teamId));
      const code = teamCodes.get(teamId)?.find((c) => c.outStateId === outStateId);
      if (code) return code.name;
    }
    throw new ExternalError(
      'cxone_rejected',
      `target.outStateId: ${outStateId} is not an active unavailable code of agent ${agentId}'s team`,
      {
        service: 'cxone',
      },
    );
  }

  async function join(agentId: string): Promise<string> {
    const cached = sessions.get(agentId);
    if (cached) return cached;
    const res = await http.request({
      name: 'joinAgentSession',
      method: 'POST',
      path: paths.joinAgentSession(versions.joinAgentSession),
      body: { asAgentId: wireId(agentId) },
      passStatuses: [400, 404, 409],
    });
    if (res.status >= 400) throw rejected(agentId, res.status, res.body, 'joining the agent session');
    const sessionId = http.parse('joinAgentSession', 'POST', joinSessionSchema, res.body).sessionId;
    sessions.set(agentId, sessionId);
    return sessionId;
  }

  async function setViaSession(agentId: string, target: CxoneTarget): Promise<void> {
    const body =
      target.state === 'Available'
        ? { state: 'Available' }
        : { state: 'Unavailable', reason: await codeName(agentId, target.outStateId) };
    for (let attempt = 0; attempt < 2; attempt++) {
      const sessionId = await join(agentId);
      const res = await http.request({
        name: 'agentSessionState',
        method: 'POST',
        path: paths.agentSessionState(versions.agentSessionState, sessionId),
        body,
        passStatuses: [400, 404, 409, 422],
      });
      if (res.status === 404 && attempt === 0) {
        sessions.delete(agentId); // the session ended: join again once
        continue;
      }
      if (res.status >= 400) throw rejected(agentId, res.status, res.body, `state ${describeTarget(target)}`);
      return;
    }
  }

  return {
    listAgents,
    listTeams,
    listUnavailableCodes,
    getAgentStatesSince,
    async getAgentStates() {
      return (await getAgentStatesSince(null)).states;
    },
    async setAgentState(agentId, target) {
      requireText('agentId', agentId);
      checkTarget(target);
      if (stateRoute === 'admin') await setViaAdmin(agentId, target);
      else await setViaSession(agentId, target);
      log.debug({ agentId, target: describeTarget(target), route: stateRoute }, 'cxone state set');
    },
  };
}

function describeTarget(t: CxoneTarget): string {
  return t.state === 'Available' ? 'Available' : `Unavailable/${t.outStateId}`;
}
