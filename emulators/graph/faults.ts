/**
 * Faults a test or benchmark injects: each applies to matching requests for `count` requests, or
 * for `durationMs` of emulator time, or (neither given) until `clearFaults()`.
 */
interface Scope {
  /** Only requests whose path starts with this (with or without the /v1.0 prefix). */
  pathPrefix?: string;
  count?: number;
  durationMs?: number;
}

export type FaultSpec =
  | ({
      kind: 'throttle' /** Retry-After seconds; fractional allowed (Graph sends e.g. 2.128). Default 2. */;
      retryAfterSeconds?: number;
    } & Scope)
  | ({ kind: 'server_error' /** default 503 */; status?: number } & Scope)
  | ({ kind: 'slow'; delayMs: number } & Scope)
  | ({ kind: 'token_endpoint_down' /** default 503 */; status?: number } & Omit<Scope, 'pathPrefix'>)
  | { kind: 'subscription_silent' /** default: every subscription */; subscriptionId?: string; durationMs?: number }
  | { kind: 'refuse_renewal'; subscriptionId?: string /** default 500 */; status?: number; count?: number; durationMs?: number };

export type FaultKind = FaultSpec['kind'];

interface Active {
  spec: FaultSpec;
  remaining: number;
  until: number;
}

export class Faults {
  private active: Active[] = [];
  constructor(private readonly now: () => number) {}

  inject(spec: FaultSpec): void {
    const count = 'count' in spec && spec.count !== undefined ? spec.count : Number.POSITIVE_INFINITY;
    const until = spec.durationMs !== undefined ? this.now() + spec.durationMs : Number.POSITIVE_INFINITY;
    if (!(count > 0)) throw new Error('fault count must be positive');
    this.active.push({ spec, remaining: count, until });
  }

  clear(): void {
    this.active = [];
  }

  list(): FaultSpec[] {
    this.expire();
    return this.active.map((a) => a.spec);
  }

  /**
   * The first live fault of `kind` that matches, consuming one of its count. `target` is a request
   * path, or a subscription id for subscription faults.
   */
  take<K extends FaultKind>(kind: K, target: string): Extract<FaultSpec, { kind: K }> | null {
    if (this.active.length === 0) return null;
    this.expire();
    for (const a of this.active) {
      if (a.spec.kind !== kind || !matches(a.spec, target)) continue;
      a.remaining -= 1;
      if (a.remaining <= 0) this.active = this.active.filter((x) => x !== a);
      return a.spec as Extract<FaultSpec, { kind: K }>;
    }
    return null;
  }

  /** Like take, without consuming (silent subscriptions stay silent). */
  peek<K extends FaultKind>(kind: K, target: string): Extract<FaultSpec, { kind: K }> | null {
    if (this.active.length === 0) return null;
    this.expire();
    const a = this.active.find((x) => x.spec.kind === kind && matches(x.spec, target));
    return a ? (a.spec as Extract<FaultSpec, { kind: K }>) : null;
  }

  private expire(): void {
    const now = this.now();
    if (this.active.some((a) => a.until <= now)) this.active = this.active.filter((a) => a.until > now);
  }
}

function matches(spec: FaultSpec, target: string): boolean {
  if (spec.kind === 'subscription_silent' || spec.kind === 'refuse_renewal')
    return !spec.subscriptionId || spec.subscriptionId === target;
  if (!('pathPrefix' in spec) || !spec.pathPrefix) return true;
  const p = spec.pathPrefix.toLowerCase();
  const t = target.toLowerCase();
  return t.startsWith(p) || t.replace(/^\/v1\.0/, '').startsWith(p);
}
