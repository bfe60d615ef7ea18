import { recordAudit } from '../audit/audit-log.ts';
import type { Principal } from '../auth/principal.ts';
import { notFound } from '../http/errors.ts';
import { mappings } from '../storage/schema.ts';
import { autoMap, indexUsers, type Proposal, type Signal, scoreCandidates } from './automap.ts';
import { fieldError, type MappingDeps, publish } from './service.ts';
import { allUsers, getAgent, getUsers, mappedUserIds, searchUsers, unmappedAgents } from './store.ts';

/** Auto-map proposals, confirming a reviewed set, and candidates for a manual remap. */
export interface ProposalView extends Omit<Proposal, 'candidates'> {
  agent: { name: string; email: string | null };
  candidates: {
    userId: string;
    signal: Signal;
    confidence: number;
    userPrincipalName: string | null;
    displayName: string | null;
  }[];
}

/** Proposes for every unmapped active agent; with applyExact, unique exact email matches are saved at once. */
export async function runAutoMap(
  d: MappingDeps,
  connectionId: string,
  opts: { applyExact: boolean; agentIds?: string[] | undefined },
  by: Principal,
) {
  const agents = await unmappedAgents(d.db, connectionId, opts.agentIds);
  const users = await allUsers(d.db, connectionId);
  const taken = new Set((await mappedUserIds(d.db, connectionId)).keys());
  const result = autoMap(agents, users, taken);
  const usersById = new Map(users.map((u) => [u.userId, u]));
  const agentsById = new Map(agents.map((a) => [a.agentId, a]));
  const applied: { agentId: string; userId: string }[] = [];
  if (opts.applyExact) {
    const exact = result.proposals.filter((p) => p.status === 'confident' && p.signal === 'email_exact');
    const now = new Date(d.clock.now());
    for (let i = 0; i < exact.length; i += 500) {
      const part = exact.slice(i, i + 500);
      const rows = await d.db
        .insert(mappings)
        .values(
          part.map((p) => ({
            connectionId,
            agentId: p.agentId,
            userId: p.userId!,
            source: 'auto_exact',
            confidence: p.confidence,
            signal: p.signal,
            updatedAt: now,
          })),
        )
        .onConflictDoNothing()
        .returning({ agentId: mappings.agentId, userId: mappings.userId });
      applied.push(...rows);
    }
    if (applied.length) {
      await recordAudit(d.db, {
        connectionId,
        actor: by,
        action: 'mapping.auto_exact',
        target: `${applied.length} agents`,
        after: { mappings: applied },
      });
      publish(
        d,
        connectionId,
        applied.map((a) => a.agentId),
      );
    }
  }
  const appliedSet = new Set(applied.map((a) => a.agentId));
  const proposals: ProposalView[] = result.proposals
    .filter((p) => !appliedSet.has(p.agentId))
    .map((p) => {
      const a = agentsById.get(p.agentId)!;
      return {
        ...p,
        agent: { name: `${a.firstName ?? ''} ${a.lastName ?? ''}`.trim(), email: a.email },
        candidates: p.candidates.map((c) => ({
          ...c,
          userPrincipalName: usersById.get(c.userId)?.userPrincipalName ?? null,
          displayName: usersById.get(c.userId)?.displayName ?? null,
        })),
      };
    });
  return {
    applied,
    proposals,
    unmatched: result.unmatched,
    summary: {
      applied: applied.length,
      confident: proposals.filter((p) => p.status === 'confident').length,
      ambiguous: proposals.filter((p) => p.status === 'ambiguous').length,
      unmatched: result.unmatched.length,
    },
  };
}

/** Saves a reviewed set of proposals, all or nothing; each pair is checked and re-scored. */
export async function confirmProposals(
  d: MappingDeps,
  connectionId: string,
  pairs: { agentId: string; userId: string }[],
  by: Principal,
) {
  const seenAgents = new Map<string, number>();
  const seenUsers = new Map<string, number>();
  pairs.forEach((p, i) => {
    if (seenAgents.has(p.agentId))
      throw fieldError(`proposals.${i}.agentId`, `agent ${p.agentId} appears twice (also at ${seenAgents.get(p.agentId)})`);
    if (seenUsers.has(p.userId))
      throw fieldError(`proposals.${i}.userId`, `user ${p.userId} appears twice (also at ${seenUsers.get(p.userId)})`);
    seenAgents.set(p.agentId, i);
    seenUsers.set(p.userId, i);
  });
  const unmapped = new Map(
    (
      await unmappedAgents(
        d.db,
        connectionId,
        pairs.map((p) => p.agentId),
      )
    ).map((a) => [a.agentId, a]),
  );
  const users = await getUsers(
    d.db,
    connectionId,
    pairs.map((p) => p.userId),
  );
  const taken = await mappedUserIds(d.db, connectionId);
  const idx = indexUsers(
    [...users.values()].map((u) => ({
      userId: u.userId,
      userPrincipalName: u.userPrincipalName,
      mail: u.mail,
      displayName: u.displayName,
    })),
  );
  const rows = pairs.map((p, i) => {
    const agent = unmapped.get(p.agentId);
    if (!agent)
      throw fieldError(`proposals.${i}.agentId`, `agent ${p.agentId} does not exist, is inactive, or is already mapped`);
    if (!users.has(p.userId)) throw fieldError(`proposals.${i}.userId`, 'no such Teams user in this connection');
    const owner = taken.get(p.userId);
    if (owner) throw fieldError(`proposals.${i}.userId`, `this Teams user is already mapped to agent ${owner}`, 409);
    const score = scoreCandidates(agent, idx).find((c) => c.userId === p.userId);
    return {
      connectionId,
      agentId: p.agentId,
      userId: p.userId,
      source: score ? 'auto_confirmed' : 'manual',
      confidence: score?.confidence ?? null,
      signal: score?.signal ?? null,
    };
  });
  const now = new Date(d.clock.now());
  await d.db.transaction(async (tx) => {
    for (let i = 0; i < rows.length; i += 500)
      await tx.insert(mappings).values(rows.slice(i, i + 500).map((r) => ({ ...r, updatedAt: now })));
    await recordAudit(tx, {
      connectionId,
      actor: by,
      action: 'mapping.confirm',
      target: `${rows.length} agents`,
      after: { mappings: rows.map(({ agentId, userId, signal }) => ({ agentId, userId, signal })) },
    });
  });
  publish(
    d,
    connectionId,
    rows.map((r) => r.agentId),
  );
  return { confirmed: rows.length };
}

/** Possible Teams users for one agent: scored signals first, then free-text search results. */
export async function candidatesFor(
  d: MappingDeps,
  connectionId: string,
  agentId: string,
  q: { q?: string | undefined; limit: number },
) {
  const agent = await getAgent(d.db, connectionId, agentId);
  if (!agent) throw notFound('agent');
  const users = await allUsers(d.db, connectionId);
  const taken = await mappedUserIds(d.db, connectionId);
  const idx = indexUsers(users);
  const scored = scoreCandidates(
    { agentId, userName: agent.userName, firstName: agent.firstName, lastName: agent.lastName, email: agent.email },
    idx,
    { partial: true },
  );
  const out: { userId: string; signal: Signal | 'search'; confidence: number }[] = [...scored];
  if (q.q)
    for (const u of await searchUsers(d.db, connectionId, q.q, q.limit))
      if (!out.some((c) => c.userId === u.userId)) out.push({ userId: u.userId, signal: 'search', confidence: 0 });
  const byId = new Map(users.map((u) => [u.userId, u]));
  return {
    agentId,
    items: out.slice(0, q.limit).map((c) => {
      const u = byId.get(c.userId);
      const mappedTo = taken.get(c.userId) ?? null;
      return {
        ...c,
        userPrincipalName: u?.userPrincipalName ?? null,
        displayName: u?.displayName ?? null,
        mail: u?.mail ?? null,
        mappedToAgentId: mappedTo === agentId ? null : mappedTo,
        current: mappedTo === agentId,
      };
    }),
  };
}
