import { parseArgs } from 'node:util';

/** Command-line flags of `npm run emulator:graph` (pure: parsed and validated here, used by main.ts). */
export const HELP = `Microsoft Graph + identity emulator: a local stand-in for Graph v1.0 (users, presence,
subscriptions) and the Microsoft identity platform (tokens, sign-in, device code, admin consent).

Usage: npm run emulator:graph -- [options]
  --port N                     port to listen on (default 4010; 0 = any free port)
  --host H                     address to bind (default 127.0.0.1)
  --agents N                   agents in the seed (default 48; 10000 is fine)
  --tls-dir DIR                where the local CA and server certificate are written and reused
                               (default .data/emulator-tls)
  --notification-latency-ms N  delay before change notifications are delivered (default 0)
  --clients-open               every seeded user starts with Teams open (Available) instead of Offline
  --help                       show this help

Serves HTTPS with a local CA: trust the printed caCertFile (EXTRA_CA_CERTS_FILE or NODE_EXTRA_CA_CERTS).
Control page: <url>/_emulator/`;

export interface CliOptions {
  help: boolean;
  port: number;
  host: string;
  agents: number;
  tlsDir: string;
  notificationLatencyMs: number;
  clientsOpen: boolean;
}

export class CliError extends Error {}

function int(name: string, v: string | undefined, def: number, min: number, max: number): number {
  if (v === undefined) return def;
  if (!/^\d+$/.test(v) || Number(v) < min || Number(v) > max)
    throw new CliError(`--${name}: must be an integer from ${min} to ${max} (got "${v}")`);
  return Number(v);
}

export function parseCli(argv: string[]): CliOptions {
  let values: Record<string, string | boolean | undefined>;
  try {
    values = parseArgs({
      args: argv,
      options: {
        port: { type: 'string' },
        host: { type: 'string' },
        agents: { type: 'string' },
        'tls-dir': { type: 'string' },
        'notification-latency-ms': { type: 'string' },
        'clients-open': { type: 'boolean' },
        help: { type: 'boolean' },
      },
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (e) {
    // parseArgs names the offending flag, e.g. "Unknown option '--prot'".
    throw new CliError((e as Error).message);
  }
  const host = values.host as string | undefined;
  if (host !== undefined && !/^[\w.:-]+$/.test(host)) throw new CliError(`--host: not a host name or address (got "${host}")`);
  const tlsDir = values['tls-dir'] as string | undefined;
  if (tlsDir !== undefined && !tlsDir.trim()) throw new CliError('--tls-dir: must not be empty');
  return {
    help: values.help === true,
    port: int('port', values.port as string | undefined, 4010, 0, 65535),
    host: host ?? '127.0.0.1',
    agents: int('agents', values.agents as string | undefined, 48, 1, 100_000),
    tlsDir: tlsDir ?? '.data/emulator-tls',
    notificationLatencyMs: int('notification-latency-ms', values['notification-latency-ms'] as string | undefined, 0, 0, 600_000),
    clientsOpen: values['clients-open'] === true,
  };
}
