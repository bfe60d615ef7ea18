import type { KeyObject } from 'node:crypto';
import {
  decryptResourceData,
  type EncryptedContent,
  type NotificationCryptoCode,
  NotificationCryptoError,
  privateKeyObject,
} from './notification-crypto.ts';

/**
 * Decrypting notifications' resource data in bulk, behind one interface so where it runs (this
 * thread, or a worker thread: decrypt-thread.ts) is the composition root's choice.
 */
export interface DecryptJob {
  content: EncryptedContent;
  /** PEM private key of the certificate the content names. */
  keyPem: string;
}

export type DecryptOutcome = { ok: true; data: unknown } | { ok: false; code: NotificationCryptoCode; message: string };

export interface Decryptor {
  /** One outcome per job, in order; never rejects for bad content (that is an outcome), only for a broken decryptor. */
  decrypt(jobs: readonly DecryptJob[]): Promise<DecryptOutcome[]>;
  close(): Promise<void>;
}

/** Opened private keys by PEM: parsing a PEM costs as much as the RSA decryption itself. */
export function createKeyCache(max = 16): (pem: string) => KeyObject {
  const keys = new Map<string, KeyObject>();
  return (pem) => {
    let k = keys.get(pem);
    if (!k) {
      k = privateKeyObject(pem);
      if (keys.size >= max) keys.delete(keys.keys().next().value!);
      keys.set(pem, k);
    }
    return k;
  };
}

/** Decrypts one batch synchronously (pure apart from the key cache). */
export function decryptBatch(jobs: readonly DecryptJob[], keyOf: (pem: string) => KeyObject): DecryptOutcome[] {
  return jobs.map((j) => {
    try {
      return { ok: true, data: decryptResourceData(j.content, keyOf(j.keyPem)) };
    } catch (err) {
      if (err instanceof NotificationCryptoError) return { ok: false, code: err.code, message: err.message };
      return { ok: false, code: 'bad_key', message: 'the private key cannot be used' };
    }
  });
}

/**
 * On this thread, giving the event loop back every `sliceSize` jobs (~0.3 ms of RSA each), so webhook
 * acknowledgements are not queued behind a whole batch. Used by tests and where threads are off.
 */
export function createInlineDecryptor(sliceSize = 8): Decryptor {
  const keyOf = createKeyCache();
  return {
    async decrypt(jobs) {
      const out: DecryptOutcome[] = [];
      for (let i = 0; i < jobs.length; i += sliceSize) {
        if (i > 0) await new Promise<void>((r) => setImmediate(r));
        out.push(...decryptBatch(jobs.slice(i, i + sliceSize), keyOf));
      }
      return out;
    },
    close: async () => {},
  };
}
