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
 * Creates a new embedded cluster (initdb) in a short-lived child process. In-process, initdb grows
 * the WASM heap and its copies to ~700 MB that the process never gives back (WASM memory does not
 * shrink, even in a worker thread); in a child they go when it exits. Only the first start pays this;
 * an existing cluster (PG_VERSION present) is opened as it is.
 */
export async function initPgliteCluster(dir: string, timeoutMs = 120_000): Promise<'created' | 'exists'> {
  if (existsSync(path.join(dir, 'PG_VERSION'))) return 'exists';
  const entry = createRequire(import.meta.url).resolve('@electric-sql/pglite');
  const script = [
    `const { PGlite } = require(${JSON.stringify(entry)});`,
    `PGlite.create(process.argv[1], { postgresqlconf: ${JSON.stringify(PGLITE_CONF)} })`,
    '  .then((c) => c.close())',
    '  .catch((e) => { process.stderr.write(String((e && e.message) || e)); process.exit(1); });',
  ].join('\n');
  await new Promise<void>((resolve, reject) => {
    execFile(process.execPath, ['-e', script, dir], { timeout: timeoutMs }, (err, _stdout, stderr) => {
      if (!err) return resolve();
      const why = stderr.trim().split('\n').pop() || err.message;
      reject(new Error(why));
    });
  });
  return 'created';
}
