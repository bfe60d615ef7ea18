import { randomUUID } from 'node:crypto';
import type { Seed } from '../shared/seed.ts';
import { HttpFailure } from './http-util.ts';
import type { CxoneModel, SetTarget } from './model.ts';
import { agentEntry, agentStateEntry, type CodeListStyle, codesBody } from './wire.ts';

export interface ApiResult {
  status: number;
  body?: unknown;
}

/**
 * The emulated CXone REST API (paths after `/incontactapi/services/vNN.0`), as in facts/cxone.md:
 * GET /agents, /teams, /teams/{id}/unavailable-codes, /agents/states (updatedSince, lastPollTime, 304),
 * POST /agents/{id}/state, /agent-sessions/join, /agent-sessions/{id}/state.
 */
export function createApiRoutes(d: { model: CxoneModel; seed: Seed; businessUnitId: number; codeStyle: () => CodeListStyle }) {
  const { model, seed, businessUnitId } = d;
  const sessionsById = new Map<string, string>();
  return function api(method: string, path: string, query: URLSearchParams, body: unknown): ApiResult {
    const p = path.replace(/\/+$/, '').toLowerCase();
    const int = (name: string, def: number) => {
      const v = query.get(name);
      if (v === null) return def;
      if (!/^\d+$/.test(v)) throw new HttpFailure(400, 'InvalidParameter', `${name}: must be a non-negative integer`);
      return Number(v);
    };
    if (method === 'GET' && p === '/agents') {
      const skip = int('skip', 0);
      const top = int('top', 100);
      const t = model.pollTime();
      const list = seed.agents.map((_, i) => agentEntry(seed, i, t));
      return {
        status: 200,
        body: {
          businessUnitId,
          lastPollTime: new Date(t).toISOString(),
          totalRecords: list.length,
          _links: {},
          agents: list.slice(skip, skip + top),
        },
      };
    }
    if (method === 'GET' && p === '/teams') {
      return {
        status: 200,
        body: {
          totalRecords: seed.teams.length,
          teams: seed.teams.map((t) => ({
            teamId: Number(t.teamId),
            teamName: t.teamName,
            isActive: true,
            agentCount: seed.agents.filter((a) => a.teamId === t.teamId).length,
            teamUuid: `team-${t.teamId}`,
          })),
        },
      };
    }
    const codesM = /^\/teams\/([^/]+)\/unavailable-codes$/.exec(p);
    if (method === 'GET' && codesM) {
      const teamId = decodeURIComponent(codesM[1]!);
      if (!seed.teams.some((t) => t.teamId === teamId)) throw new HttpFailure(404, 'NotFound', `team ${teamId} does not exist`);
      return { status: 200, body: codesBody(seed, teamId, d.codeStyle()) };
    }
    if (method === 'GET' && p === '/agents/states') {
      const sinceRaw = query.get('updatedSince') ?? query.get('updateSince');
      let since: number | null = null;
      if (sinceRaw !== null) {
        since = Date.parse(sinceRaw);
        if (Number.isNaN(since)) throw new HttpFailure(400, 'InvalidParameter', 'updatedSince: must be an ISO date-time');
      }
      const skip = int('skip', 0);
      const top = int('top', 10_000);
      const t = model.pollTime();
      const list = since === null ? model.all() : model.changedSince(since);
      if (since !== null && list.length === 0) return { status: 304 };
      return {
        status: 200,
        body: {
          lastPollTime: new Date(t).toISOString(),
          totalRecords: list.length,
          _links: {},
          agentStates: list.slice(skip, skip + top).map((s) => agentStateEntry(s, seed, businessUnitId)),
        },
      };
    }
    const setM = /^\/agents\/([^/]+)\/state$/.exec(p);
    if (method === 'POST' && setM) {
      model.setByApi(decodeURIComponent(setM[1]!), parseTarget(body));
      return { status: 202, body: {} };
    }
    if (method === 'POST' && p === '/agent-sessions/join') {
      const b = (body ?? {}) as Record<string, unknown>;
      if (typeof b.asAgentId !== 'number' && typeof b.asAgentId !== 'string')
        throw new HttpFailure(400, 'InvalidRequest', 'asAgentId: required');
      const agentId = String(b.asAgentId);
      const st = model.state(agentId);
      if (st.state === 'LoggedOut') throw new HttpFailure(409, 'AgentNotLoggedIn', `agent ${agentId} has no session to join`);
      const sessionId = randomUUID();
      sessionsById.set(sessionId, agentId);
      return { status: 202, body: { sessionId } };
    }
    const sessM = /^\/agent-sessions\/([^/]+)\/state$/.exec(p);
    if (method === 'POST' && sessM) {
      const agentId = sessionsById.get(decodeURIComponent(sessM[1]!));
      if (!agentId) throw new HttpFailure(404, 'SessionNotFound', 'the agent session does not exist or has ended');
      const b = (body ?? {}) as Record<string, unknown>;
      let target: SetTarget;
      if (b.state === 'Available') target = { state: 'Available' };
      else if (b.state === 'Unavailable') {
        const code = seed.unavailableCodes.find(
          (c) => typeof b.reason === 'string' && c.outStateName.toLowerCase() === b.reason.toLowerCase(),
        );
        if (!code) throw new HttpFailure(400, 'InvalidRequest', `reason: "${String(b.reason)}" is not an unavailable code name`);
        target = { state: 'Unavailable', outStateId: code.outStateId };
      } else throw new HttpFailure(400, 'InvalidRequest', 'state: must be "Available" or "Unavailable"');
      model.setByApi(agentId, target);
      return { status: 202, body: {} };
    }
    throw new HttpFailure(404, 'NotFound', `no such resource: ${method} ${path}`);
  };
}

function parseTarget(body: unknown): SetTarget {
  const b = (body ?? {}) as Record<string, unknown>;
  if (b.state === 'Available') return { state: 'Available' };
  if (b.state === 'Unavailable') {
    if (!(typeof b.outStateId === 'number' && Number.isInteger(b.outStateId) && b.outStateId > 0))
      throw new HttpFailure(400, 'InvalidRequest', 'outStateId: required (a positive integer) for Unavailable');
    return { state: 'Unavailable', outStateId: b.outStateId };
  }
  throw new HttpFailure(400, 'InvalidRequest', 'state: only "Available" or "Unavailable" can be set');
}
