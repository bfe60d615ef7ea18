import {
  constants,
  createCipheriv,
  createDecipheriv,
  createHmac,
  createPrivateKey,
  type KeyObject,
  privateDecrypt,
  publicEncrypt,
  randomBytes,
  timingSafeEqual,
} from 'node:crypto';

/**
 * Graph's encrypted resource data (facts/graph.md, change-notifications-with-resource-data). Pure.
 * dataKey: RSA-OAEP (SHA-1) encrypted symmetric key; dataSignature: base64 HMAC-SHA256(key, data bytes);
 * data: AES-256-CBC, PKCS7, IV = the key's first 16 bytes.
 */
export interface EncryptedContent {
  data: string;
  dataSignature: string;
  dataKey: string;
  encryptionCertificateId: string;
  encryptionCertificateThumbprint?: string;
}

export type NotificationCryptoCode = 'bad_key' | 'bad_signature' | 'bad_data';

export class NotificationCryptoError extends Error {
  override name = 'NotificationCryptoError';
  // A plain field, not a parameter property: this module also runs in the decryption worker thread,
  // which Node loads with its own type stripping (erasable syntax only).
  readonly code: NotificationCryptoCode;
  constructor(code: NotificationCryptoCode, message: string) {
    super(message);
    this.code = code;
  }
}

/**
 * Parses a PEM private key once. Passing the KeyObject to `decryptResourceData` halves its cost
 * (measured 0.53 → 0.27 ms per notification): a PEM string is decoded again on every call.
 */
export function privateKeyObject(privateKeyPem: string): KeyObject {
  return createPrivateKey(privateKeyPem);
}

export function decryptResourceData(content: EncryptedContent, privateKey: KeyObject | string): unknown {
  if (typeof content?.data !== 'string' || typeof content.dataKey !== 'string' || typeof content.dataSignature !== 'string')
    throw new NotificationCryptoError('bad_data', 'encryptedContent needs data, dataKey and dataSignature strings');
  let key: Buffer;
  try {
    key = privateDecrypt(
      { key: privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' },
      Buffer.from(content.dataKey, 'base64'),
    );
  } catch {
    throw new NotificationCryptoError('bad_key', 'the data key cannot be decrypted with our certificate');
  }
  if (key.length !== 32) throw new NotificationCryptoError('bad_key', 'the data key is not 32 bytes');
  const data = Buffer.from(content.data, 'base64');
  const expected = createHmac('sha256', key).update(data).digest();
  const given = Buffer.from(content.dataSignature, 'base64');
  if (given.length !== expected.length || !timingSafeEqual(given, expected))
    throw new NotificationCryptoError('bad_signature', 'the data signature does not match: rejected');
  try {
    const decipher = createDecipheriv('aes-256-cbc', key, key.subarray(0, 16));
    const plain = Buffer.concat([decipher.update(data), decipher.final()]).toString('utf8');
    return JSON.parse(plain) as unknown;
  } catch {
    throw new NotificationCryptoError('bad_data', 'the resource data cannot be decrypted or parsed');
  }
}

/** The sender's side (what Graph does), for tests and local tooling. */
export function encryptResourceData(value: unknown, certOrPublicKeyPem: string, certificateId: string): EncryptedContent {
  const key = randomBytes(32);
  const cipher = createCipheriv('aes-256-cbc', key, key.subarray(0, 16));
  const data = Buffer.concat([cipher.update(JSON.stringify(value), 'utf8'), cipher.final()]);
  const dataKey = publicEncrypt({ key: certOrPublicKeyPem, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' }, key);
  return {
    data: data.toString('base64'),
    dataSignature: createHmac('sha256', key).update(data).digest('base64'),
    dataKey: dataKey.toString('base64'),
    encryptionCertificateId: certificateId,
  };
}

/** Constant-time string equality (clientState). */
export function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  if (x.length !== y.length) {
    timingSafeEqual(x, x);
    return false;
  }
  return timingSafeEqual(x, y);
}
