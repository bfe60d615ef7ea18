import { generateKeyPairSync } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { createLogger } from '../logging.ts';
import { createInlineDecryptor, type Decryptor } from './decrypt.ts';
import { createThreadDecryptor } from './decrypt-thread.ts';
import { encryptResourceData } from './notification-crypto.ts';

/** A logger that keeps its lines: a fallback to the main thread says so (warn). */
function recordingLogger() {
  const lines: string[] = [];
  return { lines, logger: createLogger({ level: 'warn', destination: { write: (l: string) => void lines.push(l) } }) };
}
const pair = () =>
  generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
const a = pair();
const b = pair();

/** Two certificates, a tampered signature, altered data and a key that is not ours. */
function jobs() {
  const ok1 = encryptResourceData({ id: 'u1', availability: 'Busy' }, a.publicKey, 'ca');
  const ok2 = encryptResourceData({ id: 'u2', availability: 'Away' }, b.publicKey, 'cb');
  const badSig = { ...encryptResourceData({ id: 'u3' }, a.publicKey, 'ca'), dataSignature: Buffer.alloc(32).toString('base64') };
  const data = Buffer.from(encryptResourceData({ id: 'u4' }, a.publicKey, 'ca').data, 'base64');
  const notOurs = encryptResourceData({ id: 'u5' }, b.publicKey, 'cb');
  data[0] = (data[0] ?? 0) ^ 1;
  return [
    { content: ok1, keyPem: a.privateKey },
    { content: ok2, keyPem: b.privateKey },
    { content: badSig, keyPem: a.privateKey },
    { content: { ...ok1, data: data.toString('base64') }, keyPem: a.privateKey },
    { content: notOurs, keyPem: a.privateKey },
    { content: { ...ok1, dataKey: 42 } as never, keyPem: a.privateKey },
  ];
}
const expected = [
  { ok: true, data: { id: 'u1', availability: 'Busy' } },
  { ok: true, data: { id: 'u2', availability: 'Away' } },
  expect.objectContaining({ ok: false, code: 'bad_signature' }),
  expect.objectContaining({ ok: false, code: 'bad_signature' }),
  expect.objectContaining({ ok: false, code: 'bad_key' }),
  expect.objectContaining({ ok: false, code: 'bad_data' }),
];

describe('decrypting resource data off the event loop', () => {
  const open: Decryptor[] = [];
  afterAll(async () => {
    for (const d of open) await d.close();
  });

  it('when a batch is decrypted on the worker thread then each outcome matches decrypting it here', async () => {
    const { lines, logger } = recordingLogger();
    const thread = createThreadDecryptor({ logger });
    open.push(thread);
    const batch = jobs();
    expect(await thread.decrypt(batch)).toEqual(expected);
    expect(await createInlineDecryptor(2).decrypt(batch)).toEqual(expected);
    // Again: the thread keeps its opened keys; concurrent batches each get their own answers.
    const [x, y] = await Promise.all([thread.decrypt(batch.slice(0, 1)), thread.decrypt(batch.slice(1, 2))]);
    expect([...x, ...y]).toEqual(expected.slice(0, 2));
    expect(lines).toEqual([]); // all of it on the thread
  });

  it('when the thread cannot run then the batch is decrypted on the main thread and nothing is lost', async () => {
    const broken = join(tmpdir(), `broken-decrypt-worker-${process.pid}.mjs`);
    writeFileSync(broken, 'throw new Error("cannot start");\n');
    const { lines, logger } = recordingLogger();
    const thread = createThreadDecryptor({ logger, workerUrl: pathToFileURL(broken) });
    open.push(thread);
    expect(await thread.decrypt(jobs())).toEqual(expected);
    expect(await thread.decrypt(jobs().slice(0, 1))).toEqual(expected.slice(0, 1));
    expect(lines.filter((l) => l.includes('decrypting on the main thread instead')).length).toBe(1);
  });

  it('when the decryptor was closed then a later batch starts the thread again', async () => {
    const { lines, logger } = recordingLogger();
    const thread = createThreadDecryptor({ logger });
    open.push(thread);
    await thread.decrypt(jobs().slice(0, 1));
    await thread.close();
    expect(await thread.decrypt(jobs().slice(1, 2))).toEqual(expected.slice(1, 2));
    expect(lines).toEqual([]);
  });
});
