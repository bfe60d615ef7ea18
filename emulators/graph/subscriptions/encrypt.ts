import { constants, createCipheriv, createHmac, type KeyObject, publicEncrypt, randomBytes, X509Certificate } from 'node:crypto';

/**
 * Resource-data encryption as Graph does it (change-notifications-with-resource-data, "Decrypting
 * resource data"): a random 32-byte symmetric key, wrapped with the subscriber's certificate public
 * key using RSA-OAEP (SHA-1); data = AES-256-CBC with PKCS7 padding and IV = the key's first 16 bytes;
 * dataSignature = base64 HMAC-SHA256(key, ciphertext bytes).
 */
export interface EncryptedContent {
  data: string;
  dataSignature: string;
  dataKey: string;
  encryptionCertificateId: string;
  encryptionCertificateThumbprint: string;
}

export interface SubscriberCert {
  publicKey: KeyObject;
  /** SHA-1 thumbprint, upper-case hex without separators (as Graph shows it). */
  thumbprint: string;
}

/** Parses `encryptionCertificate` (base64 DER, or PEM); RSA 2048–4096 bits as Graph requires. */
export function parseSubscriberCert(b64: string): SubscriberCert | { error: string } {
  let cert: X509Certificate;
  try {
    const trimmed = b64.trim();
    cert = new X509Certificate(trimmed.startsWith('-----BEGIN') ? trimmed : Buffer.from(trimmed, 'base64'));
  } catch {
    return { error: 'encryptionCertificate is not a base64-encoded X.509 certificate.' };
  }
  const key = cert.publicKey;
  const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
  if (key.asymmetricKeyType !== 'rsa' || bits < 2048 || bits > 4096)
    return { error: 'encryptionCertificate must hold an RSA public key of 2048 to 4096 bits.' };
  return { publicKey: key, thumbprint: cert.fingerprint.replace(/:/g, '').toUpperCase() };
}

export function encryptResource(plaintext: string, cert: SubscriberCert, certificateId: string): EncryptedContent {
  const key = randomBytes(32);
  const cipher = createCipheriv('aes-256-cbc', key, key.subarray(0, 16));
  const data = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  const dataKey = publicEncrypt({ key: cert.publicKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' }, key);
  return {
    data: data.toString('base64'),
    dataSignature: createHmac('sha256', key).update(data).digest('base64'),
    dataKey: dataKey.toString('base64'),
    encryptionCertificateId: certificateId,
    encryptionCertificateThumbprint: cert.thumbprint,
  };
}
