import type { Clock } from '../domain/ports.ts';

/**
 * Counts authentication failures per client address in a sliding window; once a client reaches the
 * limit it is refused (429) until old failures age out. Bounded memory: the table is pruned.
 */
export interface FailureLimiter {
  /** Seconds until the client may retry, or 0 when it is not blocked. */
  blockedFor(key: string): number;
  recordFailure(key: string): void;
}

export function createFailureLimiter(opts: { limit: number; windowMs: number; clock: Clock; maxKeys?: number }): FailureLimiter {
  const hits = new Map<string, number[]>();
  const maxKeys = opts.maxKeys ?? 10_000;
  const fresh = (key: string): number[] => {
    const since = opts.clock.now() - opts.windowMs;
    const list = (hits.get(key) ?? []).filter((t) => t > since);
    if (list.length === 0) hits.delete(key);
    else hits.set(key, list);
    return list;
  };
  return {
    blockedFor(key) {
      const list = fresh(key);
      if (list.length < opts.limit) return 0;
      const oldest = list[list.length - opts.limit]!;
      return Math.max(1, Math.ceil((oldest + opts.windowMs - opts.clock.now()) / 1000));
    },
    recordFailure(key) {
      const list = fresh(key);
      list.push(opts.clock.now());
      hits.set(key, list);
      if (hits.size > maxKeys) {
        for (const k of hits.keys()) {
          fresh(k);
          if (hits.size <= maxKeys) break;
        }
        if (hits.size > maxKeys) hits.delete(hits.keys().next().value as string);
      }
    },
  };
}
