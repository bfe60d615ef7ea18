import type { Timer } from '../timer.ts';

/**
 * A Timer that only moves when told to: `advance(ms)` fires every callback that falls due, in time
 * order, letting promise continuations run between them. For tests of waits and refresh margins.
 */
export interface ManualTime extends Timer {
  advance(ms: number): Promise<void>;
  /** How many callbacks are waiting. */
  pending(): number;
  /** Fires due callbacks without moving time (after a test awaited something that scheduled one). */
  flush(): Promise<void>;
}

const settle = async () => {
  for (let i = 0; i < 20; i++) await Promise.resolve();
};

export function manualTime(start = Date.UTC(2026, 10, 26, 12, 0, 0)): ManualTime {
  let now = start;
  let seq = 0;
  const timers = new Map<number, { at: number; fn: () => void }>();

  const fireDue = async () => {
    for (;;) {
      await settle();
      let next: [number, { at: number; fn: () => void }] | undefined;
      for (const entry of timers) if (entry[1].at <= now && (!next || entry[1].at < next[1].at)) next = entry;
      if (!next) return;
      timers.delete(next[0]);
      next[1].fn();
    }
  };

  return {
    now: () => now,
    after(ms, fn) {
      const id = ++seq;
      timers.set(id, { at: now + Math.max(0, ms), fn });
      return () => {
        timers.delete(id);
      };
    },
    async advance(ms) {
      const target = now + ms;
      for (;;) {
        await settle();
        let nextAt = Number.POSITIVE_INFINITY;
        for (const t of timers.values()) if (t.at < nextAt) nextAt = t.at;
        if (nextAt > target) break;
        now = Math.max(now, nextAt);
        await fireDue();
      }
      now = target;
      await fireDue();
    },
    pending: () => timers.size,
    flush: fireDue,
  };
}
