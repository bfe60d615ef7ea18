import { Worker } from 'node:worker_threads';
import type { Logger } from '../logging.ts';
import { createInlineDecryptor, type DecryptJob, type DecryptOutcome, type Decryptor } from './decrypt.ts';
import type { DecryptRequest } from './decrypt-worker.ts';

/**
 * Decryption on a worker thread (decrypt-worker.ts), so RSA (~0.3 ms per notification, all of a
 * 500/s burst's is ~15% of a core) never holds up the event loop that acknowledges webhooks and runs
 * the engine. One thread: the work is small, and each thread is a V8 isolate of its own (~10 MB).
 * Started on first use, unref'd, restarted after a crash (after a rest) or a close. If the thread fails, the batch is decrypted
 * here instead: a broken thread must not turn into lost notifications.
 */
export interface ThreadDecryptorOptions {
  logger: Logger;
  /** The worker program (tests); default decrypt-worker.ts beside this file. */
  workerUrl?: URL;
}

const RETRY_THREAD_AFTER_MS = 60_000;

interface Pending {
  resolve(outcomes: DecryptOutcome[]): void;
  reject(err: Error): void;
}

export function createThreadDecryptor(opts: ThreadDecryptorOptions): Decryptor {
  const log = opts.logger.child({ component: 'decrypt-thread' });
  const inline = createInlineDecryptor();
  const url = opts.workerUrl ?? new URL('./decrypt-worker.ts', import.meta.url);
  const pending = new Map<number, Pending>();
  let worker: Worker | undefined;
  let nextId = 1;
  /** After a failure the thread rests a while (a program that cannot start is not retried every pass). */
  let restingUntil = 0;

  const failAll = (err: Error) => {
    for (const p of pending.values()) p.reject(err);
    pending.clear();
  };
  const start = (): Worker => {
    // No inherited flags (--import tsx, inspector…): Node runs the .ts program itself. A small heap:
    // it holds one batch at a time.
    const w = new Worker(url, { execArgv: [], resourceLimits: { maxOldGenerationSizeMb: 64, maxYoungGenerationSizeMb: 4 } });
    w.unref();
    w.on('message', (m: { id: number; outcomes: DecryptOutcome[] }) => {
      const p = pending.get(m.id);
      pending.delete(m.id);
      p?.resolve(m.outcomes);
    });
    w.on('error', (err) => {
      log.warn({ err: err.message }, 'the decryption thread failed; it restarts on next use');
      if (worker === w) worker = undefined;
      failAll(err);
    });
    w.on('exit', (code) => {
      if (worker === w) worker = undefined;
      if (pending.size > 0) failAll(new Error(`the decryption thread exited (${code})`));
    });
    return w;
  };

  const onThread = (jobs: readonly DecryptJob[]) =>
    new Promise<DecryptOutcome[]>((resolve, reject) => {
      worker ??= start();
      // Each distinct key (PEM) crosses once per batch; the thread keeps them opened.
      const keys: string[] = [];
      const index = new Map<string, number>();
      const request: DecryptRequest = {
        id: nextId++,
        keys,
        jobs: jobs.map((j) => {
          let k = index.get(j.keyPem);
          if (k === undefined) {
            k = keys.push(j.keyPem) - 1;
            index.set(j.keyPem, k);
          }
          return { content: j.content, key: k };
        }),
      };
      pending.set(request.id, { resolve, reject });
      worker.postMessage(request);
    });

  return {
    async decrypt(jobs) {
      if (jobs.length === 0) return [];
      if (Date.now() < restingUntil) return inline.decrypt(jobs);
      try {
        return await onThread(jobs);
      } catch (err) {
        restingUntil = Date.now() + RETRY_THREAD_AFTER_MS;
        log.warn({ err: (err as Error).message, jobs: jobs.length }, 'decrypting on the main thread instead');
        return inline.decrypt(jobs);
      }
    },
    /** Stops the thread (a later batch starts it again). */
    async close() {
      const w = worker;
      worker = undefined;
      failAll(new Error('decryptor closed'));
      await w?.terminate();
    },
  };
}
