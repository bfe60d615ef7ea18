import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * Secrets at rest: AES-256-GCM, output `v1.<iv>.<tag>.<ciphertext>` (base64url parts).
 * The version prefix lets a later key rotation tell old values from new ones.
 */
export interface SecretBox {
  seal(plain: string): string;
  open(sealed: string): string;
}

export class SecretError extends Error {
  override name = 'SecretError';
}

export function createSecretBox(key: Buffer): SecretBox {
  if (key.length !== 32) throw new SecretError('encryption key must be 32 bytes');
  return {
    seal(plain) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      const data = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
      return ['v1', iv, cipher.getAuthTag(), data].map((p) => (typeof p === 'string' ? p : p.toString('base64url'))).join('.');
    },
    open(sealed) {
      const [v, iv, tag, data] = sealed.split('.');
      if (v !== 'v1' || !iv || !tag || data === undefined) throw new SecretError('not a sealed secret');
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
        decipher.setAuthTag(Buffer.from(tag, 'base64url'));
        return Buffer.concat([decipher.update(Buffer.from(data, 'base64url')), decipher.final()]).toString('utf8');
      } catch {
        throw new SecretError('cannot decrypt secret: wrong ENCRYPTION_KEY or corrupted value');
      }
    },
  };
}

/**
 * The key from ENCRYPTION_KEY, or (local use only) one generated into DATA_DIR on first run and reused.
 */
export function resolveEncryptionKey(opts: { encryptionKey?: string | undefined; dataDir: string; allowGenerate: boolean }): {
  key: Buffer;
  generated: boolean;
  file?: string;
} {
  if (opts.encryptionKey) return { key: Buffer.from(opts.encryptionKey, 'base64'), generated: false };
  if (!opts.allowGenerate) throw new SecretError('ENCRYPTION_KEY: is required');
  const file = path.resolve(opts.dataDir, 'encryption.key');
  if (existsSync(file)) {
    const key = Buffer.from(readFileSync(file, 'utf8').trim(), 'base64');
    if (key.length !== 32) throw new SecretError(`${file}: must hold 32 bytes, base64-encoded`);
    return { key, generated: false, file };
  }
  mkdirSync(path.dirname(file), { recursive: true });
  const key = randomBytes(32);
  writeFileSync(file, `${key.toString('base64')}\n`, { mode: 0o600 });
  return { key, generated: true, file };
}
