/**
 * Graph's per-application-per-tenant request budget (presence pages: 1,500 requests / 30 s),
 * as fixed windows per key. Pure apart from the injected clock.
 */
export interface QuotaDecision {
  ok: boolean;
  /** Seconds until the window resets (only when !ok); at least 1, as Graph never says 0. */
  retryAfterSeconds: number;
}

export class Quota {
  private readonly windows = new Map<string, { start: number; used: number }>();
  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
    private readonly now: () => number,
  ) {}

  take(key: string, cost = 1): QuotaDecision {
    const now = this.now();
    let w = this.windows.get(key);
    if (!w || now >= w.start + this.windowMs) {
      w = { start: now, used: 0 };
      this.windows.set(key, w);
    }
    if (w.used + cost > this.limit && w.used > 0) {
      return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil((w.start + this.windowMs - now) / 1000)) };
    }
    // A single request costing more than the whole budget (per-id counting) is let through on a fresh window.
    w.used += cost;
    return { ok: true, retryAfterSeconds: 0 };
  }
}
