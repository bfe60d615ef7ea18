import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createQuotaBudget, createQuotaRegistry, effectiveLimitAt } from './quota.ts';
import { manualTime } from './testing/manual-time.ts';

const track = (p: Promise<void>) => {
  const state = { done: false, error: undefined as unknown };
  p.then(
    () => {
      state.done = true;
    },
    (e: unknown) => {
      state.error = e;
    },
  );
  return state;
};

describe('quota budget', () => {
  it('when the window has room then acquire resolves at once and counts the cost', async () => {
    const time = manualTime();
    const q = createQuotaBudget({ requests: 10, windowMs: 1_000, timer: time });
    await q.acquire('background');
    await q.acquire('read', 3);
    expect(q.snapshot()).toMatchObject({ limit: 10, windowMs: 1_000, usedInWindow: 4, blockedUntil: null, effectiveLimit: 10 });
  });

  it('when the window is full then acquire waits until the oldest grant leaves the window', async () => {
    const time = manualTime();
    const q = createQuotaBudget({ requests: 2, windowMs: 1_000, timer: time, reserveShare: 0 });
    await q.acquire('background');
    await time.advance(400);
    await q.acquire('background');
    const third = track(q.acquire('background'));
    await time.advance(599);
    expect(third.done).toBe(false);
    await time.advance(2);
    expect(third.done).toBe(true);
  });

  it('when writes and reads wait together then writes are granted first', async () => {
    const time = manualTime();
    const q = createQuotaBudget({ requests: 1, windowMs: 1_000, timer: time, reserveShare: 0 });
    await q.acquire('read');
    const order: string[] = [];
    const r = q.acquire('read').then(() => order.push('read'));
    const w = q.acquire('background').then(() => order.push('write'));
    expect(q.snapshot().waiting).toEqual({ live: 0, admin: 0, background: 1, read: 1 });
    await time.advance(1_001);
    await time.advance(1_001);
    await Promise.all([r, w]);
    expect(order).toEqual(['write', 'read']);
  });

  it('when reads filled their share then a live write still gets the reserved room at once', async () => {
    const time = manualTime();
    const q = createQuotaBudget({ requests: 10, windowMs: 1_000, timer: time });
    for (let i = 0; i < 9; i++) await q.acquire('read');
    const read = track(q.acquire('read'));
    await time.flush();
    expect(read.done).toBe(false);
    await q.acquire('live');
    expect(q.snapshot().usedInWindow).toBe(10);
  });

  it('when a catch-up filled the background ceiling then an admin write and a live write still go out at once', async () => {
    const time = manualTime();
    const q = createQuotaBudget({ requests: 100, windowMs: 1_000, timer: time });
    for (let i = 0; i < 80; i++) await q.acquire('background');
    const more = track(q.acquire('background'));
    await time.flush();
    expect(more.done).toBe(false);
    for (let i = 0; i < 10; i++) await q.acquire('admin');
    const moreAdmin = track(q.acquire('admin'));
    await time.flush();
    expect(moreAdmin.done).toBe(false);
    for (let i = 0; i < 10; i++) await q.acquire('live');
    expect(q.snapshot()).toMatchObject({ usedInWindow: 100, waiting: { live: 0, admin: 1, background: 1, read: 0 } });
    // When room returns, the admin write goes before the catch-up that waited longer.
    await time.advance(1_001);
    expect(moreAdmin.done).toBe(true);
    expect(more.done).toBe(true);
  });

  it('when a capped catch-up waits then reads still use the room above it, and live writes go first', async () => {
    const time = manualTime();
    const q = createQuotaBudget({ requests: 100, windowMs: 1_000, timer: time });
    for (let i = 0; i < 80; i++) await q.acquire('background');
    const bg = track(q.acquire('background'));
    const read = track(q.acquire('read', 5));
    await time.flush();
    expect(bg.done).toBe(false);
    expect(read.done).toBe(true);
    expect(q.readRoom()).toBe(10); // the read ceiling (90) minus writes (80)
    // Full to the read ceiling: a live write still fits; a waiting read does not pass a waiting live write.
    for (let i = 0; i < 5; i++) await q.acquire('read');
    const order: string[] = [];
    const r = q.acquire('read').then(() => order.push('read'));
    for (let i = 0; i < 10; i++) await q.acquire('live');
    const l = q.acquire('live').then(() => order.push('live'));
    await time.advance(1_001);
    await Promise.all([r, l]);
    expect(order).toEqual(['live', 'read']);
  });

  it('when Graph answers 429 then every call waits out Retry-After and the budget shrinks, then recovers', async () => {
    const time = manualTime();
    const q = createQuotaBudget({ requests: 100, windowMs: 1_000, timer: time });
    q.throttled(2_500);
    const snap = q.snapshot();
    expect(snap.blockedUntil).toBe(time.now() + 2_500);
    expect(snap.effectiveLimit).toBe(50);
    expect(q.readRoom()).toBe(0);
    const w = track(q.acquire('background'));
    const r = track(q.acquire('read'));
    await time.advance(2_499);
    expect(w.done || r.done).toBe(false);
    await time.advance(1);
    expect(w.done && r.done).toBe(true);
    expect(q.snapshot().blockedUntil).toBeNull();
    await time.advance(1_000);
    expect(q.snapshot().effectiveLimit).toBe(60);
    await time.advance(10_000);
    expect(q.snapshot().effectiveLimit).toBe(100);
  });

  it('when 429s repeat after each wait then the budget keeps shrinking but never below one request', async () => {
    const time = manualTime();
    const q = createQuotaBudget({ requests: 8, windowMs: 1_000, timer: time });
    for (let i = 0; i < 6; i++) {
      q.throttled(100);
      await time.advance(100);
    }
    expect(q.snapshot().effectiveLimit).toBe(1);
  });

  it('when many 429s arrive during one wait then they extend it but shrink the budget once', async () => {
    const time = manualTime();
    const q = createQuotaBudget({ requests: 100, windowMs: 1_000, timer: time });
    q.throttled(500);
    for (let i = 0; i < 15; i++) q.throttled(300);
    await time.advance(10);
    q.throttled(800);
    expect(q.snapshot()).toMatchObject({ effectiveLimit: 50, blockedUntil: time.now() + 800 });
  });

  it('when an acquire is aborted then it rejects and frees its place', async () => {
    const time = manualTime();
    const q = createQuotaBudget({ requests: 1, windowMs: 1_000, timer: time, reserveShare: 0 });
    await q.acquire('background');
    const ac = new AbortController();
    const p = q.acquire('background', 1, ac.signal);
    ac.abort(new Error('shutting down'));
    await expect(p).rejects.toThrow('shutting down');
    expect(q.snapshot().waiting).toEqual({ live: 0, admin: 0, background: 0, read: 0 });
  });

  it('readRoom prorates the read share minus writes already spent in the window', async () => {
    const time = manualTime();
    const q = createQuotaBudget({ requests: 1_500, windowMs: 30_000, timer: time });
    expect(q.readRoom()).toBe(1_350);
    expect(q.readRoom(3_000)).toBe(135);
    for (let i = 0; i < 150; i++) await q.acquire('background');
    expect(q.readRoom()).toBe(1_200);
  });

  it('configure applies a new limit to waiting calls', async () => {
    const time = manualTime();
    const q = createQuotaBudget({ requests: 1, windowMs: 1_000, timer: time, reserveShare: 0 });
    await q.acquire('background');
    const next = track(q.acquire('background'));
    await time.flush();
    expect(next.done).toBe(false);
    q.configure({ requests: 5, windowMs: 1_000 });
    await time.flush();
    expect(next.done).toBe(true);
  });

  it('property: no window ever holds more than the effective limit, and every acquire is eventually granted', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 20 }),
        fc.array(
          fc.record({
            priority: fc.constantFrom('live' as const, 'admin' as const, 'background' as const, 'read' as const),
            cost: fc.integer({ min: 1, max: 4 }),
            gap: fc.integer({ min: 0, max: 300 }),
            throttle: fc.option(fc.integer({ min: 1, max: 2_000 }), { freq: 8 }),
          }),
          { maxLength: 40 },
        ),
        async (limit, ops) => {
          const time = manualTime();
          const windowMs = 1_000;
          const q = createQuotaBudget({ requests: limit, windowMs, timer: time });
          const granted: { at: number; cost: number }[] = [];
          const blocks: { afterGrants: number; until: number }[] = [];
          const all: Promise<void>[] = [];
          for (const op of ops) {
            await time.advance(op.gap);
            if (op.throttle !== null) {
              blocks.push({ afterGrants: granted.length, until: time.now() + op.throttle });
              q.throttled(op.throttle);
            }
            const cost = Math.min(op.cost, limit);
            all.push(q.acquire(op.priority, cost).then(() => void granted.push({ at: time.now(), cost })));
          }
          for (let i = 0; i < 400 && granted.length < ops.length; i++) await time.advance(250);
          await Promise.all(all);
          expect(granted.length).toBe(ops.length);
          granted.forEach((g, i) => {
            const inWindow = granted.filter((o) => o.at > g.at - windowMs && o.at <= g.at).reduce((s, o) => s + o.cost, 0);
            expect(inWindow).toBeLessThanOrEqual(limit);
            // Nothing granted after a 429 before its wait ended.
            for (const b of blocks) if (i >= b.afterGrants) expect(g.at).toBeGreaterThanOrEqual(b.until);
          });
        },
      ),
      { numRuns: 200 },
    );
  });

  it('effectiveLimitAt grows a tenth of the limit per quiet window', () => {
    expect(effectiveLimitAt(100, 1_000, null, 0)).toBe(100);
    expect(effectiveLimitAt(100, 1_000, { to: 25, at: 0 }, 999)).toBe(25);
    expect(effectiveLimitAt(100, 1_000, { to: 25, at: 0 }, 3_000)).toBe(55);
    expect(effectiveLimitAt(100, 1_000, { to: 25, at: 0 }, 60_000)).toBe(100);
  });

  it('the registry hands every caller of one tenant the same budget and applies changed settings', async () => {
    const time = manualTime();
    const reg = createQuotaRegistry({ timer: time });
    const a = reg.forTenant('TENANT-1');
    const b = reg.forTenant('tenant-1', { requests: 1_500, windowMs: 30_000 });
    expect(a).toBe(b);
    expect(reg.forTenant('tenant-2')).not.toBe(a);
    await a.acquire('background');
    expect(b.snapshot().usedInWindow).toBe(1);
    reg.forTenant('tenant-1', { requests: 100, windowMs: 10_000 });
    expect(a.snapshot()).toMatchObject({ limit: 100, windowMs: 10_000 });
  });
});
