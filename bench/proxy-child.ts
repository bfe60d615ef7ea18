import { startWebhookProxy } from './lib/proxy.ts';

/**
 * The webhook proxy in its own process, so the acknowledgement times it measures are not skewed by
 * the emulators' work (encrypting notifications) in the benchmark process.
 *   → {type:'ready', url}
 *   ← {type:'target', url}            where to forward (known once the server runs)
 *   ← {type:'acks', since}  → {type:'acks', acks:[{path, at, ackMs, status, bytes}]}
 */
let target = '';
const proxy = await startWebhookProxy(() => target, { keepBodies: false });
const send = (m: unknown) => process.send?.(m);
process.on('message', (m: { type: string; url?: string; since?: number }) => {
  if (m.type === 'target' && m.url) {
    target = m.url;
    send({ type: 'target' });
  } else if (m.type === 'acks') {
    send({
      type: 'acks',
      acks: proxy.calls
        .filter((c) => c.at >= (m.since ?? 0))
        .map((c) => ({ path: c.path, at: c.at, ackMs: c.ackMs, status: c.status, bytes: c.bytes })),
    });
  }
});
process.on('disconnect', () => void proxy.stop().finally(() => process.exit(0)));
send({ type: 'ready', url: proxy.url });
