import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type ExistingGroup, planSubscriptions } from '../../api/src/watch/plan.ts';

const users = (n: number, from = 0) => Array.from({ length: n }, (_, i) => `u${String(i + from).padStart(5, '0')}`);
const owners = (n: number) => Array.from({ length: n }, (_, i) => ({ id: `o${i + 1}`, healthy: true }));
const asExisting = (plan: ReturnType<typeof planSubscriptions>): ExistingGroup[] =>
  plan.groups.map((g, i) => ({ id: g.existingId ?? `s${i}`, userIds: g.userIds, ownerId: g.ownerId }));

describe('subscription planner', () => {
  it('when 800 users and two owners then two subscriptions, each owned, nobody uncovered', () => {
    const p = planSubscriptions({ users: users(800), groupSize: 650, owners: owners(2) });
    expect(p.groups).toHaveLength(2);
    expect(p.groups.map((g) => g.userIds.length).sort((a, b) => a - b)).toEqual([150, 650]);
    expect(new Set(p.groups.map((g) => g.ownerId)).size).toBe(2);
    expect(p.ownersNeeded).toBe(2);
    expect(p.ownersMissing).toBe(0);
    expect(p.uncoveredUsers).toBe(0);
  });

  it('when users grow to 1,301 then a third owner is needed and reported missing', () => {
    const first = planSubscriptions({ users: users(800), groupSize: 650, owners: owners(2) });
    const p = planSubscriptions({ users: users(1301), groupSize: 650, owners: owners(2), existing: asExisting(first) });
    expect(p.ownersNeeded).toBe(3);
    expect(p.ownersMissing).toBe(1);
    expect(p.uncoveredUsers).toBeGreaterThan(0);
    expect(p.groups.every((g) => g.userIds.length <= 650)).toBe(true);
  });

  it('when one user is added then only one subscription changes', () => {
    const first = planSubscriptions({ users: users(1000), groupSize: 300, owners: owners(4) });
    const p = planSubscriptions({ users: users(1001), groupSize: 300, owners: owners(4), existing: asExisting(first) });
    expect(p.changes).toBe(1);
    expect(p.groups.filter((g) => g.action === 'keep')).toHaveLength(3);
  });

  it('when one user is removed then only the group that held it is re-created', () => {
    const first = planSubscriptions({ users: users(900), groupSize: 300, owners: owners(3) });
    const remaining = users(900).filter((u) => u !== 'u00005');
    const p = planSubscriptions({ users: remaining, groupSize: 300, owners: owners(3), existing: asExisting(first) });
    expect(p.changes).toBe(1);
    expect(p.deletes).toEqual([]);
  });

  it('when a group is emptied then its subscription is deleted', () => {
    const first = planSubscriptions({ users: users(600), groupSize: 300, owners: owners(2) });
    const p = planSubscriptions({ users: users(300), groupSize: 300, owners: owners(2), existing: asExisting(first) });
    expect(p.deletes).toHaveLength(1);
    expect(p.changes).toBe(1);
  });

  it('when an owner becomes unhealthy then its group is re-created under a spare owner', () => {
    const first = planSubscriptions({ users: users(100), groupSize: 100, owners: owners(1) });
    const p = planSubscriptions({
      users: users(100),
      groupSize: 100,
      owners: [
        { id: 'o1', healthy: false },
        { id: 'o2', healthy: true },
      ],
      existing: asExisting(first),
    });
    expect(p.groups[0]).toMatchObject({ ownerId: 'o2', action: 'recreate' });
  });

  it('for any sequence of user sets then every user is in exactly one group of at most groupSize', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 50 }),
        fc.array(fc.uniqueArray(fc.integer({ min: 0, max: 300 }), { maxLength: 300 }), { minLength: 1, maxLength: 4 }),
        fc.integer({ min: 0, max: 8 }),
        (size, sets, ownerCount) => {
          let existing: ExistingGroup[] = [];
          for (const set of sets) {
            const us = set.map((n) => `u${n}`);
            const p = planSubscriptions({ users: us, groupSize: size, owners: owners(ownerCount), existing });
            const all = p.groups.flatMap((g) => g.userIds);
            expect(all.length).toBe(new Set(all).size);
            expect(new Set(all)).toEqual(new Set(us));
            expect(p.groups.every((g) => g.userIds.length >= 1 && g.userIds.length <= size)).toBe(true);
            const ownerIds = p.groups.map((g) => g.ownerId).filter((o) => o !== null);
            expect(new Set(ownerIds).size).toBe(ownerIds.length);
            existing = asExisting(p);
          }
        },
      ),
      { numRuns: 150 },
    );
  });
});
