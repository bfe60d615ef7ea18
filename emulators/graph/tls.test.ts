import { X509Certificate } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ensureTls } from '../shared/tls.ts';

describe('local TLS material for the emulators', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });

  it('when two emulators ask at once for one folder then both get the same CA, and later calls reuse it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tls-test-'));
    dirs.push(dir);
    const [a, b] = await Promise.all([ensureTls(dir), ensureTls(dir)]);
    expect(a.caCertPem).toBe(b.caCertPem);
    expect(a.certPem).toBe(b.certPem);
    const again = await ensureTls(dir);
    expect(again.caCertPem).toBe(a.caCertPem);
    expect(again.caCertFile).toBe(join(dir, 'ca.pem'));

    const ca = new X509Certificate(a.caCertPem);
    const leaf = new X509Certificate(a.certPem);
    expect(ca.ca).toBe(true);
    expect(leaf.checkIssued(ca)).toBe(true);
    expect(leaf.verify(ca.publicKey)).toBe(true);
    expect(leaf.checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(leaf.checkHost('localhost')).toBe('localhost');
  });

  it('when two folders are used then their CAs have different names (a process may trust both)', async () => {
    const d1 = await mkdtemp(join(tmpdir(), 'tls-test-'));
    const d2 = await mkdtemp(join(tmpdir(), 'tls-test-'));
    dirs.push(d1, d2);
    const [x, y] = await Promise.all([ensureTls(d1), ensureTls(d2)]);
    expect(new X509Certificate(x.caCertPem).subject).not.toBe(new X509Certificate(y.caCertPem).subject);
  });
});
