import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { decodePng } from './png.ts';

/**
 * Teams app manifest checks, offline: the official JSON schema (from @microsoft/app-manifest) plus
 * the rules Teams enforces that the schema cannot express.
 */
export interface Problem {
  where: string;
  message: string;
}

const require = createRequire(import.meta.url);
// CommonJS packages: their ESM default import types do not line up under NodeNext.
const Ajv04 = (require('ajv-draft-04') as { default: typeof import('ajv-draft-04').default }).default;
const addFormats = (require('ajv-formats') as { default: typeof import('ajv-formats').default }).default;
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function manifestSchemaPath(version: string): string {
  return require.resolve(`@microsoft/app-manifest/build/json-schemas/teams/v${version}/MicrosoftTeams.schema.json`);
}

type Json = Record<string, unknown>;

export function validateManifest(manifest: Json, opts: { iconDir: string; icons?: Record<string, Buffer> }): Problem[] {
  const problems: Problem[] = [];
  const version = String(manifest.manifestVersion ?? '');
  let schemaFile: string;
  try {
    schemaFile = manifestSchemaPath(version);
  } catch {
    return [{ where: 'manifestVersion', message: `no official schema for manifest version "${version}"` }];
  }
  const ajv = new Ajv04({ allErrors: true, strict: false });
  addFormats(ajv);
  const validate = ajv.compile(JSON.parse(readFileSync(schemaFile, 'utf8')));
  if (!validate(manifest))
    for (const e of validate.errors ?? [])
      problems.push({
        where: e.instancePath || '/',
        message: `${e.message ?? 'invalid'}${e.params ? ` ${JSON.stringify(e.params)}` : ''}`,
      });

  // Rules beyond the schema.
  const unfilled = JSON.stringify(manifest).match(/\$\{\{[A-Z0-9_]+\}\}/g);
  if (unfilled) problems.push({ where: '/', message: `placeholders not filled: ${[...new Set(unfilled)].join(', ')}` });
  if (typeof manifest.id === 'string' && !GUID.test(manifest.id)) problems.push({ where: '/id', message: 'must be a GUID' });
  const bots = (manifest.bots as Json[] | undefined) ?? [];
  bots.forEach((b, i) => {
    if (!GUID.test(String(b.botId))) problems.push({ where: `/bots/${i}/botId`, message: 'must be a GUID (the bot app id)' });
  });
  const wai = manifest.webApplicationInfo as Json | undefined;
  if (wai) {
    if (!GUID.test(String(wai.id)))
      problems.push({ where: '/webApplicationInfo/id', message: 'must be a GUID (the Entra app client id)' });
    if (typeof wai.resource === 'string' && !wai.resource.startsWith('api://'))
      problems.push({ where: '/webApplicationInfo/resource', message: 'must start with api://' });
  }
  const domains = ((manifest.validDomains as string[] | undefined) ?? []).map(String);
  domains.forEach((d, i) => {
    if (/^[a-z]+:\/\//i.test(d) || d.includes('/'))
      problems.push({ where: `/validDomains/${i}`, message: 'a domain only: no scheme, no path' });
  });
  const urls: [string, string][] = [];
  ((manifest.staticTabs as Json[] | undefined) ?? []).forEach((t, i) => {
    if (typeof t.contentUrl === 'string') urls.push([`/staticTabs/${i}/contentUrl`, t.contentUrl]);
  });
  ((manifest.configurableTabs as Json[] | undefined) ?? []).forEach((t, i) => {
    if (typeof t.configurationUrl === 'string') urls.push([`/configurableTabs/${i}/configurationUrl`, t.configurationUrl]);
  });
  for (const [where, u] of urls) {
    if (!URL.canParse(u)) {
      problems.push({ where, message: 'is not a URL' });
      continue;
    }
    const url = new URL(u);
    if (url.protocol !== 'https:') problems.push({ where, message: 'must be https' });
    if (!domains.includes(url.host) && !domains.includes(url.hostname))
      problems.push({ where, message: `host ${url.host} is not in validDomains` });
  }

  const icons = manifest.icons as { color?: string; outline?: string } | undefined;
  for (const [kind, size] of [
    ['color', 192],
    ['outline', 32],
  ] as const) {
    const file = icons?.[kind];
    if (!file) continue;
    const buf =
      opts.icons?.[file] ?? (existsSync(path.join(opts.iconDir, file)) ? readFileSync(path.join(opts.iconDir, file)) : null);
    if (!buf) {
      problems.push({ where: `/icons/${kind}`, message: `file ${file} not found` });
      continue;
    }
    try {
      const png = decodePng(buf);
      if (png.width !== size || png.height !== size)
        problems.push({ where: `/icons/${kind}`, message: `must be ${size}×${size} pixels (is ${png.width}×${png.height})` });
      if (kind === 'outline') {
        if (!png.pixels) problems.push({ where: '/icons/outline', message: 'must be a transparent (RGBA) PNG' });
        else {
          let opaqueCorner = png.pixels[3]! > 0;
          for (let i = 0; i < png.pixels.length; i += 4)
            if (png.pixels[i + 3]! > 0 && (png.pixels[i]! < 250 || png.pixels[i + 1]! < 250 || png.pixels[i + 2]! < 250)) {
              opaqueCorner = true;
              break;
            }
          if (opaqueCorner) problems.push({ where: '/icons/outline', message: 'must be white on a transparent background' });
        }
      }
    } catch (err) {
      problems.push({ where: `/icons/${kind}`, message: (err as Error).message });
    }
  }
  return problems;
}
