import type { Seed } from '../shared/seed.ts';
import { type EmulatedAgentState, STATE_IDS } from './model.ts';

/**
 * The emulator's JSON shapes, following facts/cxone.md ("Reading") and the generated OpenAPI client
 * calljacob/nice-cxone-api (src/services/realtime/RealtimedataRealtimeService.ts): ids are integers,
 * times are ISO strings.
 */
const num = (id: string) => (/^\d+$/.test(id) ? Number(id) : id);
const iso = (ms: number) => new Date(ms).toISOString();

export function agentStateEntry(s: EmulatedAgentState, seed: Seed, businessUnitId: number) {
  const a = seed.agents.find((x) => x.agentId === s.agentId);
  const team = seed.teams.find((t) => t.teamId === s.teamId);
  return {
    agentId: num(s.agentId),
    agentStateId: STATE_IDS[s.state] ?? 2,
    agentStateName: s.state,
    businessUnitId,
    contactId: s.contactId ? num(s.contactId) : null,
    firstName: a?.firstName ?? null,
    lastName: a?.lastName ?? null,
    userName: a?.userName ?? null,
    isACW: s.isAcw,
    isOutbound: s.isOutbound,
    isActive: true,
    mediaTypeName: s.contactId ? 'Call' : null,
    fromAddress: s.agentToAgent ? 'agent' : s.contactId ? '+15550100' : null,
    toAddress: s.contactId ? '+15550199' : null,
    outStateId: s.outStateId ?? 0,
    outStateDescription: s.outStateName ?? '',
    skillId: s.contactId ? 4100 : null,
    startDate: iso(s.startDate),
    lastUpdateTime: iso(s.updatedAt),
    teamId: num(s.teamId),
    teamName: team?.teamName ?? null,
  };
}

export function agentEntry(seed: Seed, i: number, lastUpdated: number) {
  const a = seed.agents[i]!;
  const team = seed.teams.find((t) => t.teamId === a.teamId);
  return {
    agentId: num(a.agentId),
    userName: a.userName,
    firstName: a.firstName,
    lastName: a.lastName,
    userID: a.teamsUserId ?? `cx-${a.agentId}`,
    emailAddress: a.emailAddress ?? '',
    isActive: true,
    teamId: num(a.teamId),
    teamName: team?.teamName ?? null,
    isSupervisor: false,
    federatedId: null,
    lastUpdated: iso(lastUpdated),
  };
}

export type CodeListStyle = 'modern' | 'legacy';

/** Unavailable codes: modern camelCase list, or the older PascalCase `resultSet` wrapper (UNCONFIRMED). */
export function codesBody(seed: Seed, teamId: string, style: CodeListStyle) {
  if (style === 'legacy')
    return {
      resultSet: {
        unavailableCodes: seed.unavailableCodes.map((c) => ({
          OutStateId: c.outStateId,
          OutStateName: c.outStateName,
          IsActive: 'True',
          IsAcw: c.isAcw ? 'True' : 'False',
        })),
      },
    };
  return {
    teamId: num(teamId),
    codes: seed.unavailableCodes.map((c) => ({
      outStateId: c.outStateId,
      outStateName: c.outStateName,
      isActive: true,
      isAcw: c.isAcw,
      agentTimeoutMins: null,
    })),
  };
}
