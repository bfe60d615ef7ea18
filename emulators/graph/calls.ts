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

export class CallLog {
  private buf: CallRecord[] = [];

  record(c: CallRecord): void {
    if (c.body && typeof c.body === 'object' && !Array.isArray(c.body)) {
      const b = c.body as Record<string, unknown>;
      if (Object.keys(b).some((k) => SECRET_FIELDS.has(k)))
        c.body = Object.fromEntries(Object.entries(b).map(([k, v]) => [k, SECRET_FIELDS.has(k) ? '[redacted]' : v]));
    }
    this.buf.push(c);
    // Drop the oldest half at once: amortised O(1) and memory stays bounded in long benchmarks.
    if (this.buf.length > MAX) this.buf = this.buf.slice(this.buf.length - MAX / 2);
  }

  list(filter: { since?: number; pathPrefix?: string } = {}): CallRecord[] {
    const prefix = filter.pathPrefix?.toLowerCase();
    return this.buf.filter(
      (c) =>
        (filter.since === undefined || c.at >= filter.since) &&
        (!prefix ||
          c.path.toLowerCase().startsWith(prefix) ||
          c.path
            .toLowerCase()
            .replace(/^\/v1\.0/, '')
            .startsWith(prefix)),
    );
  }

  reset(): void {
    this.buf = [];
  }
}
