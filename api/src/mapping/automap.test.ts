import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildSeed } from '../../../emulators/shared/seed.ts';
import { type AgentForMatch, autoMap, type UserForMatch } from './automap.ts';

const seed = buildSeed();
const agents: AgentForMatch[] = seed.agents.map((a) => ({
  agentId: a.agentId,
  userName: a.userName,
  firstName: a.firstName,
  lastName: a.lastName,
  email: a.emailAddress,
}));
const users: UserForMatch[] = seed.users.map((u) => ({
  userId: u.id,
  userPrincipalName: u.userPrincipalName,
  mail: u.mail,
  displayName: u.displayName,
}));

describe('autoMap on the emulator seed', () => {
  const result = autoMap(agents, users);
  const byAgent = new Map(result.proposals.map((p) => [p.agentId, p]));

  it('when emails equal UPNs then the proposal is confident, exact, and the right person', () => {
    const plain = seed.agents.filter((a) => !a.trap);
    for (const a of plain) {
      const p = byAgent.get(a.agentId)!;
      expect(p).toMatchObject({ status: 'confident', signal: 'email_exact', confidence: 1, userId: a.teamsUserId });
    }
  });

  it('when the email is on another domain (trap 3) then the local part proposes the right user with lower confidence', () => {
    const a = seed.agents[3]!;
    expect(byAgent.get(a.agentId)).toMatchObject({ status: 'confident', signal: 'local_part', userId: a.teamsUserId });
    expect(byAgent.get(a.agentId)!.confidence).toBeLessThan(1);
  });

  it('when the agent has no email (trap 5) then the user name local part still finds the right user', () => {
    const a = seed.agents[5]!;
    expect(byAgent.get(a.agentId)).toMatchObject({ status: 'confident', userId: a.teamsUserId });
    expect(byAgent.get(a.agentId)!.signal).not.toBe('email_exact');
  });

  it('when two Teams users share the display name Alex Kim (traps 7, 8) then both agents are ambiguous with both candidates', () => {
    for (const i of [7, 8]) {
      const p = byAgent.get(seed.agents[i]!.agentId)!;
      expect(p.status).toBe('ambiguous');
      expect(p.userId).toBeNull();
      expect(p.signal).toBe('display_name');
      expect(p.candidates.map((c) => c.userId).sort()).toEqual([seed.agents[7]!.teamsUserId, seed.agents[8]!.teamsUserId].sort());
    }
  });

  it('when the agent has no Teams account (trap 10) then nothing is proposed', () => {
    expect(result.unmatched).toContain(seed.agents[10]!.agentId);
    expect(byAgent.has(seed.agents[10]!.agentId)).toBe(false);
  });

  it('when a user is already mapped then it is never proposed again', () => {
    const taken = new Set([seed.agents[0]!.teamsUserId!]);
    const r = autoMap(agents.slice(0, 1), users, taken);
    expect(r.proposals.flatMap((p) => p.candidates).some((c) => taken.has(c.userId))).toBe(false);
  });
});

describe('autoMap properties', () => {
  const person = fc.record({
    first: fc.constantFrom('Ana', 'Bo', 'Cy', 'Di'),
    last: fc.constantFrom('Lee', 'Ng', 'Roe'),
    domain: fc.constantFrom('a.com', 'b.com'),
  });
  it('when any directory is matched then no user is confidently proposed to two agents and confident ones have exactly one candidate at the top signal', () => {
    fc.assert(
      fc.property(fc.array(person, { maxLength: 12 }), fc.array(person, { maxLength: 12 }), (as, us) => {
        const ag = as.map((p, i) => ({
          agentId: `a${i}`,
          userName: null,
          firstName: p.first,
          lastName: p.last,
          email: `${p.first}.${p.last}@${p.domain}`,
        }));
        const ur = us.map((p, i) => ({
          userId: `u${i}`,
          userPrincipalName: `${p.first}.${p.last}@${p.domain}`,
          mail: null,
          displayName: `${p.first} ${p.last}`,
        }));
        const r = autoMap(ag, ur);
        const confident = r.proposals.filter((p) => p.status === 'confident');
        expect(new Set(confident.map((p) => p.userId)).size).toBe(confident.length);
        for (const p of confident) expect(p.candidates.filter((c) => c.signal === p.signal)).toHaveLength(1);
        for (const p of r.proposals.filter((x) => x.status === 'ambiguous')) expect(p.userId).toBeNull();
      }),
    );
  });
});
