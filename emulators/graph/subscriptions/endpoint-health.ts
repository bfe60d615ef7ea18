/**
 * Graph's judgement of a notification endpoint (change-notifications-delivery-webhooks,
 * "Throttling"): over 10% of answers slower than 3 s in 10 minutes → "slow"; over 15% slower than
 * 10 s → "dropping" (notifications are dropped for 10 minutes). Simplified: the last 10 minutes of
 * answers (by emulator time, up to 1,000 per endpoint) with at least 10 answers before judging.
 * The manager delays a slow endpoint's notifications by 10 minutes of emulator time. Pure apart from
 * the timestamps it is given.
 */
export type EndpointState = 'ok' | 'slow' | 'dropping';

const WINDOW_MS = 10 * 60_000;
const MIN_SAMPLES = 10;
const MAX_SAMPLES = 1000;

export interface EndpointReport {
  url: string;
  state: EndpointState;
  answers: number;
  slowerThan3s: number;
  slowerThan10s: number;
  droppingUntil: number | null;
  /** Answer times (ms) of the recent deliveries: what "webhook ack time" benchmarks read. */
  ackMs: { p50: number; p95: number; max: number } | null;
}

function percentile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

export class EndpointHealth {
  private readonly samples = new Map<string, { at: number; ms: number }[]>();
  private readonly dropUntil = new Map<string, number>();

  record(url: string, at: number, ms: number): void {
    let list = this.samples.get(url);
    if (!list) {
      list = [];
      this.samples.set(url, list);
    }
    list.push({ at, ms });
    if (list.length > MAX_SAMPLES) list.splice(0, list.length - MAX_SAMPLES);
    const c = this.counts(url, at);
    if (c.answers >= MIN_SAMPLES && c.verySlow / c.answers > 0.15 && !this.isDropping(url, at))
      this.dropUntil.set(url, at + WINDOW_MS);
  }

  isDropping(url: string, now: number): boolean {
    const until = this.dropUntil.get(url);
    return until !== undefined && until > now;
  }

  /** The judgement alone: one pass, no copies (it runs for every delivery and every new batch). */
  state(url: string, now: number): EndpointState {
    if (this.isDropping(url, now)) return 'dropping';
    const c = this.counts(url, now);
    return c.answers >= MIN_SAMPLES && c.slow / c.answers > 0.1 ? 'slow' : 'ok';
  }

  report(url: string, now: number): EndpointReport {
    const recent = (this.samples.get(url) ?? []).filter((s) => s.at > now - WINDOW_MS);
    const c = this.counts(url, now);
    const dropping = this.isDropping(url, now);
    return {
      url,
      state: this.state(url, now),
      answers: c.answers,
      slowerThan3s: c.slow,
      slowerThan10s: c.verySlow,
      droppingUntil: dropping ? this.dropUntil.get(url)! : null,
      ackMs: recent.length ? ackStats(recent.map((r) => r.ms)) : null,
    };
  }

  private counts(url: string, now: number): { answers: number; slow: number; verySlow: number } {
    let answers = 0;
    let slow = 0;
    let verySlow = 0;
    for (const s of this.samples.get(url) ?? []) {
      if (s.at <= now - WINDOW_MS) continue;
      answers++;
      if (s.ms > 3000) slow++;
      if (s.ms > 10_000) verySlow++;
    }
    return { answers, slow, verySlow };
  }

  all(now: number): EndpointReport[] {
    return [...this.samples.keys()].map((u) => this.report(u, now));
  }
}

function ackStats(ms: number[]): { p50: number; p95: number; max: number } {
  const sorted = [...ms].sort((a, b) => a - b);
  const round = (n: number) => Math.round(n * 10) / 10;
  return { p50: round(percentile(sorted, 0.5)), p95: round(percentile(sorted, 0.95)), max: round(sorted.at(-1)!) };
}
