/**
 * A bounded record of the requests the emulator served, for tests ("how many Graph calls per
 * change?") and benchmarks. Secrets in token requests are masked before they are stored.
 */
export interface CallRecord {
  /** emulator time, ms */
  at: number;
  method: string;
  path: string;
  status: number;
  /** The calling app (from the token or the token request), when known. */
  clientId: string | null;
  body: unknown;
}

const SECRET_FIELDS = new Set([
  'client_secret',
  'password',
  'refresh_token',
  'code',
  'code_verifier',
  'device_code',
  'client_assertion',
]);
const MAX = 20_000;
/**
 * Retained bodies are bounded by an estimated size too: a benchmark reading 10,000 users sends 16
 * bodies of 650 ids per round, and 20,000 of those would hold most of a gigabyte.
 */
const MAX_WEIGHT = 48 * 1024 * 1024;

function weigh(body: unknown): number {
  if (body === undefined || body === null) return 100;
  if (typeof body === 'string') return 100 + body.length * 2;
  if (typeof body === 'object' && !Array.isArray(body)) {
    let w = 200;
    for (const v of Object.values(body as Record<string, unknown>)) w += Array.isArray(v) ? v.length * 64 : 64;
    return w;
  }
  return 200;
}

export class CallLog {
  private buf: CallRecord[] = [];
  private weights: number[] = [];
  private weight = 0;

  record(c: CallRecord): void {
    if (c.body && typeof c.body === 'object' && !Array.isArray(c.body)) {
      const b = c.body as Record<string, unknown>;
      if (Object.keys(b).some((k) => SECRET_FIELDS.has(k)))
        c.body = Object.fromEntries(Object.entries(b).map(([k, v]) => [k, SECRET_FIELDS.has(k) ? '[redacted]' : v]));
    }
    const w = weigh(c.body);
    this.buf.push(c);
    this.weights.push(w);
    this.weight += w;
    // Drop the oldest half at once: amortised O(1), and memory stays bounded in long benchmarks.
    if (this.buf.length > MAX || this.weight > MAX_WEIGHT) {
      const keep = Math.floor(this.buf.length / 2);
      this.buf = this.buf.slice(this.buf.length - keep);
      this.weights = this.weights.slice(this.weights.length - keep);
      this.weight = this.weights.reduce((a, b) => a + b, 0);
    }
  }

  list(filter: { since?: number; pathPrefix?: string } = {}): CallRecord[] {
    const prefix = filter.pathPrefix?.toLowerCase();
    const matches = (path: string) => {
      const p = path.toLowerCase();
      return p.startsWith(prefix!) || p.replace(/^\/v1\.0/, '').startsWith(prefix!);
    };
    return this.buf.filter((c) => (filter.since === undefined || c.at >= filter.since) && (!prefix || matches(c.path)));
  }

  reset(): void {
    this.buf = [];
    this.weights = [];
    this.weight = 0;
  }
}
