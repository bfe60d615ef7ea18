import type { SyncEvent } from '../../api/src/domain/ports.ts';
import { type CxoneEmulator, startCxoneEmulator } from '../../emulators/cxone/index.ts';
import { DEFAULT_APP, type GraphEmulator, startGraphEmulator } from '../../emulators/graph/index.ts';
import { buildSeed, type Seed } from '../../emulators/shared/seed.ts';
import { startTestApp } from '../support/app.ts';
import { type ApiApp, type Caller, CLIENT_ID, call } from './support.ts';

/** Both emulators on one seed, and our server trusting the Graph emulator's CA and identity platform. */
export interface World {
  seed: Seed;
  graph: GraphEmulator;
  cxone: CxoneEmulator;
  app: ApiApp;
  /** A Teams SSO token from the emulator's identity platform, for any seeded user. */
  as(userId: string): Promise<Caller>;
  createConnection(admin: Caller): Promise<string>;
  stop(): Promise<void>;
}

export async function startWorld(env: Record<string, string> = {}, o: { agents?: number } = {}): Promise<World> {
  const seed = buildSeed(o.agents ? { agents: o.agents } : {});
  const graph = await startGraphEmulator({ seed });
  const cxone = await startCxoneEmulator({ seed });
  const events: SyncEvent[] = [];
  const app = Object.assign(
    await startTestApp(
      {
        AAD_APP_CLIENT_ID: CLIENT_ID,
        AUTHORITY_HOST: graph.authorityHost,
        GRAPH_BASE_URL: graph.graphBaseUrl,
        EXTRA_CA_CERTS_FILE: graph.caCertFile,
        AUTH_FAILURES_PER_MINUTE: '1000',
        ...env,
      },
      { syncEvents: { publish: (e) => void events.push(e) } },
    ),
    { events },
  );
  return {
    seed,
    graph,
    cxone,
    app,
    async as(userId) {
      const token = await graph.control.issueUserToken({ userId, audience: CLIENT_ID });
      const u = seed.users.find((x) => x.id === userId)!;
      return { token, userId, tenantId: seed.tenantId, upn: u.userPrincipalName };
    },
    async createConnection(admin) {
      const r = await call<{ id: string }>(app, 'POST', '/api/connections', admin, {
        name: 'Contoso contact center',
        azure: { tenantId: seed.tenantId, clientId: DEFAULT_APP.clientId, clientSecret: DEFAULT_APP.clientSecret },
        cxone: {
          baseUrl: cxone.baseUrl,
          authUrl: cxone.authUrl,
          accessKeyId: cxone.accessKey.id,
          accessKeySecret: cxone.accessKey.secret,
        },
      });
      if (r.status !== 201) throw new Error(`create connection: ${r.status} ${r.text}`);
      return r.body.id;
    },
    async stop() {
      await app.stop();
      await cxone.stop();
      await graph.stop();
    },
  };
}

export async function waitForJob(
  app: ApiApp,
  who: Caller,
  connectionId: string,
  jobId: string,
): Promise<Record<string, unknown>> {
  for (let i = 0; i < 600; i++) {
    const r = await call(app, 'GET', `/api/connections/${connectionId}/jobs/${jobId}`, who);
    if (r.body.status === 'succeeded' || r.body.status === 'failed') return r.body;
    await new Promise((res) => setTimeout(res, 50));
  }
  throw new Error('job did not finish');
}
