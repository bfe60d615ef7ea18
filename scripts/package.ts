import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { buildPackage } from './package/build.ts';
import { validateTeamsappYml } from './package/teamsapp.ts';

const HELP = `Builds the Teams app package: fills appPackage/manifest.json from env/.env.<env> (+ .user),
validates it offline against the official schema and Teams' own rules, checks teamsapp.yml and
teamsapp.local.yml, and writes appPackage/build/appPackage.<env>.zip.

Usage: npm run package -- [--env local|dev|<name>]

Options:
  --env NAME   environment file to use (default: local)
  -h, --help   show this help`;

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
let values: { env?: string; help?: boolean };
try {
  ({ values } = parseArgs({ options: { env: { type: 'string' }, help: { type: 'boolean', short: 'h' } }, strict: true }));
} catch (err) {
  console.error(`${(err as Error).message}\nRun with --help for usage.`);
  process.exit(1);
}
if (values.help) {
  console.log(HELP);
  process.exit(0);
}
const envName = values.env ?? 'local';
if (!/^[a-z0-9-]+$/.test(envName)) {
  console.error(`--env: "${envName}" is not an environment name (letters, digits, dashes)`);
  process.exit(1);
}
try {
  const problems = [...validateTeamsappYml(root, 'teamsapp.yml'), ...validateTeamsappYml(root, 'teamsapp.local.yml')];
  const result = await buildPackage({ root, envName });
  problems.push(...result.problems);
  if (problems.length > 0) {
    console.error(`The app package is not valid (${problems.length} problem(s)):`);
    for (const p of problems) console.error(`  ${p.where}: ${p.message}`);
    process.exit(1);
  }
  console.log(`Wrote ${path.relative(root, result.zipFile)} (manifest ${String(result.manifest.manifestVersion)}, valid)`);
} catch (err) {
  console.error((err as Error).message);
  process.exit(1);
}
