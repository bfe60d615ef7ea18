import { mkdir, readdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Builds the tab with Vite's API when tabs/dist is missing or older than any tab source (or the shared
 * domain modules it bundles). Test files run in parallel workers, so a lock directory makes one build
 * at a time and the others wait for it, then see a fresh dist.
 */
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const DIST_INDEX = path.join(ROOT, 'tabs/dist/index.html');
const SOURCES = ['tabs/src', 'tabs/index.html', 'tabs/vite.config.ts', 'api/src/domain'];
const LOCK = path.join(ROOT, 'tabs/.build-lock');

async function newestMtime(p: string): Promise<number> {
  const s = await stat(p);
  if (!s.isDirectory()) return s.mtimeMs;
  let newest = s.mtimeMs;
  for (const entry of await readdir(p)) newest = Math.max(newest, await newestMtime(path.join(p, entry)));
  return newest;
}

async function isStale(): Promise<boolean> {
  let built: number;
  try {
    built = (await stat(DIST_INDEX)).mtimeMs;
  } catch {
    return true;
  }
  let newest = 0;
  for (const s of SOURCES) newest = Math.max(newest, await newestMtime(path.join(ROOT, s)));
  return newest > built;
}

async function acquireLock(timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    try {
      await mkdir(LOCK);
      return;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      // A lock older than the timeout belongs to a crashed run.
      const age =
        Date.now() -
        (await stat(LOCK).then(
          (s) => s.mtimeMs,
          () => Date.now(),
        ));
      if (age > timeoutMs) await rm(LOCK, { recursive: true, force: true });
      if (Date.now() > until) throw new Error(`waited ${timeoutMs} ms for another tab build (${LOCK})`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

export async function ensureTabBuilt(): Promise<void> {
  if (!(await isStale())) return;
  await acquireLock(120_000);
  try {
    if (!(await isStale())) return;
    const { build } = await import('vite');
    await build({ configFile: path.join(ROOT, 'tabs/vite.config.ts'), logLevel: 'warn', mode: 'production' });
  } finally {
    await rm(LOCK, { recursive: true, force: true });
  }
}
