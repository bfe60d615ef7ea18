import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseEnv } from 'node:util';
import JSZip from 'jszip';
import { type Problem, validateManifest } from './manifest.ts';

export interface BuildResult {
  zipFile: string;
  manifest: Record<string, unknown>;
  problems: Problem[];
}

/** Reads env/.env.<name> then env/.env.<name>.user (secrets, git-ignored), the Teams Toolkit way. */
export function readEnv(root: string, envName: string): Record<string, string> {
  const base = path.join(root, 'env', `.env.${envName}`);
  if (!existsSync(base)) throw new Error(`--env: env/.env.${envName} does not exist`);
  const values: Record<string, string> = {};
  for (const file of [base, `${base}.user`])
    if (existsSync(file)) Object.assign(values, parseEnv(readFileSync(file, 'utf8')) as Record<string, string>);
  return values;
}

export function fillPlaceholders(template: string, vars: Record<string, string | undefined>): string {
  return template.replace(/\$\{\{([A-Z0-9_]+)\}\}/g, (whole, name: string) => vars[name] ?? whole);
}

/** Fills manifest placeholders, validates, and (only when valid) writes appPackage/build/appPackage.<env>.zip. */
export async function buildPackage(opts: {
  root: string;
  envName: string;
  vars?: Record<string, string>;
  manifestFile?: string;
}): Promise<BuildResult> {
  const appDir = path.join(opts.root, 'appPackage');
  const vars = { TEAMSFX_ENV: opts.envName, APP_NAME_SUFFIX: '', ...readEnv(opts.root, opts.envName), ...opts.vars };
  const template = readFileSync(opts.manifestFile ?? path.join(appDir, 'manifest.json'), 'utf8');
  const empty = [...new Set([...template.matchAll(/\$\{\{([A-Z0-9_]+)\}\}/g)].map((m) => m[1]!))].filter(
    (name) => name !== 'APP_NAME_SUFFIX' && !vars[name as keyof typeof vars],
  );
  const manifest = JSON.parse(fillPlaceholders(template, vars)) as Record<string, unknown>;
  const problems = [
    ...empty.map((name) => ({
      where: `env/.env.${opts.envName}`,
      message: `${name} is empty: run \`teamsapp provision --env ${opts.envName}\` or set it`,
    })),
    ...validateManifest(manifest, { iconDir: appDir }),
  ];
  const outDir = path.join(appDir, 'build');
  const zipFile = path.join(outDir, `appPackage.${opts.envName}.zip`);
  if (problems.length === 0) {
    const zip = new JSZip();
    zip.file('manifest.json', JSON.stringify(manifest, null, 2));
    const icons = manifest.icons as { color: string; outline: string };
    for (const f of [icons.color, icons.outline]) zip.file(f, readFileSync(path.join(appDir, f)));
    mkdirSync(outDir, { recursive: true });
    writeFileSync(zipFile, await zip.generateAsync({ type: 'nodebuffer', compression: 'DEFLATE' }));
    writeFileSync(path.join(outDir, `manifest.${opts.envName}.json`), JSON.stringify(manifest, null, 2));
  }
  return { zipFile, manifest, problems };
}
