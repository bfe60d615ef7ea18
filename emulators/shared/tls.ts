import { randomBytes, X509Certificate } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { generate } from 'selfsigned';

/**
 * A local certificate authority and a server certificate it signed, for 127.0.0.1 / ::1 / localhost.
 * The emulators serve HTTPS with it because @azure/msal-node refuses http:// authorities and the
 * Graph SDK only sends tokens to https:// hosts (facts/stack.md). Clients trust `caCertFile`
 * (EXTRA_CA_CERTS_FILE / NODE_EXTRA_CA_CERTS / tls.setDefaultCACertificates).
 */
export interface TlsMaterial {
  caCertPem: string;
  caCertFile: string;
  certPem: string;
  keyPem: string;
}

const FILES = { caCert: 'ca.pem', caKey: 'ca-key.pem', cert: 'server.pem', key: 'server-key.pem' } as const;
/** Regenerate when the server certificate has less than this left. */
const MIN_REMAINING_MS = 7 * 24 * 3600_000;

/**
 * Generates the CA and server certificate once into `dir` and reuses them on later calls (so a
 * browser or a product process that trusted the CA keeps trusting it across emulator restarts).
 * Files are written to temporary names and renamed, so a concurrent reader never sees half a PEM.
 */
export async function ensureTls(dir: string): Promise<TlsMaterial> {
  await mkdir(dir, { recursive: true });
  const paths = {
    caCert: join(dir, FILES.caCert),
    caKey: join(dir, FILES.caKey),
    cert: join(dir, FILES.cert),
    key: join(dir, FILES.key),
  };
  const existing = await readExisting(paths);
  if (existing) return existing;
  // The demo starts the Graph and CXone emulators at once on one folder: one generates, the other
  // waits and then reuses, so both serve certificates from the same CA.
  const release = await lock(join(dir, '.generating'));
  try {
    const again = await readExisting(paths);
    if (again) return again;
    return await generateInto(paths);
  } finally {
    await release();
  }
}

async function generateInto(paths: Record<keyof typeof FILES, string>): Promise<TlsMaterial> {
  const now = Date.now();
  const notBeforeDate = new Date(now - 3600_000);
  // A unique CA name: a process that trusts two emulators' CAs must not confuse them (OpenSSL finds the
  // issuer by name, so two CAs with one name make one of the servers fail with a signature error).
  const caName = `Presence Sync Emulator Local CA ${randomBytes(4).toString('hex')}`;
  const ca = await generate([{ name: 'commonName', value: caName }], {
    keySize: 2048,
    algorithm: 'sha256',
    notBeforeDate,
    notAfterDate: new Date(now + 5 * 365 * 24 * 3600_000),
    extensions: [
      { name: 'basicConstraints', cA: true, critical: true },
      { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
    ],
  });
  const server = await generate([{ name: 'commonName', value: 'localhost' }], {
    keySize: 2048,
    algorithm: 'sha256',
    notBeforeDate,
    // Under 398 days: the most TLS clients accept for a leaf certificate.
    notAfterDate: new Date(now + 390 * 24 * 3600_000),
    ca: { key: ca.private, cert: ca.cert },
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: [
          { type: 2, value: 'localhost' },
          { type: 7, ip: '127.0.0.1' },
          { type: 7, ip: '::1' },
        ],
      },
    ],
  });
  await writeAtomic(paths.caKey, ca.private);
  await writeAtomic(paths.key, server.private);
  await writeAtomic(paths.cert, server.cert);
  // The CA certificate last: its presence marks a complete set.
  await writeAtomic(paths.caCert, ca.cert);
  return { caCertPem: ca.cert, caCertFile: paths.caCert, certPem: server.cert, keyPem: server.private };
}

async function readExisting(paths: Record<keyof typeof FILES, string>): Promise<TlsMaterial | null> {
  if (!Object.values(paths).every((p) => existsSync(p))) return null;
  const [caCertPem, certPem, keyPem] = await Promise.all([
    readFile(paths.caCert, 'utf8'),
    readFile(paths.cert, 'utf8'),
    readFile(paths.key, 'utf8'),
  ]);
  try {
    const ca = new X509Certificate(caCertPem);
    const leaf = new X509Certificate(certPem);
    const fresh = Date.parse(leaf.validTo) - Date.now() > MIN_REMAINING_MS;
    if (fresh && leaf.checkIssued(ca) && leaf.verify(ca.publicKey))
      return { caCertPem, caCertFile: paths.caCert, certPem, keyPem };
  } catch {
    // Unreadable or mismatched files: fall through and regenerate them.
  }
  return null;
}

/** A directory lock (mkdir is atomic); a lock older than 60 s is taken to be left by a crashed process. */
async function lock(path: string): Promise<() => Promise<void>> {
  for (let waited = 0; ; waited += 50) {
    try {
      await mkdir(path);
      return () => rm(path, { recursive: true, force: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const age = await stat(path).then(
        (st) => Date.now() - st.mtimeMs,
        () => 0,
      );
      if (age > 60_000 || waited > 120_000) await rm(path, { recursive: true, force: true });
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

async function writeAtomic(path: string, content: string): Promise<void> {
  const tmp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  await writeFile(tmp, content, { mode: 0o600 });
  await rename(tmp, path);
}
