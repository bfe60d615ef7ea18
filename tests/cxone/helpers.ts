import { type CxoneClientOptions, createCxoneClient } from '../../api/src/cxone/client.ts';
import { createLogger } from '../../api/src/logging.ts';
import { startCxoneEmulator } from '../../emulators/cxone/server.ts';
import { captureLogs } from '../support/logs.ts';

/** A CXone emulator and a real client against it, sharing one controllable clock. */
export async function cxoneRig(o: { agents?: number; client?: Partial<CxoneClientOptions> } = {}) {
  const time = { t: Date.parse('2026-11-26T08:00:00.000Z') };
  const now = () => time.t;
  const emu = await startCxoneEmulator({ agents: o.agents ?? 24, now });
  const logs = captureLogs();
  const logger = createLogger({ level: 'debug', destination: logs.stream });
  const sleeps: number[] = [];
  const makeClient = (extra: Partial<CxoneClientOptions> = {}) =>
    createCxoneClient({
      baseUrl: emu.baseUrl,
      authUrl: emu.authUrl,
      accessKeyId: emu.accessKey.id,
      accessKeySecret: emu.accessKey.secret,
      logger,
      clock: { now },
      sleep: async (ms) => {
        sleeps.push(ms);
      },
      random: () => 0.5,
      ...o.client,
      ...extra,
    });
  return { emu, time, logger, logs, sleeps, client: makeClient(), makeClient };
}
