import { and, eq, inArray, notInArray, sql } from 'drizzle-orm';
import type { SyncEventSink } from '../domain/ports.ts';
import type { GraphUser } from '../graph/users.ts';
import type { Logger } from '../logging.ts';
import { bulkInsert } from '../storage/bulk.ts';
import type { Db } from '../storage/db.ts';
import { cxoneAgents, cxoneTeams, cxoneUnavailableCodes, jobs, mappings, teamsUsers } from '../storage/schema.ts';
import type { ConnectionClients } from './clients.ts';

/**
 * Directory sync: CXone teams, agents and unavailable codes, then every Entra user, into the tables.
 * Runs as a job (jobs table) whose progress the tab polls; thousands of rows go in chunks.
 * Agents no longer in CXone are marked inactive; users no longer in Entra are removed unless mapped.
 */
export interface DirectorySyncProgress {
  phase: 'queued' | 'cxone_teams' | 'cxone_agents' | 'cxone_codes' | 'teams_users' | 'done';
  teams: number;
  agents: number;
  codes: number;
  users: number;
}

const CHUNK = 500;
const STALE_MS = 15 * 60_000;

export type JobRow = typeof jobs.$inferSelect;

export function jobView(j: JobRow) {
  return {
    id: j.id,
    kind: j.kind,
    status: j.status,
    progress: j.progress,
    result: j.result,
    error: j.error,
    createdAt: j.createdAt.toISOString(),
    updatedAt: j.updatedAt.toISOString(),
  };
}

export interface JobRunner {
  /** Starts (or joins the already running) directory sync of a connection; answers the job. */
  startDirectorySync(connectionId: string, clients: () => ConnectionClients): Promise<{ job: JobRow; started: boolean }>;
  /** Waits for running jobs (shutdown, tests). */
  drain(): Promise<void>;
}

export function createJobRunner(deps: { db: Db; logger: Logger; sink: SyncEventSink; now: () => number }): JobRunner {
  const running = new Set<Promise<void>>();
  const { db } = deps;

  async function run(jobId: string, connectionId: string, clients: ConnectionClients): Promise<void> {
    const progress: DirectorySyncProgress = { phase: 'cxone_teams', teams: 0, agents: 0, codes: 0, users: 0 };
    const save = (extra: Partial<typeof jobs.$inferInsert> = {}) =>
      db
        .update(jobs)
        .set({ progress: { ...progress }, updatedAt: new Date(deps.now()), ...extra })
        .where(eq(jobs.id, jobId));
    const log = deps.logger.child({ connectionId, jobId });
    try {
      await save({ status: 'running' });
      const teams = await clients.cxone.listTeams();
      for (const part of chunks(teams)) {
        await bulkInsert(
          db,
          cxoneTeams,
          ['connectionId', 'teamId', 'name', 'isActive', 'updatedAt'],
          part.map((t) => ({
            connectionId,
            teamId: t.teamId,
            name: t.teamName,
            isActive: t.isActive,
            updatedAt: new Date(deps.now()),
          })),
          { onConflict: { target: ['connectionId', 'teamId'], update: ['name', 'isActive', 'updatedAt'] } },
        );
      }
      progress.teams = teams.length;
      progress.phase = 'cxone_agents';
      await save();

      const agents = await clients.cxone.listAgents();
      for (const part of chunks(agents)) {
        const fields = ['userName', 'firstName', 'lastName', 'email', 'teamId', 'isActive', 'updatedAt'] as const;
        await bulkInsert(
          db,
          cxoneAgents,
          ['connectionId', 'agentId', ...fields],
          part.map((a) => ({
            connectionId,
            agentId: a.agentId,
            userName: a.userName,
            firstName: a.firstName,
            lastName: a.lastName,
            email: a.email,
            teamId: a.teamId,
            isActive: a.isActive,
            updatedAt: new Date(deps.now()),
          })),
          { onConflict: { target: ['connectionId', 'agentId'], update: fields } },
        );
        progress.agents += part.length;
        await save();
      }
      const agentIds = agents.map((a) => a.agentId);
      await db
        .update(cxoneAgents)
        .set({ isActive: false })
        .where(
          and(
            eq(cxoneAgents.connectionId, connectionId),
            agentIds.length ? notInArray(cxoneAgents.agentId, agentIds) : undefined,
          ),
        );

      progress.phase = 'cxone_codes';
      await save();
      for (const t of teams) {
        const codes = await clients.cxone.listUnavailableCodes(t.teamId);
        await db
          .delete(cxoneUnavailableCodes)
          .where(and(eq(cxoneUnavailableCodes.connectionId, connectionId), eq(cxoneUnavailableCodes.teamId, t.teamId)));
        if (codes.length)
          await db
            .insert(cxoneUnavailableCodes)
            .values(
              codes.map((c) => ({
                connectionId,
                teamId: t.teamId,
                outStateId: c.outStateId,
                name: c.name,
                isAcw: c.isAcw,
                isActive: c.isActive,
              })),
            )
            .onConflictDoNothing();
        progress.codes += codes.length;
      }

      progress.phase = 'teams_users';
      await save();
      const seen: string[] = [];
      const onPage = async (users: GraphUser[]) => {
        for (const part of chunks(users)) {
          const fields = ['userPrincipalName', 'mail', 'displayName', 'updatedAt'] as const;
          await bulkInsert(
            db,
            teamsUsers,
            ['connectionId', 'userId', ...fields],
            part.map((u) => ({
              connectionId,
              userId: u.id,
              // The Graph client answers '' for a missing UPN or name; the table keeps null for those.
              userPrincipalName: u.userPrincipalName || null,
              mail: u.mail,
              displayName: u.displayName || null,
              updatedAt: new Date(deps.now()),
            })),
            { onConflict: { target: ['connectionId', 'userId'], update: fields } },
          );
          seen.push(...part.map((u) => u.id));
        }
        progress.users = seen.length;
        await save();
      };
      await clients.graph.listUsers({ onPage });
      const mapped = db.select({ u: mappings.userId }).from(mappings).where(eq(mappings.connectionId, connectionId));
      const stale = await db
        .select({ id: teamsUsers.userId })
        .from(teamsUsers)
        .where(and(eq(teamsUsers.connectionId, connectionId), notInArray(teamsUsers.userId, mapped)));
      const seenSet = new Set(seen);
      const gone = stale.map((s) => s.id).filter((id) => !seenSet.has(id));
      for (const part of chunks(gone))
        await db.delete(teamsUsers).where(and(eq(teamsUsers.connectionId, connectionId), inArray(teamsUsers.userId, part)));

      progress.phase = 'done';
      await save({ status: 'succeeded', result: { ...progress, removedUsers: gone.length } });
      log.info({ ...progress }, 'directory sync finished');
      // Team membership may have moved agents between rules.
      deps.sink.publish({ kind: 'settings_changed', connectionId, agentIds: 'all', observedAt: deps.now() });
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      log.warn({ err: message }, 'directory sync failed');
      await save({ status: 'failed', error: message.slice(0, 1000) }).catch((e: unknown) =>
        log.error({ err: e }, 'could not record job failure'),
      );
    }
  }

  return {
    async startDirectorySync(connectionId, clients) {
      const [active] = await db
        .select()
        .from(jobs)
        .where(
          and(eq(jobs.connectionId, connectionId), eq(jobs.kind, 'directory_sync'), inArray(jobs.status, ['queued', 'running'])),
        )
        .orderBy(sql`${jobs.createdAt} desc`)
        .limit(1);
      if (active && deps.now() - active.updatedAt.getTime() < STALE_MS) return { job: active, started: false };
      const built = clients(); // may throw (e.g. secrets missing): before the job exists
      const progress: DirectorySyncProgress = { phase: 'queued', teams: 0, agents: 0, codes: 0, users: 0 };
      const [job] = await db
        .insert(jobs)
        .values({ connectionId, kind: 'directory_sync', status: 'queued', progress })
        .returning();
      const p = run(job!.id, connectionId, built).finally(() => running.delete(p));
      running.add(p);
      return { job: job!, started: true };
    },
    async drain() {
      await Promise.allSettled([...running]);
    },
  };
}

function chunks<T>(items: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += CHUNK) out.push(items.slice(i, i + CHUNK));
  return out;
}
