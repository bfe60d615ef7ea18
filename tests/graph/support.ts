import tls from 'node:tls';
import { createGraphClient, type GraphClientOptions } from '../../api/src/graph/client.ts';
import { createQuotaBudget, type QuotaBudget } from '../../api/src/graph/quota.ts';
import type { Timer } from '../../api/src/graph/timer.ts';
import { createLogger } from '../../api/src/logging.ts';
import { startGraphEmulator } from '../../emulators/graph/index.ts';
import { captureLogs } from '../support/logs.ts';

export type GraphEmulator = Awaited<ReturnType<typeof startGraphEmulator>>;

/** Starts the Graph emulator on a free port and makes this process trust its local CA. */
export async function startTrustedEmulator(opts: Omit<Parameters<typeof startGraphEmulator>[0], 'port'> = {}) {
  const emu = await startGraphEmulator({ port: 0, ...opts });
  tls.setDefaultCACertificates([...tls.getCACertificates('default'), emu.caCertPem]);
  return emu;
}

/**
 * Wall-clock time that a test can shift forward (with the emulator's advanceTime) so tokens expire
 * without waiting; callbacks still run on real timers, so short backoffs just happen.
 */
export type ShiftableTimer = Timer & { shift(ms: number): void };

export function shiftableTimer(): ShiftableTimer {
  let offset = 0;
  return {
    now: () => Date.now() + offset,
    after(ms, fn) {
      const h = setTimeout(fn, Math.max(0, ms));
      return () => clearTimeout(h);
    },
    shift(ms) {
      offset += ms;
    },
  };
}

/** A client for the emulator's default app, with short retry backoffs and captured logs. */
export function clientFor(
  emu: GraphEmulator,
  overrides: Partial<Omit<GraphClientOptions, 'clock'>> & { quota?: QuotaBudget; clock?: ShiftableTimer } = {},
) {
  const logs = captureLogs();
  const clock = overrides.clock ?? shiftableTimer();
  const quota = overrides.quota ?? createQuotaBudget({ timer: clock });
  const client = createGraphClient({
    tenantId: emu.tenantId,
    clientId: emu.defaultApp.clientId,
    clientSecret: emu.defaultApp.clientSecret,
    graphBaseUrl: emu.graphBaseUrl,
    authorityHost: emu.authorityHost,
    logger: createLogger({ level: 'debug', destination: logs.stream }),
    retry: { baseDelayMs: 10, maxDelayMs: 50 },
    ...overrides,
    clock,
    quota,
  });
  return { client, logs, clock, quota };
}

/** Graph calls (not token calls) recorded by the emulator, by path prefix under /v1.0. */
export const graphCalls = (emu: GraphEmulator, pathPrefix: string) => emu.control.calls({ pathPrefix });

export const tokenCalls = (emu: GraphEmulator) => emu.control.calls({ pathPrefix: `/${emu.tenantId}/oauth2/v2.0/token` });
