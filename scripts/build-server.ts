import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import * as esbuild from 'esbuild';

/**
 * Compiles the API server to plain JavaScript (`npm run build:server`, run by `npm run serve`):
 * `api/src/main.ts` → `dist/server/main.js`. Production and the benchmark run the output with
 * plain `node`, not through tsx.
 *
 * Why, measured on Node 24 (server RSS right after start-up, PostgreSQL): through tsx the process
 * loads every module through a loader thread and keeps a source map per file; compiled, the same
 * code starts in less memory and time. Our code is bundled into one file; npm packages stay
 * external (`node_modules`, loaded by Node as published) except drizzle-orm: its package.json has a
 * 447-entry `exports` map that Node's ESM resolver re-reads for every one of drizzle's ~140 internal
 * imports, ~150 MB of short-lived garbage at start-up that V8 then keeps as pooled pages (RSS +60 MB
 * after a full GC, against +8 MB bundled).
 *
 * Two source files locate files beside themselves with `import.meta.url` (the migrations folder, the
 * built tab); in the bundle that would be the bundle's own URL, so it is rewritten to the source
 * file's path relative to the output. The output therefore runs from inside this repository (as
 * `npm run serve` does), where those files are.
 */

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** npm packages compiled into the bundle instead of loaded from node_modules (see above). */
const BUNDLED_PACKAGES = ['drizzle-orm'];

export interface BuildServerOptions {
  /** Entry point, relative to the repository root (default `api/src/main.ts`). */
  entry?: string;
  /** Output file, relative to the repository root (default `dist/server/main.js`). */
  outfile?: string;
}

/** Builds one entry point into one ES module (plus its source map); returns the output's absolute path. */
export async function buildServer(opts: BuildServerOptions = {}): Promise<string> {
  const entry = path.join(ROOT, opts.entry ?? 'api/src/main.ts');
  const outfile = path.join(ROOT, opts.outfile ?? 'dist/server/main.js');
  const outdir = path.dirname(outfile);
  const result = await esbuild.build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node22',
    sourcemap: 'linked',
    // Keeps class and function names as written (error names, logs, stack traces).
    keepNames: true,
    write: false,
    logLevel: 'silent',
    plugins: [externalPackagesExcept(BUNDLED_PACKAGES), sourceRelativeImportMetaUrl(entry, outdir)],
  });
  if (result.warnings.length > 0) {
    const text = await esbuild.formatMessages(result.warnings, { kind: 'warning' });
    throw new Error(`build-server: warnings are errors here:\n${text.join('\n')}`);
  }
  // An output that is already up to date is left alone (a deployed build on a read-only disk still
  // starts). Others are written beside, then renamed: a process starting from the output never reads
  // a half-written file, and parallel builds (test workers) of the same entry each replace it whole.
  for (const file of result.outputFiles) {
    if (existsSync(file.path) && readFileSync(file.path).equals(file.contents)) continue;
    mkdirSync(path.dirname(file.path), { recursive: true });
    const tmp = `${file.path}.${process.pid}.tmp`;
    writeFileSync(tmp, file.contents);
    renameSync(tmp, file.path);
  }
  return outfile;
}

/**
 * Node's flags in the `serve` script of package.json (`node <flags> dist/server/main.js`, flags in
 * `--name=value` form), so whatever starts the compiled server elsewhere (the benchmark, tests) runs it
 * as production does.
 */
export function serveNodeFlags(): string[] {
  const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: { serve: string } };
  const run = pkg.scripts.serve
    .split('&&')
    .map((c) => c.trim().split(/\s+/))
    .find((w) => w[0] === 'node');
  if (!run) throw new Error(`package.json scripts.serve runs no \`node …\` command: ${pkg.scripts.serve}`);
  return run.slice(1).filter((w) => w.startsWith('--'));
}

/** Every bare import (an npm package or `node:` built-in) stays an import, except the named packages. */
function externalPackagesExcept(bundled: string[]): esbuild.Plugin {
  const inside = (spec: string) => bundled.some((p) => spec === p || spec.startsWith(`${p}/`));
  return {
    name: 'external-packages-except',
    setup(b) {
      b.onResolve({ filter: /^[^./]/ }, (args) => {
        if (path.isAbsolute(args.path) || inside(args.path)) return undefined;
        // Imports made inside a bundled package resolve from there (its own dependencies stay external too).
        return { path: args.path, external: true };
      });
    },
  };
}

/**
 * `import.meta.url` in our source files (other than the entry) becomes that file's original URL,
 * computed from the bundle's own location, so `new URL('../x', import.meta.url)` still finds `x`
 * beside the source. Other `import.meta` properties are refused rather than silently wrong.
 */
function sourceRelativeImportMetaUrl(entry: string, outdir: string): esbuild.Plugin {
  return {
    name: 'source-relative-import-meta-url',
    setup(b) {
      b.onLoad({ filter: /\.ts$/ }, (args) => {
        if (args.path.includes(`${path.sep}node_modules${path.sep}`)) return undefined;
        let contents = readFileSync(args.path, 'utf8');
        if (/import\.meta\.(dirname|filename|resolve)\b/.test(contents))
          return {
            errors: [
              {
                text: `${path.relative(ROOT, args.path)}: use import.meta.url (the bundle rewrites it), not dirname/filename/resolve`,
              },
            ],
          };
        if (args.path !== entry && contents.includes('import.meta.url')) {
          const rel = path.relative(outdir, args.path).split(path.sep).join('/');
          contents = contents.replaceAll('import.meta.url', `new URL(${JSON.stringify(rel)}, import.meta.url).href`);
        }
        return { contents, loader: 'ts' };
      });
    },
  };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const { values } = parseArgs({ options: { entry: { type: 'string' }, outfile: { type: 'string' } }, strict: true });
  const started = Date.now();
  const out = await buildServer({ entry: values.entry, outfile: values.outfile });
  console.log(`build-server: ${path.relative(process.cwd(), out)} (${Date.now() - started} ms)`);
}
