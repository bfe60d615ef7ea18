import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createSecretBox, resolveEncryptionKey, SecretError } from './secrets.ts';

describe('secret box', () => {
  const box = createSecretBox(randomBytes(32));

  it('round-trips and never stores the plain text', () => {
    const sealed = box.seal('s3cr3t-value');
    expect(sealed).not.toContain('s3cr3t');
    expect(box.open(sealed)).toBe('s3cr3t-value');
    expect(box.seal('x')).not.toBe(box.seal('x'));
  });

  it('refuses tampered values and the wrong key', () => {
    const sealed = box.seal('hello');
    const parts = sealed.split('.');
    parts[3] = Buffer.from('jello').toString('base64url');
    expect(() => box.open(parts.join('.'))).toThrow(SecretError);
    expect(() => createSecretBox(randomBytes(32)).open(sealed)).toThrow(/wrong ENCRYPTION_KEY/);
  });

  it('generates a local key once and reuses it', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'ps-key-'));
    const a = resolveEncryptionKey({ dataDir: dir, allowGenerate: true });
    const b = resolveEncryptionKey({ dataDir: dir, allowGenerate: true });
    expect(a.generated).toBe(true);
    expect(b.generated).toBe(false);
    expect(b.key.equals(a.key)).toBe(true);
    expect(() => resolveEncryptionKey({ dataDir: dir, allowGenerate: false })).toThrow(/ENCRYPTION_KEY/);
  });
});
