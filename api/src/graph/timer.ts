import type { Clock } from '../domain/ports.ts';

/**
 * Time as the Graph client sees it: the current instant and a way to be called back later. Tests
 * inject a manual one (`manualTime()` in ./testing/manual-time.ts) so waits never depend on wall time.
 */
export interface Timer extends Clock {
  /** Calls `fn` once `ms` have passed; returns a function that cancels the call. */
  after(ms: number, fn: () => void): () => void;
}

export const systemTimer: Timer = {
  now: () => Date.now(),
  after(ms, fn) {
    const handle = setTimeout(fn, Math.max(0, ms));
    return () => clearTimeout(handle);
  },
};

/** A Timer from a Clock: a plain Clock gets real timers for its waits. */
export function toTimer(clock: Clock | Timer | undefined): Timer {
  if (!clock) return systemTimer;
  if ('after' in clock && typeof clock.after === 'function') return clock;
  return { now: () => clock.now(), after: systemTimer.after };
}

/** Resolves after `ms` on `timer`; rejects with the signal's reason when aborted first. */
export function sleep(timer: Timer, ms: number, signal?: AbortSignal): Promise<void> {
  if (ms <= 0 && !signal?.aborted) return Promise.resolve();
  return new Promise<void>((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = () => {
      cancel();
      reject(signal?.reason);
    };
    const cancel = timer.after(ms, () => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    });
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
