import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { parse } from 'yaml';
import type { Problem } from './manifest.ts';

const Ajv = (createRequire(import.meta.url)('ajv') as { default: typeof import('ajv').default }).default;

/**
 * Validates a Teams Toolkit project file (teamsapp.yml) against the vendored schema, offline,
 * and checks that every file it references exists.
 */
export function validateTeamsappYml(root: string, file: string): Problem[] {
  const schema = JSON.parse(readFileSync(path.join(root, 'appPackage/schemas/teamsapp.v1.11.yaml.schema.json'), 'utf8'));
  const doc = parse(readFileSync(path.join(root, file), 'utf8')) as Record<string, unknown>;
  const ajv = new Ajv({ allErrors: true, strict: false });
  const validate = ajv.compile(schema);
  const problems: Problem[] = [];
  if (!validate(doc))
    for (const e of validate.errors ?? []) problems.push({ where: `${file}${e.instancePath}`, message: e.message ?? 'invalid' });
  const refs: string[] = [];
  const walk = (v: unknown, key?: string) => {
    if (Array.isArray(v)) for (const x of v) walk(x, key);
    else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x, k);
    else if (typeof v === 'string' && key && /^(manifestPath|path|parameters|ignoreFile|appPackagePath)$/.test(key)) refs.push(v);
  };
  walk(doc);
  for (const ref of refs) {
    if (ref.includes('${{') || ref.includes('/build/')) continue; // outputs, made by the run
    const p = path.resolve(root, ref);
    const candidates = [p, p.replace(/\.json$/, '.bicepparam')];
    if (!candidates.some((c) => existsSync(c)))
      problems.push({ where: file, message: `references ${ref}, which does not exist` });
  }
  if (typeof doc.environmentFolderPath === 'string' && !existsSync(path.resolve(root, doc.environmentFolderPath)))
    problems.push({ where: `${file}/environmentFolderPath`, message: 'folder does not exist' });
  return problems;
}
