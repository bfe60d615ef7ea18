import { buildSeed } from '../shared/seed.ts';
import { CliError, HELP, parseCli } from './cli-args.ts';
import { startGraphEmulator } from './index.ts';

let opts: ReturnType<typeof parseCli>;
try {
  opts = parseCli(process.argv.slice(2));
} catch (e) {
  if (!(e instanceof CliError)) throw e;
  console.error(`emulator:graph: ${e.message}\n\n${HELP}`);
  process.exit(1);
}
if (opts.help) {
  console.log(HELP);
  process.exit(0);
}

const seed = buildSeed({ agents: opts.agents });
const emu = await startGraphEmulator({
  port: opts.port,
  host: opts.host,
  seed,
  tlsDir: opts.tlsDir,
  notificationLatencyMs: opts.notificationLatencyMs,
  initialClientPresence: opts.clientsOpen ? { availability: 'Available', activity: 'Available' } : null,
});
const owners = seed.users
  .filter((u) => u.password)
  .map((u) => ({ userPrincipalName: u.userPrincipalName, password: u.password }));
console.log(
  JSON.stringify(
    {
      emulator: 'graph',
      url: emu.url,
      graphBaseUrl: emu.graphBaseUrl,
      authorityHost: emu.authorityHost,
      tenantId: emu.tenantId,
      tokenEndpoint: `${emu.url}/${emu.tenantId}/oauth2/v2.0/token`,
      caCertFile: emu.caCertFile,
      clientId: emu.defaultApp.clientId,
      clientSecret: emu.defaultApp.clientSecret,
      users: seed.users.length,
      signInAccounts: owners,
      controlPage: `${emu.url}/_emulator/`,
    },
    null,
    2,
  ),
);

let stopping = false;
const stop = async (signal: string) => {
  if (stopping) return;
  stopping = true;
  console.error(`emulator:graph: ${signal}, stopping`);
  await emu.stop();
  process.exit(0);
};
process.on('SIGINT', () => void stop('SIGINT'));
process.on('SIGTERM', () => void stop('SIGTERM'));
