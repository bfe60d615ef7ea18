import { randomUUID, X509Certificate } from 'node:crypto';
import { and, desc, eq } from 'drizzle-orm';
import { generate } from 'selfsigned';
import type { SecretBox } from '../crypto/secrets.ts';
import type { Clock } from '../domain/ports.ts';
import type { Db } from '../storage/db.ts';
import { encryptionCerts } from '../storage/schema.ts';

/**
 * The certificates Graph encrypts presence resource data with: self-signed RSA 2048, one active per
 * connection, rotated before expiry (older ones stay for decryption until they expire). Private keys
 * are sealed with the SecretBox at rest and cached in memory once opened.
 */
export interface EncryptionCert {
  id: string;
  certPem: string;
  /** base64 DER, as `encryptionCertificate` wants it. */
  certBase64: string;
  expiresAt: number;
}

export interface CertStore {
  /** The active certificate, generated or rotated when missing or within `rotateBeforeMs` of expiry. */
  current(connectionId: string): Promise<EncryptionCert>;
  /** The private key for a certificate id (PEM), or null when unknown. */
  privateKey(connectionId: string, certId: string): Promise<string | null>;
}

export interface CertStoreOptions {
  validityMs?: number;
  rotateBeforeMs?: number;
}

export function createCertStore(db: Db, secrets: SecretBox, clock: Clock, opts: CertStoreOptions = {}): CertStore {
  const validity = opts.validityMs ?? 90 * 24 * 3600_000;
  const rotateBefore = opts.rotateBeforeMs ?? 14 * 24 * 3600_000;
  const keys = new Map<string, string>();
  const pending = new Map<string, Promise<EncryptionCert>>();

  const toCert = (r: { id: string; certPem: string; expiresAt: Date }): EncryptionCert => ({
    id: r.id,
    certPem: r.certPem,
    certBase64: Buffer.from(new X509Certificate(r.certPem).raw).toString('base64'),
    expiresAt: r.expiresAt.getTime(),
  });

  async function current(connectionId: string): Promise<EncryptionCert> {
    const [row] = await db
      .select()
      .from(encryptionCerts)
      .where(and(eq(encryptionCerts.connectionId, connectionId), eq(encryptionCerts.active, true)))
      .orderBy(desc(encryptionCerts.expiresAt))
      .limit(1);
    const now = clock.now();
    if (row && row.expiresAt.getTime() - rotateBefore > now) return toCert(row);
    const notBefore = new Date(now - 60_000);
    const notAfter = new Date(now + validity);
    const gen = await generate([{ name: 'commonName', value: 'Presence Sync notification encryption' }], {
      keyType: 'rsa',
      keySize: 2048,
      algorithm: 'sha256',
      notBeforeDate: notBefore,
      notAfterDate: notAfter,
    });
    const id = `ps-${randomUUID()}`;
    await db.transaction(async (tx) => {
      await tx
        .update(encryptionCerts)
        .set({ active: false })
        .where(and(eq(encryptionCerts.connectionId, connectionId), eq(encryptionCerts.active, true)));
      await tx.insert(encryptionCerts).values({
        id,
        connectionId,
        certPem: gen.cert,
        privateKeyEnc: secrets.seal(gen.private),
        active: true,
        expiresAt: notAfter,
      });
    });
    keys.set(id, gen.private);
    return toCert({ id, certPem: gen.cert, expiresAt: notAfter });
  }

  return {
    current(connectionId) {
      let p = pending.get(connectionId);
      if (!p) {
        p = current(connectionId).finally(() => pending.delete(connectionId));
        pending.set(connectionId, p);
      }
      return p;
    },
    async privateKey(connectionId, certId) {
      const cached = keys.get(certId);
      if (cached) return cached;
      const [row] = await db
        .select({ key: encryptionCerts.privateKeyEnc, expiresAt: encryptionCerts.expiresAt })
        .from(encryptionCerts)
        .where(and(eq(encryptionCerts.connectionId, connectionId), eq(encryptionCerts.id, certId)))
        .limit(1);
      if (!row || row.expiresAt.getTime() < clock.now()) return null;
      const pem = secrets.open(row.key);
      keys.set(certId, pem);
      return pem;
    },
  };
}
