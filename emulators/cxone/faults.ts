/**
 * Faults the CXone emulator can inject, each for a span of emulator time (`forMs`), a number of
 * requests (`requests`), or until cleared. Pure bookkeeping; the server acts on what `match` returns.
 */
export type FaultKind = 'unauthorized' | 'forbidden' | 'throttle' | 'server_error' | 'slow' | 'outage' | 'bad_payload';
export const FAULT_KINDS: readonly FaultKind[] = [
  'unauthorized',
  'forbidden',
  'throttle',
  'server_error',
  'slow',
  'outage',
  'bad_payload',
];

export interface FaultSpec {
  kind: FaultKind;
  /** Active for this many ms of emulator time. */
  forMs?: number;
  /** Active for this many matching requests. */
  requests?: number;
  /** Only requests whose path (without `/incontactapi/services/vNN.0`) starts with this. */
  pathPrefix?: string;
  /** throttle: Retry-After seconds (absent = no header). */
  retryAfterSec?: number;
  /** server_error: status (default 500). */
  status?: number;
  /** slow: added delay in real ms (default 2000). */
  delayMs?: number;
  /** bad_payload: the body served instead (default: a wrong-shaped one). */
  body?: unknown;
}

interface Active extends FaultSpec {
  until?: number;
  left?: number;
}

/** Faults that also hit the token endpoint (the others model API-side refusals). */
const HITS_TOKEN: ReadonlySet<FaultKind> = new Set(['throttle', 'server_error', 'slow', 'outage']);

export function validateFault(input: unknown): FaultSpec {
  if (!input || typeof input !== 'object') throw new TypeError('fault: must be an object');
  const f = input as Record<string, unknown>;
  if (!FAULT_KINDS.includes(f.kind as FaultKind)) throw new TypeError(`kind: must be one of ${FAULT_KINDS.join(', ')}`);
  for (const k of ['forMs', 'requests', 'retryAfterSec', 'status', 'delayMs'] as const)
    if (f[k] !== undefined && !(typeof f[k] === 'number' && Number.isFinite(f[k]) && (f[k] as number) >= 0))
      throw new TypeError(`${k}: must be a non-negative number`);
  if (f.pathPrefix !== undefined && typeof f.pathPrefix !== 'string') throw new TypeError('pathPrefix: must be a string');
  return f as unknown as FaultSpec;
}

export function createFaults(now: () => number) {
  let active: Active[] = [];
  return {
    inject(spec: FaultSpec) {
      const f = validateFault(spec);
      active.push({
        ...f,
        ...(f.forMs !== undefined ? { until: now() + f.forMs } : {}),
        ...(f.requests !== undefined ? { left: f.requests } : {}),
      });
    },
    clear() {
      active = [];
    },
    list: (): FaultSpec[] => active.map((f) => ({ ...f })),
    /** The fault this request meets, if any (consumes one request of a counted fault). */
    match(logicalPath: string, isToken: boolean): FaultSpec | undefined {
      const t = now();
      active = active.filter((f) => (f.until === undefined || t < f.until) && (f.left === undefined || f.left > 0));
      const f = active.find(
        (x) =>
          (!isToken || HITS_TOKEN.has(x.kind) || x.pathPrefix !== undefined) &&
          (x.pathPrefix === undefined || logicalPath.toLowerCase().startsWith(x.pathPrefix.toLowerCase())),
      );
      if (f && f.left !== undefined) f.left--;
      return f;
    },
  };
}
