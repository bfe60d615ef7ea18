/**
 * How often the presence reader reads, from the tenant's shared Graph quota. Pure.
 *
 * A round reads every watched user in requests of at most 650 ids. Writes have priority over reads,
 * so reads get only a share of the budget (or what the quota reports as left for reads), spread evenly
 * across the window: interval = requestsPerRound × windowMs / readBudget, never below `minIntervalMs`.
 * When subscriptions deliver changes the reader only heals, at `healIntervalMs`.
 */
export const MAX_IDS_PER_REQUEST = 650;

export interface CadenceInput {
  users: number;
  quota: { requests: number; windowMs: number };
  /** Read requests per window still available to reads (from the quota budget), when it knows. */
  readRoom?: number | undefined;
  /** Share of the window's requests reads may use when `readRoom` is unknown (writes keep the rest). */
  readShare?: number;
  minIntervalMs?: number;
  maxIntervalMs?: number;
  /** Interval while there is nobody to read (default 2 s). */
  idleIntervalMs?: number;
  /** subscriptions healthy → slow healing reads. */
  mode?: 'primary' | 'healing';
  healIntervalMs?: number;
  /** Server asked to wait (429 Retry-After), ms from now. */
  retryAfterMs?: number;
}

export interface Cadence {
  requestsPerRound: number;
  intervalMs: number;
  /** Read requests per quota window at this cadence. */
  requestsPerWindow: number;
  /** Expected average delay to see a change (half the interval), ignoring request latency. */
  expectedDelayMs: number;
}

export function chunk<T>(items: readonly T[], size = MAX_IDS_PER_REQUEST): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

export function planCadence(input: CadenceInput): Cadence {
  const requestsPerRound = Math.ceil(input.users / MAX_IDS_PER_REQUEST);
  const min = input.minIntervalMs ?? 500;
  const max = input.maxIntervalMs ?? 60_000;
  const share = input.readShare ?? 0.5;
  const budget = Math.max(1, input.readRoom ?? Math.floor(input.quota.requests * share));
  // Nobody to read: only look again for new mappings, cheaply (a database query, no Graph call).
  let interval =
    requestsPerRound === 0 ? Math.min(max, input.idleIntervalMs ?? 2_000) : (requestsPerRound * input.quota.windowMs) / budget;
  if (input.mode === 'healing') interval = Math.max(interval, input.healIntervalMs ?? 30_000);
  interval = Math.min(max, Math.max(min, interval));
  if (input.retryAfterMs && input.retryAfterMs > interval) interval = input.retryAfterMs;
  interval = Math.round(interval);
  return {
    requestsPerRound,
    intervalMs: interval,
    requestsPerWindow: Math.round((requestsPerRound * input.quota.windowMs) / interval),
    expectedDelayMs: Math.round(interval / 2),
  };
}
