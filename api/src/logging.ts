import pino, { type DestinationStream, type Logger } from 'pino';

export type { Logger };

/** Field names whose values never reach a log line, wherever they appear (two levels deep). */
export const REDACTED_KEYS = [
  'authorization',
  'password',
  'clientSecret',
  'client_secret',
  'accessKeySecret',
  'accessKeyId',
  'refreshToken',
  'refresh_token',
  'access_token',
  'accessToken',
  'clientState',
  'pushSecret',
  'secret',
  'token',
  'assertion',
];

export function createLogger(opts: { level: string; name?: string; destination?: DestinationStream }): Logger {
  const paths = REDACTED_KEYS.flatMap((k) => [k, `*.${k}`, `*.*.${k}`]);
  return pino(
    {
      level: opts.level,
      name: opts.name ?? 'presence-sync',
      redact: { paths: [...paths, 'req.headers.authorization', 'req.headers.cookie'], censor: '[redacted]' },
      base: undefined,
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    opts.destination,
  );
}
