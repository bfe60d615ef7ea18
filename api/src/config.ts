import { existsSync } from 'node:fs';
import { z } from 'zod';

/**
 * The whole configuration, validated once at start-up. Nothing else reads process.env:
 * the composition root hands the parsed object (or parts of it) to whoever needs it.
 */
const port = z.coerce
  .number({ error: 'must be a whole number' })
  .int('must be a whole number')
  .min(0, 'must be between 0 and 65535')
  .max(65535, 'must be between 0 and 65535');

const url = z.url({ error: 'must be an absolute URL (http:// or https://)' });
const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'], { error: 'must be true or false' })
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const databaseUrl = z
  .string()
  .regex(/^postgres(ql)?:\/\/.+/, 'must be a postgres:// or postgresql:// URL')
  .refine((v) => URL.canParse(v), 'is not a valid URL');

export const configSchema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  PORT: port.default(3978),
  HOST: z.string().min(1).default('0.0.0.0'),
  PUBLIC_BASE_URL: url.optional(),
  DATABASE_URL: databaseUrl.optional(),
  DATA_DIR: z.string().min(1).default('.data'),
  ENCRYPTION_KEY: z
    .string()
    .regex(/^[A-Za-z0-9+/]{43}=$/, 'must be 32 bytes, base64-encoded (openssl rand -base64 32)')
    .optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  GRAPH_BASE_URL: url.default('https://graph.microsoft.com/v1.0'),
  AUTHORITY_HOST: url.default('https://login.microsoftonline.com'),
  CXONE_BASE_URL: url.optional(),
  EXTRA_CA_CERTS_FILE: z
    .string()
    .refine((p) => existsSync(p), 'file does not exist')
    .optional(),
  /** SSO: the Entra app (client id) whose tokens the tab sends, and where its keys live. */
  AAD_APP_CLIENT_ID: z.string().min(1).optional(),
  AAD_APP_RESOURCE: z.string().min(1).optional(),
  AAD_JWKS_URL: url.optional(),
  DEV_SIGN_IN: bool.default(false),
  /** Failed sign-ins per client address per minute before the API answers 429. */
  AUTH_FAILURES_PER_MINUTE: z.coerce.number().int().min(1).max(10_000).default(20),
  BOT_ID: z.string().min(1).optional(),
  BOT_PASSWORD: z.string().min(1).optional(),
  BOT_TENANT_ID: z.string().min(1).optional(),
  BOT_AUTH_DISABLED: bool.default(false),
  SHUTDOWN_GRACE_MS: z.coerce.number().int().min(0).max(120_000).default(10_000),
});

export type Config = z.infer<typeof configSchema>;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

const isLoopback = (host: string) => /^(localhost|127(\.\d+){3}|\[::1\]|0\.0\.0\.0)$/i.test(host);

/** Parses environment-style input; throws ConfigError with one line per problem. */
export function loadConfig(env: Record<string, string | undefined>): Config {
  // Empty strings (e.g. `PORT=` in a .env file) mean "not set".
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = configSchema.safeParse(cleaned);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((i) => {
        const name = i.path.join('.') || '(config)';
        const value = cleaned[name];
        const shown = value !== undefined && !/SECRET|PASSWORD|KEY/.test(name) ? ` (got "${value}")` : '';
        return `${name}: ${i.message}${shown}`;
      }),
    );
  }
  const config = parsed.data;
  const problems: string[] = [];
  if (config.NODE_ENV === 'production') {
    if (config.DEV_SIGN_IN) problems.push('DEV_SIGN_IN: must not be enabled when NODE_ENV=production');
    if (config.BOT_AUTH_DISABLED) problems.push('BOT_AUTH_DISABLED: must not be set when NODE_ENV=production');
    if (!config.ENCRYPTION_KEY) problems.push('ENCRYPTION_KEY: is required when NODE_ENV=production');
    if (!config.PUBLIC_BASE_URL) problems.push('PUBLIC_BASE_URL: is required when NODE_ENV=production');
    if (!config.AAD_APP_CLIENT_ID) problems.push('AAD_APP_CLIENT_ID: is required when NODE_ENV=production');
    if (!config.BOT_ID || !config.BOT_PASSWORD) problems.push('BOT_ID/BOT_PASSWORD: are required when NODE_ENV=production');
    // The local emulators' settings must never reach a production start.
    for (const name of ['GRAPH_BASE_URL', 'AUTHORITY_HOST', 'CXONE_BASE_URL', 'PUBLIC_BASE_URL'] as const) {
      const value = config[name];
      if (!value) continue;
      const u = new URL(value);
      if (u.protocol !== 'https:') problems.push(`${name}: must be https when NODE_ENV=production`);
      else if (isLoopback(u.hostname))
        problems.push(`${name}: must not point at this machine (${u.host}) when NODE_ENV=production`);
    }
  }
  if ((config.BOT_ID === undefined) !== (config.BOT_PASSWORD === undefined) && !config.BOT_AUTH_DISABLED)
    problems.push('BOT_PASSWORD: BOT_ID and BOT_PASSWORD must be set together');
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}
