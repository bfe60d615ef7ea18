import type { Server } from 'restify';
import type { Storage } from '../storage/db.ts';

/** `/healthz`: the process is up. `/readyz`: the database answers and every migration is applied. */
export function registerHealthRoutes(server: Server, deps: { storage: Storage; startedAt: number; version: string }): void {
  server.get('/healthz', async (_req, res) => {
    res.send(200, { status: 'ok', version: deps.version, uptimeSeconds: Math.round((Date.now() - deps.startedAt) / 1000) });
  });
  server.get('/readyz', async (_req, res) => {
    const checks: Record<string, string> = {};
    try {
      await deps.storage.ping();
      checks.database = 'ok';
      checks.migrations = (await deps.storage.migrationsApplied()) ? 'ok' : 'pending';
    } catch (err) {
      checks.database = `unreachable: ${(err as Error).message}`;
    }
    const ready = Object.values(checks).every((v) => v === 'ok') && checks.migrations !== undefined;
    res.send(ready ? 200 : 503, { status: ready ? 'ready' : 'not_ready', storage: deps.storage.kind, checks });
  });
}
