import { monitorEventLoopDelay } from 'node:perf_hooks';
import { startApp } from '../api/src/app.ts';
import { loadConfig } from '../api/src/config.ts';

/**
 * The server under measurement, in its own process (so its RSS and CPU are its own): the real
 * `startApp` with configuration from the environment, as `npm run serve` does. Forked by the
 * benchmark and the kill -9 fault test with an IPC channel:
 *   → {type:'ready', url}                       once listening
 *   ← {type:'usage'}      → {type:'usage', ...}  resource usage of this process
 *   ← {type:'stop'}                              graceful stop, then exit 0
 */
type Msg = { type: 'usage' } | { type: 'stop' };

const config = loadConfig(process.env);
const app = await startApp({ config });
const send = (m: unknown) => process.send?.(m);
// Event-loop delay since the last usage report: high values mean the process was blocked or starved of CPU.
const loop = monitorEventLoopDelay({ resolution: 10 });
loop.enable();
send({ type: 'ready', url: app.url, pid: process.pid });

process.on('message', (m: Msg) => {
  if (m.type === 'usage') {
    const u = process.resourceUsage();
    send({
      type: 'usage',
      maxRssKb: u.maxRSS,
      rssBytes: process.memoryUsage.rss(),
      userCpuUs: u.userCPUTime,
      systemCpuUs: u.systemCPUTime,
      at: Date.now(),
      loopDelayP99Ms: Math.round(loop.percentile(99) / 1e6),
      loopDelayMaxMs: Math.round(loop.max / 1e6),
    });
    loop.reset();
  } else if (m.type === 'stop') {
    void app.stop().finally(() => process.exit(0));
  }
});
process.on('disconnect', () => void app.stop().finally(() => process.exit(0)));
