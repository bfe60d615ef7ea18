import { and, eq, inArray, like } from 'drizzle-orm';
import { bulkInsert } from '../storage/bulk.ts';
import type { Db } from '../storage/db.ts';
import { cursors } from '../storage/schema.ts';
import type { SeenPresence } from './ledger.ts';

/**
 * Persists what the watchers last saw of each user's presence, so a restart compares against it and
 * emits no false changes. One `cursors` row per user: name `teams_presence:<userId>`, value JSON.
 */
export interface PresenceSeenStore {
  load(connectionId: string): Promise<Map<string, SeenPresence>>;
  save(connectionId: string, entries: ReadonlyArray<[string, SeenPresence]>): Promise<void>;
  remove(connectionId: string, userIds: readonly string[]): Promise<void>;
}

const PREFIX = 'teams_presence:';
const CHUNK = 500;

export function createPresenceSeenStore(db: Db): PresenceSeenStore {
  return {
    async load(connectionId) {
      const rows = await db
        .select({ name: cursors.name, value: cursors.value })
        .from(cursors)
        .where(and(eq(cursors.connectionId, connectionId), like(cursors.name, `${PREFIX}%`)));
      const out = new Map<string, SeenPresence>();
      for (const r of rows) {
        const parsed = parseSeen(r.value);
        if (parsed) out.set(r.name.slice(PREFIX.length), parsed);
      }
      return out;
    },
    async save(connectionId, entries) {
      for (let i = 0; i < entries.length; i += CHUNK) {
        const part = entries.slice(i, i + CHUNK);
        await bulkInsert(
          db,
          cursors,
          ['connectionId', 'name', 'value', 'updatedAt'],
          part.map(([userId, s]) => ({
            connectionId,
            name: PREFIX + userId,
            value: JSON.stringify([s.availability, s.activity, s.sequenceNumber, s.seenAt]),
            updatedAt: new Date(s.seenAt),
          })),
          { onConflict: { target: ['connectionId', 'name'], update: ['value', 'updatedAt'] } },
        );
      }
    },
    async remove(connectionId, userIds) {
      for (let i = 0; i < userIds.length; i += CHUNK) {
        const names = userIds.slice(i, i + CHUNK).map((u) => PREFIX + u);
        await db.delete(cursors).where(and(eq(cursors.connectionId, connectionId), inArray(cursors.name, names)));
      }
    },
  };
}

function parseSeen(value: string): SeenPresence | null {
  try {
    const v = JSON.parse(value) as unknown;
    if (!Array.isArray(v) || typeof v[0] !== 'string' || typeof v[1] !== 'string') return null;
    return {
      availability: v[0],
      activity: v[1],
      sequenceNumber: typeof v[2] === 'string' ? v[2] : null,
      seenAt: typeof v[3] === 'number' ? v[3] : 0,
    };
  } catch {
    return null;
  }
}
