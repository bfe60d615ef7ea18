import type { WriteUrgency } from '../domain/ports.ts';
import { systemTimer, type Timer } from './timer.ts';

/**
 * One Graph request budget per tenant, shared by every Graph call of that tenant (facts/graph.md:
 * "1,500 requests per 30 s per application per tenant" on presence-get and
 * cloudcommunications-getpresencesbyuserid; configurable because the throttling-limits page says
 * otherwise).
 *
 * - A sliding window of granted costs; `acquire` waits until the cost fits.
 * - Priorities, served in this order, each with a ceiling on how full it may fill the window (one
 *   reserve step = `reserveShare` of the effective limit, 10% by default):
 *     live        100%  writes answering a change that just happened (an agent's new state)
 *     admin       90%   writes an admin is waiting for (a rule change's effect)
 *     background  80%   start-up catch-up, sweep repairs, keep-alives, subscription calls
 *     read        90%   the presence reader and other reads (served after every write, but may use
 *                        room that background writes may not, so watching never stalls behind a catch-up)
 *   A catch-up of 10,000 users can therefore never fill the window: the next live change still goes
 *   out at once. (Before tiers, a start-up full sync at 10,000 agents held live changes up to 17 s.)
 * - A 429 (`throttled(retryAfterMs)`) blocks every call until the wait ends and halves the effective
 *   limit (once per episode: 429s arriving during a running wait only extend it); the limit grows back
 *   by a tenth of the limit for every full window after the wait.
 *
 * No I/O: time comes from the injected Timer.
 */
export type QuotaPriority = WriteUrgency | 'read';

export interface QuotaSettings {
  /** Requests allowed per window (default 1,500). */
  requests: number;
  /** The window (default 30,000 ms). */
  windowMs: number;
}

export interface QuotaSnapshot {
  limit: number;
  windowMs: number;
  /** Cost granted within the last window. */
  usedInWindow: number;
  /** Until when every call waits because of a 429 (epoch ms), or null. */
  blockedUntil: number | null;
  /** The limit after 429 shrinking (≤ limit). */
  effectiveLimit: number;
  /** Of the effective limit, what reads may use. */
  readLimit: number;
  waiting: Record<QuotaPriority, number>;
}

export interface QuotaBudget {
  /** Waits until `cost` fits (and no 429 wait is running), then counts it. Rejects with the signal's reason. */
  acquire(priority: QuotaPriority, cost?: number, signal?: AbortSignal): Promise<void>;
  /** Reports a 429: block everything for `retryAfterMs` and shrink the budget. */
  throttled(retryAfterMs: number): void;
  snapshot(): QuotaSnapshot;
  /**
   * How many read requests can be spent over a span of `windowMs` at a sustainable pace: the read ceiling
   * of the effective limit, minus what writes used in the current window, prorated to the span. 0 while
   * a 429 wait runs. The presence reader divides it by requests-per-round to pick its cadence.
   */
  readRoom(windowMs?: number): number;
  /** Applies new settings (the admin changed the connection's graphQuota). */
  configure(settings: QuotaSettings): void;
}

export interface QuotaOptions extends Partial<QuotaSettings> {
  timer?: Timer;
  /** One reserve step between priority ceilings, as a share of the effective limit (default 0.1). */
  reserveShare?: number;
}

export const DEFAULT_QUOTA: QuotaSettings = { requests: 1_500, windowMs: 30_000 };

/** Reserve steps kept free above each priority's ceiling, and the service order. */
const STEPS: Record<QuotaPriority, number> = { live: 0, admin: 1, background: 2, read: 1 };
const ORDER: Record<QuotaPriority, number> = { live: 0, admin: 1, background: 2, read: 3 };

interface Grant {
  at: number;
  cost: number;
  priority: QuotaPriority;
}
interface Waiter {
  priority: QuotaPriority;
  cost: number;
  resolve: () => void;
  reject: (reason: unknown) => void;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
}

/** Pure: the effective limit `now`, given the shrink history. */
export function effectiveLimitAt(
  limit: number,
  windowMs: number,
  shrink: { to: number; at: number } | null,
  now: number,
): number {
  if (!shrink) return limit;
  const windows = Math.max(0, Math.floor((now - shrink.at) / windowMs));
  const step = Math.max(1, Math.ceil(limit / 10));
  return Math.min(limit, shrink.to + windows * step);
}

export function createQuotaBudget(opts: QuotaOptions = {}): QuotaBudget {
  const timer = opts.timer ?? systemTimer;
  const reserveShare = opts.reserveShare ?? 0.1;
  let limit = opts.requests ?? DEFAULT_QUOTA.requests;
  let windowMs = opts.windowMs ?? DEFAULT_QUOTA.windowMs;
  // Grants in the window, oldest first, from index `head` on; running sums so that every question
  // about the window is O(1). (Recounting the whole window per grant, and sorting every waiter per
  // grant, made a 10,000-user catch-up quadratic.)
  let grants: Grant[] = [];
  let head = 0;
  let usedAll = 0;
  let usedByReads = 0;
  /** Waiting calls per priority, each in arrival order. */
  const waiting: Record<QuotaPriority, Waiter[]> = { live: [], admin: [], background: [], read: [] };
  const PRIORITIES = (Object.keys(ORDER) as QuotaPriority[]).sort((a, b) => ORDER[a] - ORDER[b]);
  let blockedUntil = 0;
  /** Start of recovery after the last 429 (when its wait ended) and the limit it shrank to. */
  let shrink: { to: number; at: number } | null = null;
  let cancelWake: (() => void) | null = null;
  let wakeAt = Number.POSITIVE_INFINITY;

  const prune = (now: number) => {
    const from = now - windowMs;
    while (head < grants.length && (grants[head] as Grant).at <= from) {
      const g = grants[head++] as Grant;
      usedAll -= g.cost;
      if (g.priority === 'read') usedByReads -= g.cost;
    }
    if (head > 1024 && head * 2 > grants.length) {
      grants = grants.slice(head);
      head = 0;
    }
  };
  const grant = (g: Grant) => {
    grants.push(g);
    usedAll += g.cost;
    if (g.priority === 'read') usedByReads += g.cost;
  };
  const effective = (now: number) => {
    const e = effectiveLimitAt(limit, windowMs, shrink, now);
    if (shrink && e >= limit) shrink = null;
    return e;
  };
  const capOf = (priority: QuotaPriority, eff: number) => Math.max(1, eff - Math.ceil(eff * reserveShare * STEPS[priority]));
  /** When `cost` more fits under `cap`: when enough of the oldest grants have left the window. */
  const fitsAt = (now: number, cost: number, cap: number) => {
    let excess = usedAll + cost - cap;
    let at = now + windowMs;
    for (let i = head; i < grants.length; i++) {
      const g = grants[i] as Grant;
      excess -= g.cost;
      if (excess <= 0) {
        at = g.at + windowMs + 1;
        break;
      }
    }
    // Recovery of a shrunk limit may come sooner.
    if (shrink) at = Math.min(at, shrink.at + (Math.floor((now - shrink.at) / windowMs) + 1) * windowMs);
    return Math.max(at, now + 1);
  };
  const anyWaiting = () => PRIORITIES.some((p) => waiting[p].length > 0);

  const schedule = (at: number) => {
    if (at >= wakeAt && cancelWake) return;
    cancelWake?.();
    wakeAt = at;
    cancelWake = timer.after(at - timer.now(), () => {
      cancelWake = null;
      wakeAt = Number.POSITIVE_INFINITY;
      pump();
    });
  };

  const pump = () => {
    for (;;) {
      const now = timer.now();
      prune(now);
      if (!anyWaiting()) {
        cancelWake?.();
        cancelWake = null;
        wakeAt = Number.POSITIVE_INFINITY;
        return;
      }
      if (now < blockedUntil) {
        schedule(blockedUntil);
        return;
      }
      const eff = effective(now);
      // Serve in priority order, each priority first come first served: only the oldest waiter of a
      // priority may go (no overtaking within a priority). One that does not fit holds back every
      // priority whose ceiling is no higher, but a later priority with more headroom (reads past a
      // capped catch-up) may go.
      let granted: Waiter | undefined;
      let blockedCap = Number.NEGATIVE_INFINITY;
      let wake = Number.POSITIVE_INFINITY;
      for (const p of PRIORITIES) {
        const w = waiting[p][0];
        if (!w) continue;
        const cap = capOf(p, eff);
        if (cap <= blockedCap) continue;
        const cost = Math.min(w.cost, cap);
        if (usedAll + cost <= cap) {
          granted = w;
          grant({ at: now, cost, priority: p });
          break;
        }
        blockedCap = cap;
        wake = Math.min(wake, fitsAt(now, cost, cap));
      }
      if (!granted) {
        schedule(wake);
        return;
      }
      const w = granted;
      waiting[w.priority].shift();
      if (w.signal && w.onAbort) w.signal.removeEventListener('abort', w.onAbort);
      w.resolve();
    }
  };

  return {
    acquire(priority, cost = 1, signal) {
      if (signal?.aborted) return Promise.reject(signal.reason);
      return new Promise<void>((resolve, reject) => {
        const waiter: Waiter = {
          priority,
          cost: Math.max(1, Math.ceil(cost)),
          resolve,
          reject,
          signal,
          onAbort: undefined,
        };
        if (signal) {
          waiter.onAbort = () => {
            waiting[priority] = waiting[priority].filter((x) => x !== waiter);
            reject(signal.reason);
            pump();
          };
          signal.addEventListener('abort', waiter.onAbort, { once: true });
        }
        waiting[priority].push(waiter);
        pump();
      });
    },
    throttled(retryAfterMs) {
      const now = timer.now();
      const until = now + Math.max(0, retryAfterMs);
      // 429s that arrive while a wait is already running answer requests sent before it began: one
      // episode, one shrink (16 parallel batch reads must not divide the budget by 2^16).
      const sameEpisode = now < blockedUntil;
      blockedUntil = Math.max(blockedUntil, until);
      if (!sameEpisode) shrink = { to: Math.max(1, Math.floor(effective(now) / 2)), at: blockedUntil };
      else if (shrink) shrink = { ...shrink, at: blockedUntil };
      if (cancelWake) {
        cancelWake();
        cancelWake = null;
        wakeAt = Number.POSITIVE_INFINITY;
      }
      pump();
    },
    snapshot() {
      const now = timer.now();
      prune(now);
      const eff = effective(now);
      return {
        limit,
        windowMs,
        usedInWindow: usedAll,
        blockedUntil: now < blockedUntil ? blockedUntil : null,
        effectiveLimit: eff,
        readLimit: capOf('read', eff),
        waiting: {
          live: waiting.live.length,
          admin: waiting.admin.length,
          background: waiting.background.length,
          read: waiting.read.length,
        },
      };
    },
    readRoom(span = windowMs) {
      const now = timer.now();
      if (now < blockedUntil) return 0;
      prune(now);
      const room = capOf('read', effective(now)) - (usedAll - usedByReads);
      return Math.max(0, Math.floor((room * span) / windowMs));
    },
    configure(settings) {
      limit = settings.requests;
      windowMs = settings.windowMs;
      if (shrink && shrink.to > limit) shrink = { ...shrink, to: limit };
      pump();
    },
  };
}

/**
 * One budget per tenant for the whole process: every connection (and every Graph client) of a tenant
 * gets the same QuotaBudget, so reads, writes and subscription calls share Graph's per-tenant limit.
 */
export interface QuotaRegistry {
  /** The tenant's budget, created on first use; new settings are applied to the existing budget. */
  forTenant(tenantId: string, settings?: QuotaSettings): QuotaBudget;
}

export function createQuotaRegistry(opts: { timer?: Timer; reserveShare?: number } = {}): QuotaRegistry {
  const budgets = new Map<string, { budget: QuotaBudget; settings: QuotaSettings }>();
  return {
    forTenant(tenantId, settings) {
      const key = tenantId.toLowerCase();
      const existing = budgets.get(key);
      if (existing) {
        if (settings && (settings.requests !== existing.settings.requests || settings.windowMs !== existing.settings.windowMs)) {
          existing.budget.configure(settings);
          existing.settings = settings;
        }
        return existing.budget;
      }
      const s = settings ?? DEFAULT_QUOTA;
      const budget = createQuotaBudget({ ...opts, ...s });
      budgets.set(key, { budget, settings: s });
      return budget;
    },
  };
}
