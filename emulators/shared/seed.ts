import { createHash } from 'node:crypto';

/**
 * One deterministic cast of people shared by the Graph and CXone emulators, so the demo, tests and
 * benchmarks see the same agents on both sides. A few are deliberately hard to auto-map.
 */
export const SEED_TENANT_ID = '9a3c1f52-6d0e-4b8f-a2c4-5e7d9b1f3a60';
export const SEED_DOMAIN = 'contoso.com';

export interface SeedTeam {
  teamId: string;
  teamName: string;
}

export interface SeedUnavailableCode {
  outStateId: number;
  outStateName: string;
  isAcw: boolean;
}

export interface SeedAgent {
  agentId: string;
  userName: string;
  firstName: string;
  lastName: string;
  /** null = the agent has no email in CXone */
  emailAddress: string | null;
  teamId: string;
  /** The Teams user this agent really is (null = no Teams account). Tests use it as ground truth. */
  teamsUserId: string | null;
  /** Why this one is hard to map, if it is. */
  trap?: 'other_domain' | 'no_email' | 'duplicate_name' | 'no_teams_user';
}

export interface SeedTeamsUser {
  id: string;
  userPrincipalName: string;
  mail: string | null;
  displayName: string;
  /** Accounts that may own subscriptions, or are back office (no CXone agent). */
  role: 'agent' | 'owner' | 'staff';
  /** Emulator-only sign-in password for delegated flows (owners). */
  password?: string;
}

export interface Seed {
  tenantId: string;
  teams: SeedTeam[];
  unavailableCodes: SeedUnavailableCode[];
  agents: SeedAgent[];
  users: SeedTeamsUser[];
}

const FIRST = [
  'Ava',
  'Ben',
  'Chloe',
  'Diego',
  'Elena',
  'Farah',
  'Gabriel',
  'Hana',
  'Ivan',
  'Jade',
  'Kofi',
  'Lena',
  'Marco',
  'Nina',
  'Omar',
  'Priya',
  'Quinn',
  'Rosa',
  'Sam',
  'Tariq',
  'Uma',
  'Victor',
  'Wen',
  'Ximena',
  'Yusuf',
  'Zoe',
];
const LAST = [
  'Adams',
  'Brown',
  'Costa',
  'Dubois',
  'Evans',
  'Fischer',
  'Garcia',
  'Haddad',
  'Ito',
  'Jensen',
  'Khan',
  'Lopez',
  'Meyer',
  'Novak',
  'Okafor',
  'Patel',
  'Quispe',
  'Rossi',
  'Silva',
  'Tanaka',
  'Ueda',
  'Vargas',
  'Wagner',
  'Xu',
  'Yilmaz',
  'Zhang',
];

export const SEED_TEAMS: SeedTeam[] = [
  { teamId: '2001', teamName: 'Inbound Sales' },
  { teamId: '2002', teamName: 'Customer Care' },
  { teamId: '2003', teamName: 'Technical Support' },
  { teamId: '2004', teamName: 'Retention' },
];

export const SEED_UNAVAILABLE_CODES: SeedUnavailableCode[] = [
  { outStateId: 1, outStateName: 'Break', isAcw: false },
  { outStateId: 2, outStateName: 'Lunch', isAcw: false },
  { outStateId: 3, outStateName: 'Meeting', isAcw: false },
  { outStateId: 4, outStateName: 'Training', isAcw: false },
  { outStateId: 5, outStateName: 'Presenting', isAcw: false },
  { outStateId: 6, outStateName: 'Away from desk', isAcw: false },
  { outStateId: 9, outStateName: 'ACW', isAcw: true },
];

/** A stable GUID-shaped id from a string, so seeds are the same on every run. */
export function stableGuid(s: string): string {
  const h = createHash('sha256').update(s).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/**
 * `agents` people (default 48). Index-based traps, in every seed of 12 or more agents:
 * 3 = CXone email on another domain, 5 = no CXone email (display name only), 7 and 8 = two Teams
 * users share one display name (ambiguous), 10 = no Teams account. Plus 2 subscription owner accounts
 * and 2 staff without a CXone agent.
 */
export function buildSeed(opts: { agents?: number; owners?: number } = {}): Seed {
  const n = opts.agents ?? 48;
  const agents: SeedAgent[] = [];
  const users: SeedTeamsUser[] = [];
  for (let i = 0; i < n; i++) {
    const first = FIRST[i % FIRST.length]!;
    const last = LAST[Math.floor(i / FIRST.length) % LAST.length]!;
    const suffix = i >= FIRST.length * LAST.length ? String(Math.floor(i / (FIRST.length * LAST.length))) : '';
    const local = `${first}.${last}${suffix}`.toLowerCase();
    const userId = stableGuid(`user:${i}`);
    const agent: SeedAgent = {
      agentId: String(100001 + i),
      userName: `${local}@cx.${SEED_DOMAIN}`,
      firstName: first,
      lastName: `${last}${suffix}`,
      emailAddress: `${local}@${SEED_DOMAIN}`,
      teamId: SEED_TEAMS[i % SEED_TEAMS.length]!.teamId,
      teamsUserId: userId,
    };
    let displayName = `${first} ${last}${suffix}`;
    if (n >= 12) {
      if (i === 3) {
        agent.emailAddress = `${local}@contoso-cc.com`;
        agent.trap = 'other_domain';
      } else if (i === 5) {
        agent.emailAddress = null;
        agent.trap = 'no_email';
      } else if (i === 7 || i === 8) {
        // Two different people whose Teams display names collide; CXone emails don't match their UPNs.
        displayName = 'Alex Kim';
        agent.firstName = 'Alex';
        agent.lastName = 'Kim';
        agent.emailAddress = `alex.kim${i}@contoso-cc.com`;
        agent.trap = 'duplicate_name';
      } else if (i === 10) {
        agent.teamsUserId = null;
        agent.trap = 'no_teams_user';
      }
    }
    agents.push(agent);
    if (agent.teamsUserId) {
      const upn = i === 7 || i === 8 ? `alex.kim${i === 7 ? '' : '2'}@${SEED_DOMAIN}` : `${local}@${SEED_DOMAIN}`;
      users.push({ id: userId, userPrincipalName: upn, mail: upn, displayName, role: 'agent' });
    }
  }
  for (let k = 1; k <= (opts.owners ?? 2); k++)
    users.push({
      id: stableGuid(`owner:${k}`),
      userPrincipalName: `presence-owner${k}@${SEED_DOMAIN}`,
      mail: null,
      displayName: `Presence Sync Owner ${k}`,
      role: 'owner',
      password: `Owner${k}-Passw0rd!`,
    });
  users.push(
    {
      id: stableGuid('staff:1'),
      userPrincipalName: `it.admin@${SEED_DOMAIN}`,
      mail: `it.admin@${SEED_DOMAIN}`,
      displayName: 'IT Admin',
      role: 'staff',
      password: 'Admin-Passw0rd!',
    },
    {
      id: stableGuid('staff:2'),
      userPrincipalName: `facilities@${SEED_DOMAIN}`,
      mail: `facilities@${SEED_DOMAIN}`,
      displayName: 'Facilities Desk',
      role: 'staff',
    },
  );
  return { tenantId: SEED_TENANT_ID, teams: SEED_TEAMS, unavailableCodes: SEED_UNAVAILABLE_CODES, agents, users };
}
