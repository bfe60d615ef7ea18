import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

/**
 * PGlite's own settings. Its default shared_buffers (128 MB, as a server's) sits inside the WASM heap
 * of our process; the operating system's page cache already holds the files behind it, and at 10,000
 * agents the whole database is a few tens of MB, so 16 MB is plenty and ~110 MB smaller.
 */
export const PGLITE_CONF = ['shared_buffers=16MB'];

/**
 * Creates the embedded cluster if it is new (initdb) and applies pending migrations, in a short-lived
 * child process. In-process, initdb grows the WASM heap and its copies to ~700 MB, and the migrations'
 * DDL another ~100 MB, that the process never gives back (WASM memory does not shrink, even in a worker
 * thread); in a child they go when it exits. The server then opens a cluster with nothing left to do.
 */
export async function prepareEmbeddedCluster(
  dir: string,
  /** null: create only. */
  migrationsFolder: string | null,
  timeoutMs = 120_000,
): Promise<'created' | 'exists'> {
  const existed = existsSync(path.join(dir, 'PG_VERSION'));
  const require = createRequire(import.meta.url);
  const script = [
    `const { PGlite } = require(${JSON.stringify(require.resolve('@electric-sql/pglite'))});`,
    `const { drizzle } = require(${JSON.stringify(require.resolve('drizzle-orm/pglite'))});`,
    `const { migrate } = require(${JSON.stringify(require.resolve('drizzle-orm/pglite/migrator'))});`,
    // One line (the parent reads the last): drizzle's message spans lines, its cause says what failed.
    "function why(e) { return String((e && e.message) || e) + (e && e.cause ? ': ' + why(e.cause) : ''); }",
    '(async () => {',
    `  const client = await PGlite.create(process.argv[1], { postgresqlconf: ${JSON.stringify(PGLITE_CONF)} });`,
    '  try { if (process.argv[2]) await migrate(drizzle(client), { migrationsFolder: process.argv[2] }); }',
    "  catch (e) { throw new Error('database migration failed: ' + why(e)); }",
    '  finally { await client.close(); }',
    "})().catch((e) => { process.stderr.write('\\n' + why(e).replace(/\\s+/g, ' ')); process.exit(1); });",
  ].join('\n');
  await new Promise<void>((resolve, reject) => {
    execFile(process.execPath, ['-e', script, dir, migrationsFolder ?? ''], { timeout: timeoutMs }, (err, _stdout, stderr) => {
      if (!err) return resolve();
      const why = stderr.trim().split('\n').pop() || err.message;
      reject(new Error(why));
    });
  });
  return existed ? 'exists' : 'created';
}
