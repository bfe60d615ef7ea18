import type { Decision } from '../api/activity.ts';
import { FAILURE_REASONS, reasonText } from './reasons.ts';

/**
 * The Activity charts' numbers, from raw decision records. Pure and unit-tested.
 */
export interface HourBucket {
  /** Start of the hour, epoch ms. */
  at: number;
  label: string;
  changes: number;
  failures: number;
  /** Median and 95th percentile of sync delay (ms) for decisions that carry one. */
  delayP50: number | null;
  delayP95: number | null;
}

const HOUR = 3_600_000;
const CHANGED = new Set(['applied', 'cleared']);

export function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}

export function hourly(decisions: readonly Decision[], now: number, hours = 24): HourBucket[] {
  const end = Math.floor(now / HOUR) * HOUR + HOUR;
  const start = end - hours * HOUR;
  const buckets = Array.from({ length: hours }, (_, i) => ({
    at: start + i * HOUR,
    changes: 0,
    failures: 0,
    delays: [] as number[],
  }));
  for (const d of decisions) {
    const t = Date.parse(d.at);
    if (!(t >= start && t < end)) continue;
    const b = buckets[Math.floor((t - start) / HOUR)]!;
    if (CHANGED.has(d.reason)) b.changes++;
    if (FAILURE_REASONS.has(d.reason)) b.failures++;
    if (d.delayMs != null && CHANGED.has(d.reason)) b.delays.push(d.delayMs);
  }
  return buckets.map((b) => {
    const sorted = [...b.delays].sort((x, y) => x - y);
    const h = new Date(b.at);
    return {
      at: b.at,
      label: `${String(h.getHours()).padStart(2, '0')}:00`,
      changes: b.changes,
      failures: b.failures,
      delayP50: percentile(sorted, 50),
      delayP95: percentile(sorted, 95),
    };
  });
}

export interface ReasonCount {
  reason: string;
  label: string;
  count: number;
}

/** Failures by reason, most frequent first. */
export function failuresByReason(decisions: readonly Decision[]): ReasonCount[] {
  const m = new Map<string, number>();
  for (const d of decisions) if (FAILURE_REASONS.has(d.reason)) m.set(d.reason, (m.get(d.reason) ?? 0) + 1);
  return [...m]
    .map(([reason, count]) => ({ reason, label: reasonText(reason), count }))
    .sort((a, b) => b.count - a.count || a.reason.localeCompare(b.reason));
}

export function summary(decisions: readonly Decision[]): { changes: number; failures: number; delayP95: number | null } {
  const delays = decisions
    .filter((d) => d.delayMs != null && CHANGED.has(d.reason))
    .map((d) => d.delayMs!)
    .sort((a, b) => a - b);
  return {
    changes: decisions.filter((d) => CHANGED.has(d.reason)).length,
    failures: decisions.filter((d) => FAILURE_REASONS.has(d.reason)).length,
    delayP95: percentile(delays, 95),
  };
}
