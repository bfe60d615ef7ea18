import { and, asc, count, eq, ilike, inArray, isNotNull, isNull, or, type SQL, sql } from 'drizzle-orm';
import type { MappingItem } from '../domain/api-types.ts';
import type { Db } from '../storage/db.ts';
import { cxoneAgents, mappings, teamsUsers } from '../storage/schema.ts';
import type { AgentForMatch, UserForMatch } from './automap.ts';

/** Mapping queries, filtered and paginated in SQL so 10k agents stay fast. */
export type MappingStatus = 'all' | 'mapped' | 'unmapped' | 'excluded' | 'included';

export interface MappingListQuery {
  status: MappingStatus;
  teamId?: string | undefined;
  q?: string | undefined;
  limit: number;
  offset: number;
}

export const likeTerm = (q: string) => `%${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

export type { MappingItem } from '../domain/api-types.ts';

export async function listMappings(
  db: Db,
  connectionId: string,
  q: MappingListQuery,
): Promise<{ items: MappingItem[]; total: number }> {
  const where: (SQL | undefined)[] = [eq(cxoneAgents.connectionId, connectionId)];
  if (q.status === 'mapped') where.push(isNotNull(mappings.userId));
  if (q.status === 'unmapped') where.push(isNull(mappings.userId));
  if (q.status === 'excluded') where.push(eq(mappings.included, false));
  if (q.status === 'included') where.push(eq(mappings.included, true));
  if (q.teamId) where.push(eq(cxoneAgents.teamId, q.teamId));
  if (q.q) {
    const t = likeTerm(q.q);
    where.push(
      or(
        ilike(cxoneAgents.agentId, t),
        ilike(cxoneAgents.email, t),
        ilike(cxoneAgents.userName, t),
        ilike(sql`coalesce(${cxoneAgents.firstName}, '') || ' ' || coalesce(${cxoneAgents.lastName}, '')`, t),
        ilike(teamsUsers.userPrincipalName, t),
        ilike(teamsUsers.displayName, t),
        ilike(teamsUsers.mail, t),
      ),
    );
  }
  const cond = and(...where);
  const from = () =>
    db
      .select({ a: cxoneAgents, m: mappings, u: teamsUsers })
      .from(cxoneAgents)
      .leftJoin(mappings, and(eq(mappings.connectionId, cxoneAgents.connectionId), eq(mappings.agentId, cxoneAgents.agentId)))
      .leftJoin(teamsUsers, and(eq(teamsUsers.connectionId, mappings.connectionId), eq(teamsUsers.userId, mappings.userId)));
  const [rows, totals] = await Promise.all([
    from()
      .where(cond)
      .orderBy(asc(cxoneAgents.lastName), asc(cxoneAgents.firstName), asc(cxoneAgents.agentId))
      .limit(q.limit)
      .offset(q.offset),
    db
      .select({ n: count() })
      .from(cxoneAgents)
      .leftJoin(mappings, and(eq(mappings.connectionId, cxoneAgents.connectionId), eq(mappings.agentId, cxoneAgents.agentId)))
      .leftJoin(teamsUsers, and(eq(teamsUsers.connectionId, mappings.connectionId), eq(teamsUsers.userId, mappings.userId)))
      .where(cond),
  ]);
  return {
    total: Number(totals[0]?.n ?? 0),
    items: rows.map((r) => ({
      agentId: r.a.agentId,
      agent: {
        userName: r.a.userName,
        firstName: r.a.firstName,
        lastName: r.a.lastName,
        email: r.a.email,
        teamId: r.a.teamId,
        isActive: r.a.isActive,
      },
      mapping: r.m
        ? {
            userId: r.m.userId,
            included: r.m.included,
            source: r.m.source,
            confidence: r.m.confidence,
            signal: r.m.signal,
            updatedAt: r.m.updatedAt.toISOString(),
            user: r.u ? { userPrincipalName: r.u.userPrincipalName, displayName: r.u.displayName, mail: r.u.mail } : null,
          }
        : null,
    })),
  };
}

export type MappingRow = typeof mappings.$inferSelect;
export type AgentRow = typeof cxoneAgents.$inferSelect;
export type TeamsUserRow = typeof teamsUsers.$inferSelect;

export async function getAgent(db: Db, connectionId: string, agentId: string): Promise<AgentRow | null> {
  const [a] = await db
    .select()
    .from(cxoneAgents)
    .where(and(eq(cxoneAgents.connectionId, connectionId), eq(cxoneAgents.agentId, agentId)));
  return a ?? null;
}

export async function getMapping(db: Db, connectionId: string, agentId: string): Promise<MappingRow | null> {
  const [m] = await db
    .select()
    .from(mappings)
    .where(and(eq(mappings.connectionId, connectionId), eq(mappings.agentId, agentId)));
  return m ?? null;
}

export async function getMappingByUser(db: Db, connectionId: string, userId: string): Promise<MappingRow | null> {
  const [m] = await db
    .select()
    .from(mappings)
    .where(and(eq(mappings.connectionId, connectionId), eq(mappings.userId, userId)));
  return m ?? null;
}

export async function getUsers(db: Db, connectionId: string, userIds: readonly string[]): Promise<Map<string, TeamsUserRow>> {
  if (userIds.length === 0) return new Map();
  const out = new Map<string, TeamsUserRow>();
  for (let i = 0; i < userIds.length; i += 1000) {
    const rows = await db
      .select()
      .from(teamsUsers)
      .where(and(eq(teamsUsers.connectionId, connectionId), inArray(teamsUsers.userId, userIds.slice(i, i + 1000))));
    for (const r of rows) out.set(r.userId, r);
  }
  return out;
}

/** Active agents without a mapping, in auto-map shape. */
export async function unmappedAgents(db: Db, connectionId: string, only?: readonly string[]): Promise<AgentForMatch[]> {
  const rows = await db
    .select({ a: cxoneAgents })
    .from(cxoneAgents)
    .leftJoin(mappings, and(eq(mappings.connectionId, cxoneAgents.connectionId), eq(mappings.agentId, cxoneAgents.agentId)))
    .where(
      and(
        eq(cxoneAgents.connectionId, connectionId),
        eq(cxoneAgents.isActive, true),
        isNull(mappings.agentId),
        only?.length ? inArray(cxoneAgents.agentId, [...only]) : undefined,
      ),
    );
  return rows.map(({ a }) => ({
    agentId: a.agentId,
    userName: a.userName,
    firstName: a.firstName,
    lastName: a.lastName,
    email: a.email,
  }));
}

export async function allUsers(db: Db, connectionId: string): Promise<UserForMatch[]> {
  const rows = await db.select().from(teamsUsers).where(eq(teamsUsers.connectionId, connectionId));
  return rows.map((u) => ({
    userId: u.userId,
    userPrincipalName: u.userPrincipalName,
    mail: u.mail,
    displayName: u.displayName,
  }));
}

export async function mappedUserIds(db: Db, connectionId: string): Promise<Map<string, string>> {
  const rows = await db
    .select({ u: mappings.userId, a: mappings.agentId })
    .from(mappings)
    .where(eq(mappings.connectionId, connectionId));
  return new Map(rows.map((r) => [r.u, r.a]));
}

export async function searchUsers(db: Db, connectionId: string, q: string, limit: number): Promise<TeamsUserRow[]> {
  const t = likeTerm(q);
  return db
    .select()
    .from(teamsUsers)
    .where(
      and(
        eq(teamsUsers.connectionId, connectionId),
        or(ilike(teamsUsers.userPrincipalName, t), ilike(teamsUsers.displayName, t), ilike(teamsUsers.mail, t)),
      ),
    )
    .orderBy(asc(teamsUsers.displayName))
    .limit(limit);
}
