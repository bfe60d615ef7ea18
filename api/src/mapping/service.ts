import { and, eq, inArray } from 'drizzle-orm';
import { recordAudit } from '../audit/audit-log.ts';
import type { Principal } from '../auth/principal.ts';
import type { Clock, SyncEventSink } from '../domain/ports.ts';
import { AppError, notFound } from '../http/errors.ts';
import type { Db } from '../storage/db.ts';
import { mappings } from '../storage/schema.ts';
import { getAgent, getMapping, getMappingByUser, getUsers, type MappingRow } from './store.ts';

/** Mapping use cases: every change is audited and publishes exactly the affected agents. */
export interface MappingDeps {
  db: Db;
  sink: SyncEventSink;
  clock: Clock;
}

export const fieldError = (field: string, problem: string, status = 400) =>
  new AppError(
    status,
    status === 409 ? 'conflict' : 'validation_failed',
    `${status === 409 ? 'conflict' : 'invalid body'}: ${field}: ${problem}`,
    {
      fields: [{ field, problem }],
    },
  );

const view = (m: MappingRow) => ({
  agentId: m.agentId,
  userId: m.userId,
  included: m.included,
  source: m.source,
  confidence: m.confidence,
  signal: m.signal,
});

export function publish(d: MappingDeps, connectionId: string, agentIds: string[]) {
  if (agentIds.length)
    d.sink.publish({ kind: 'settings_changed', connectionId, agentIds: [...new Set(agentIds)], observedAt: d.clock.now() });
}

export async function setMapping(
  d: MappingDeps,
  connectionId: string,
  agentId: string,
  body: { userId: string; included?: boolean | undefined },
  by: Principal,
) {
  if (!(await getAgent(d.db, connectionId, agentId))) throw notFound('agent');
  const users = await getUsers(d.db, connectionId, [body.userId]);
  if (!users.has(body.userId)) throw fieldError('userId', 'no such Teams user in this connection (run directory sync?)');
  const other = await getMappingByUser(d.db, connectionId, body.userId);
  if (other && other.agentId !== agentId)
    throw fieldError('userId', `this Teams user is already mapped to agent ${other.agentId}; unmap it first`, 409);
  const before = await getMapping(d.db, connectionId, agentId);
  const now = new Date(d.clock.now());
  const [after] = await d.db
    .insert(mappings)
    .values({
      connectionId,
      agentId,
      userId: body.userId,
      included: body.included ?? before?.included ?? true,
      source: 'manual',
      confidence: null,
      signal: null,
      updatedAt: now,
    })
    .onConflictDoUpdate({
      target: [mappings.connectionId, mappings.agentId],
      set: {
        userId: body.userId,
        included: body.included ?? before?.included ?? true,
        source: 'manual',
        confidence: null,
        signal: null,
        updatedAt: now,
      },
    })
    .returning();
  await recordAudit(d.db, {
    connectionId,
    actor: by,
    action: 'mapping.set',
    target: agentId,
    before: before ? view(before) : null,
    after: view(after!),
  });
  publish(d, connectionId, [agentId]);
  return view(after!);
}

export async function removeMapping(d: MappingDeps, connectionId: string, agentId: string, by: Principal) {
  const before = await getMapping(d.db, connectionId, agentId);
  if (!before) throw notFound('mapping');
  await d.db.delete(mappings).where(and(eq(mappings.connectionId, connectionId), eq(mappings.agentId, agentId)));
  await recordAudit(d.db, { connectionId, actor: by, action: 'mapping.remove', target: agentId, before: view(before) });
  publish(d, connectionId, [agentId]);
}

export async function setIncluded(
  d: MappingDeps,
  connectionId: string,
  agentIds: readonly string[],
  included: boolean,
  by: Principal,
) {
  const unique = [...new Set(agentIds)];
  const existing = await d.db
    .select()
    .from(mappings)
    .where(and(eq(mappings.connectionId, connectionId), inArray(mappings.agentId, unique)));
  const found = new Set(existing.map((m) => m.agentId));
  const missing = unique.findIndex((a) => !found.has(a));
  if (missing >= 0) throw fieldError(`agentIds.${agentIds.indexOf(unique[missing]!)}`, `agent ${unique[missing]} is not mapped`);
  const changed = existing.filter((m) => m.included !== included).map((m) => m.agentId);
  if (changed.length) {
    await d.db
      .update(mappings)
      .set({ included, updatedAt: new Date(d.clock.now()) })
      .where(and(eq(mappings.connectionId, connectionId), inArray(mappings.agentId, changed)));
    await recordAudit(d.db, {
      connectionId,
      actor: by,
      action: included ? 'mapping.include' : 'mapping.exclude',
      target: changed.length === 1 ? changed[0]! : `${changed.length} agents`,
      before: { agentIds: changed, included: !included },
      after: { agentIds: changed, included },
    });
  }
  publish(d, connectionId, changed);
  return { changed };
}
