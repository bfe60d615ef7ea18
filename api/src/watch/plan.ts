/**
 * The subscription planner: partitions mapped users into groups of at most `groupSize`, one presence
 * subscription each, owned by one owner account. Pure. Re-planning after users are added or removed
 * changes as few subscriptions as possible (a subscription's user filter cannot be edited in place:
 * a changed group is a deleted and re-created subscription).
 */
export interface ExistingGroup {
  /** subscriptions.id */
  id: string;
  userIds: readonly string[];
  ownerId: string | null;
}

export interface OwnerInfo {
  id: string;
  /** Token works (refresh succeeded): can own a subscription. */
  healthy: boolean;
}

export type GroupAction = 'keep' | 'recreate' | 'create';

export interface PlannedGroup {
  /** The existing subscriptions.id, or null for a new group. */
  existingId: string | null;
  userIds: string[];
  ownerId: string | null;
  action: GroupAction;
}

export interface SubscriptionPlan {
  groupSize: number;
  users: number;
  groups: PlannedGroup[];
  /** Existing subscriptions no longer needed. */
  deletes: string[];
  /** One owner per subscription (one presence subscription per owner per app). */
  ownersNeeded: number;
  ownersAvailable: number;
  ownersMissing: number;
  /** Users in groups that have no owner: not covered by any subscription (the reader still sees them). */
  uncoveredUsers: number;
  /** Subscriptions created, re-created or deleted by this plan. */
  changes: number;
}

export interface PlanInput {
  users: readonly string[];
  groupSize: number;
  existing?: readonly ExistingGroup[];
  owners?: readonly OwnerInfo[];
}

interface Working {
  existingId: string | null;
  userIds: string[];
  ownerId: string | null;
  changed: boolean;
}

export function planSubscriptions(input: PlanInput): SubscriptionPlan {
  const size = input.groupSize;
  if (!Number.isInteger(size) || size < 1 || size > 650) throw new RangeError('groupSize must be 1…650');
  const wanted = new Set(input.users);
  const owners = input.owners ?? [];
  const healthy = new Set(owners.filter((o) => o.healthy).map((o) => o.id));
  const deletes: string[] = [];
  const placed = new Set<string>();
  const groups: Working[] = [];

  // 1. Keep existing groups, minus users who left (a changed group) and duplicates / overflow.
  for (const g of input.existing ?? []) {
    const kept: string[] = [];
    for (const u of g.userIds) if (wanted.has(u) && !placed.has(u) && kept.length < size) kept.push(u);
    for (const u of kept) placed.add(u);
    if (kept.length === 0) {
      deletes.push(g.id);
      continue;
    }
    groups.push({ existingId: g.id, userIds: kept, ownerId: g.ownerId, changed: kept.length !== g.userIds.length });
  }

  // 2. Place new users: first where a subscription is re-created anyway, then whole new groups when a
  //    full group's worth is waiting, else into the existing group with the most room.
  const pending = input.users.filter((u) => !placed.has(u));
  const uniquePending = [...new Set(pending)];
  let i = 0;
  const room = (g: Working) => size - g.userIds.length;
  for (const g of groups) {
    if (!g.changed) continue;
    while (i < uniquePending.length && room(g) > 0) g.userIds.push(uniquePending[i++]!);
  }
  while (i < uniquePending.length) {
    const left = uniquePending.length - i;
    const candidates = groups.filter((g) => room(g) > 0).sort((a, b) => room(b) - room(a));
    const best = candidates[0];
    if (best && left <= room(best)) {
      best.userIds.push(...uniquePending.slice(i, i + left));
      best.changed = true;
      i += left;
    } else if (left >= size || !best) {
      const take = uniquePending.slice(i, i + size);
      groups.push({ existingId: null, userIds: take, ownerId: null, changed: true });
      i += take.length;
    } else {
      const n = room(best);
      best.userIds.push(...uniquePending.slice(i, i + n));
      best.changed = true;
      i += n;
    }
  }

  // 3. Compact only when there are more groups than needed AND more than the owners can cover:
  //    merge the smallest group into others with room (fewest owners beats fewest changes then).
  const minGroups = Math.ceil(wanted.size / size);
  for (;;) {
    if (groups.length <= minGroups || groups.length <= healthy.size) break;
    groups.sort((a, b) => a.userIds.length - b.userIds.length);
    const smallest = groups[0]!;
    const others = groups.slice(1);
    const totalRoom = others.reduce((n, g) => n + room(g), 0);
    if (totalRoom < smallest.userIds.length) break;
    for (const g of others.sort((a, b) => Number(b.changed) - Number(a.changed) || room(b) - room(a))) {
      if (smallest.userIds.length === 0) break;
      const n = Math.min(room(g), smallest.userIds.length);
      if (n === 0) continue;
      g.userIds.push(...smallest.userIds.splice(0, n));
      g.changed = true;
    }
    groups.shift();
    if (smallest.existingId) deletes.push(smallest.existingId);
  }

  // 4. Owners: keep a group's owner while it is healthy; give free healthy owners to the rest.
  const used = new Set<string>();
  for (const g of groups) {
    if (g.ownerId && healthy.has(g.ownerId) && !used.has(g.ownerId)) used.add(g.ownerId);
    else if (g.ownerId) {
      g.ownerId = null;
      if (g.existingId) g.changed = true;
    }
  }
  const free = owners.filter((o) => o.healthy && !used.has(o.id)).map((o) => o.id);
  for (const g of groups) {
    if (g.ownerId) continue;
    const o = free.shift();
    if (o) {
      g.ownerId = o;
      used.add(o);
    }
  }

  const planned: PlannedGroup[] = groups.map((g) => ({
    existingId: g.existingId,
    userIds: g.userIds,
    ownerId: g.ownerId,
    action: g.existingId === null ? 'create' : g.changed ? 'recreate' : 'keep',
  }));
  const ownersNeeded = planned.length;
  return {
    groupSize: size,
    users: wanted.size,
    groups: planned,
    deletes,
    ownersNeeded,
    ownersAvailable: healthy.size,
    ownersMissing: Math.max(0, ownersNeeded - healthy.size),
    uncoveredUsers: planned.filter((g) => !g.ownerId).reduce((n, g) => n + g.userIds.length, 0),
    changes: deletes.length + planned.filter((g) => g.action !== 'keep').length,
  };
}
