import type { EmulatedAgentState } from './model.ts';

export interface PushConfig {
  url: string;
  secret: string;
  connectionId: string;
}

/**
 * Pushes agent-state changes to a configured URL, in order, one POST at a time (queued changes are
 * batched). This stands in for a streaming relay (CXone has no agent-state webhook; facts/cxone.md
 * "Events"): `Authorization: Bearer <push secret>`, `x-connection-id`, body `{businessUnitId, events}`
 * whose events are `/agents/states` entries plus a `sequence`.
 */
export function createPusher(o: {
  businessUnitId: number;
  toEntry: (s: EmulatedAgentState) => Record<string, unknown>;
  record: (c: { method: string; path: string; query: Record<string, string>; status: number; body: unknown }) => void;
  maxBatch?: number;
}) {
  let config: PushConfig | null = null;
  let queue: Record<string, unknown>[] = [];
  let running: Promise<void> | null = null;

  async function drain() {
    while (config && queue.length) {
      const cfg = config;
      const events = queue.slice(0, o.maxBatch ?? 100);
      queue = queue.slice(events.length);
      const body = { businessUnitId: o.businessUnitId, events };
      let status = 0;
      try {
        const res = await fetch(cfg.url, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            authorization: `Bearer ${cfg.secret}`,
            'x-connection-id': cfg.connectionId,
          },
          body: JSON.stringify(body),
          signal: AbortSignal.timeout(10_000),
        });
        status = res.status;
        await res.body?.cancel().catch(() => {});
      } catch {
        status = 0;
      }
      o.record({ method: 'PUSH', path: cfg.url, query: {}, status, body });
    }
  }

  function kick() {
    if (running) return;
    running = drain().finally(() => {
      running = null;
      if (config && queue.length) kick();
    });
  }

  return {
    configure(c: PushConfig | null) {
      if (c) {
        if (typeof c.url !== 'string' || !/^https?:\/\//.test(c.url)) throw new TypeError('url: must be an http(s) URL');
        if (typeof c.secret !== 'string' || !c.secret) throw new TypeError('secret: required');
        if (typeof c.connectionId !== 'string') throw new TypeError('connectionId: must be a string');
      }
      config = c;
      if (!c) queue = [];
    },
    enqueue(s: EmulatedAgentState) {
      if (!config) return;
      queue.push(o.toEntry(s));
      kick();
    },
    async flush() {
      while (running) await running;
    },
  };
}
