import type { SecretBox } from '../crypto/secrets.ts';
import { AppError } from '../http/errors.ts';
import type { ConnectionSecrets } from './clients.ts';
import type { ConnectionRow } from './store.ts';

/** Decrypts a connection's write-only secrets for use by clients (never returned or logged). */
export function openSecrets(box: SecretBox, row: ConnectionRow): ConnectionSecrets {
  if (!row.azureClientSecretEnc || !row.cxoneAccessKeySecretEnc)
    throw new AppError(409, 'secrets_missing', 'this connection has no stored client secret / access-key secret: set them first');
  return { azureClientSecret: box.open(row.azureClientSecretEnc), cxoneAccessKeySecret: box.open(row.cxoneAccessKeySecretEnc) };
}
