import type { Server } from 'restify';
import type { Authenticator } from '../auth/authenticate.ts';
import type { DevSigner } from '../auth/dev-signer.ts';
import type { Config } from '../config.ts';
import type { ConnectionClientFactory } from '../connections/clients.ts';
import type { OwnerTokens } from '../connections/test-connection.ts';
import type { SecretBox } from '../crypto/secrets.ts';
import type { Clock, ConnectionRuntimeProvider, SyncEventSink } from '../domain/ports.ts';
import type { Logger } from '../logging.ts';
import type { Storage } from '../storage/db.ts';

/** Everything the admin API needs, injected by the composition root. */
export interface AdminApiDeps {
  storage: Storage;
  secrets: SecretBox;
  logger: Logger;
  config: Pick<Config, 'AAD_APP_CLIENT_ID' | 'AAD_APP_RESOURCE' | 'AUTHORITY_HOST' | 'PUBLIC_BASE_URL'>;
  authenticator: Authenticator;
  /** Present only when dev sign-in is enabled (DEV_SIGN_IN=true, never in production). */
  devSigner?: DevSigner | undefined;
  sink: SyncEventSink;
  runtimes: ConnectionRuntimeProvider;
  /** Builds the Graph/CXone clients used by test-connection and directory sync. */
  clients: ConnectionClientFactory;
  clock: Clock;
  version: string;
  /** Subscription owners' tokens for test-connection (looked up lazily: the watch module is built later). */
  ownerTokens?: (() => OwnerTokens | undefined) | undefined;
}

export type { Server };
