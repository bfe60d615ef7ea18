import { parentPort } from 'node:worker_threads';
import { createKeyCache, type DecryptJob, decryptBatch } from './decrypt.ts';

/**
 * The decryption thread's program (started by decrypt-thread.ts). Node loads this file with its own
 * type stripping, not through tsx or the server bundle: it and what it imports use erasable
 * TypeScript only, and import types with `import type` / `type`.
 *   ← {id, keys: [PEM…], jobs: [{content, key: index into keys}]}
 *   → {id, outcomes: [DecryptOutcome…]}
 */
export interface DecryptRequest {
  id: number;
  keys: string[];
  jobs: { content: DecryptJob['content']; key: number }[];
}

const keyOf = createKeyCache();
parentPort?.on('message', (m: DecryptRequest) => {
  const jobs = m.jobs.map((j) => ({ content: j.content, keyPem: m.keys[j.key] ?? '' }));
  parentPort?.postMessage({ id: m.id, outcomes: decryptBatch(jobs, keyOf) });
});
