import type { AppOptions } from '../../../api/src/app.ts';
import { type CxoneEmulator, startCxoneEmulator } from '../../../emulators/cxone/index.ts';
import { type GraphEmulator, startGraphEmulator } from '../../../emulators/graph/index.ts';
import { buildSeed, type Seed } from '../../../emulators/shared/seed.ts';
import { startTestApp, type TestApp } from '../../support/app.ts';

/**
 * The whole product for the browser tests: both emulators on one seed, and our server (with its real
 * sync engine, CXone intake and presence watching) trusting the Graph emulator's CA and identity
 * platform, with the local dev sign-in on.
 */
export interface BrowserWorld {
  seed: Seed;
  graph: GraphEmulator;
  cxone: CxoneEmulator;
  app: TestApp;
  stop(): Promise<void>;
}

export async function startBrowserWorld(
  env: Record<string, string> = {},
  extra: Partial<AppOptions> = {},
): Promise<BrowserWorld> {
  const seed = buildSeed();
  const graph = await startGraphEmulator({ seed });
  const cxone = await startCxoneEmulator({ seed });
  const app = await startTestApp(
    {
      DEV_SIGN_IN: 'true',
      AUTHORITY_HOST: graph.authorityHost,
      GRAPH_BASE_URL: graph.graphBaseUrl,
      EXTRA_CA_CERTS_FILE: graph.caCertFile,
      LOG_LEVEL: 'info',
      ...env,
    },
    extra,
  );
  return {
    seed,
    graph,
    cxone,
    app,
    async stop() {
      await app.stop();
      await cxone.stop();
      await graph.stop();
    },
  };
}
