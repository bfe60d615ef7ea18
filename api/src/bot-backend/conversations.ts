import { and, eq, inArray, sql } from 'drizzle-orm';
import type { ConversationStore, StoredConversation } from '../../../bot/src/ports.ts';
import type { Storage } from '../storage/db.ts';
import { botConversations } from '../storage/schema.ts';

/** Bot conversation references in bot_conversations: stored on install, refreshed per message, removed on uninstall. */
export function createConversationStore(storage: Storage): ConversationStore {
  const { db } = storage;
  const toStored = (r: typeof botConversations.$inferSelect): StoredConversation => ({
    id: r.id,
    tenantId: r.tenantId,
    scope: r.scope === 'channel' || r.scope === 'groupChat' ? r.scope : 'personal',
    aadObjectId: r.aadObjectId,
    teamId: r.teamId,
    reference: (r.reference ?? {}) as Record<string, unknown>,
  });
  return {
    async save(c, opts = {}) {
      const row = {
        id: c.id,
        tenantId: c.tenantId,
        scope: c.scope,
        aadObjectId: c.aadObjectId,
        teamId: c.teamId,
        reference: c.reference,
        updatedAt: new Date(),
      };
      await db
        .insert(botConversations)
        .values(row)
        .onConflictDoUpdate({
          target: botConversations.id,
          set: {
            tenantId: sql`coalesce(excluded.tenant_id, ${botConversations.tenantId})`,
            scope: row.scope,
            teamId: sql`coalesce(excluded.team_id, ${botConversations.teamId})`,
            reference: row.reference,
            updatedAt: row.updatedAt,
            aadObjectId: opts.keepInstaller
              ? sql`coalesce(${botConversations.aadObjectId}, excluded.aad_object_id)`
              : sql`coalesce(excluded.aad_object_id, ${botConversations.aadObjectId})`,
          },
        });
    },
    async remove(id) {
      await db.delete(botConversations).where(eq(botConversations.id, id));
    },
    async personalOf(aadObjectId, tenantId) {
      const rows = await db
        .select()
        .from(botConversations)
        .where(
          and(
            eq(botConversations.aadObjectId, aadObjectId),
            eq(botConversations.tenantId, tenantId),
            eq(botConversations.scope, 'personal'),
          ),
        );
      return rows.map(toStored);
    },
    async ofUsers(aadObjectIds, tenantId) {
      if (aadObjectIds.length === 0) return [];
      const rows = await db
        .select()
        .from(botConversations)
        .where(and(inArray(botConversations.aadObjectId, [...aadObjectIds]), eq(botConversations.tenantId, tenantId)));
      return rows.map(toStored);
    },
  };
}
