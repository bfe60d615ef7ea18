import { describe, expect, it } from 'vitest';
import type { Decision } from '../api/activity.ts';
import { failuresByReason, hourly, percentile, summary } from './stats.ts';

const NOW = Date.parse('2026-11-26T12:30:00Z');
let id = 0;
const d = (minutesAgo: number, reason: string, delayMs: number | null = null): Decision => ({
  id: ++id,
  at: new Date(NOW - minutesAgo * 60_000).toISOString(),
  agentId: 'a1',
  userId: 'u1',
  direction: 'cxone_to_teams',
  reason,
  ruleId: null,
  rowIndex: null,
  inputs: {},
  actions: [],
  delayMs,
});

describe('activity stats', () => {
  it('when decisions span the day then they fall into 24 hourly buckets of changes and failures', () => {
    const b = hourly(
      [d(5, 'applied', 100), d(10, 'cleared', 300), d(20, 'throttled'), d(70, 'applied', 900), d(60 * 30, 'applied')],
      NOW,
    );
    expect(b).toHaveLength(24);
    const last = b.at(-1)!;
    expect(last.changes).toBe(2);
    expect(last.failures).toBe(1);
    expect(last.delayP50).toBe(100);
    expect(last.delayP95).toBe(300);
    expect(b.at(-2)!.changes).toBe(1);
    expect(b.reduce((n, x) => n + x.changes, 0)).toBe(3); // the 30-hour-old one is outside the window
  });

  it('when failures are counted by reason then the most frequent comes first with plain words', () => {
    const r = failuresByReason([d(1, 'throttled'), d(2, 'cxone_unreachable'), d(3, 'throttled'), d(4, 'applied')]);
    expect(r).toEqual([
      { reason: 'throttled', label: 'Throttled by Microsoft Graph or CXone: will retry', count: 2 },
      { reason: 'cxone_unreachable', label: 'CXone could not be reached', count: 1 },
    ]);
  });

  it('when percentiles are asked of nothing then null, otherwise the nearest rank', () => {
    expect(percentile([], 95)).toBeNull();
    expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 95)).toBe(10);
    expect(percentile([1, 2, 3, 4], 50)).toBe(2);
    expect(summary([d(1, 'applied', 50), d(2, 'no_rule'), d(3, 'graph_unreachable')])).toEqual({
      changes: 1,
      failures: 1,
      delayP95: 50,
    });
  });
});
