import { existsSync } from 'node:fs';
import pg from 'pg';
import { testDatabaseUrl } from './db.ts';

/**
 * Fails fast, with one clear line, when a backing service the suites were told to use is missing:
 * in CI a configured PostgreSQL that cannot be reached is a failure, never a skip.
 */
export default async function setup(): Promise<void> {
  // The browser suites drive Debian's Chromium (never a downloaded one): say exactly how to get it.
  if (!existsSync('/usr/bin/chromium'))
    throw new Error(
      "The browser tests need Debian's Chromium at /usr/bin/chromium. Install it with: sudo apt-get update && sudo apt-get install -y chromium",
    );
  const url = testDatabaseUrl();
  if (!url) return;
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
  try {
    await client.connect();
    await client.query('select 1');
  } catch (err) {
    throw new Error(`TEST_DATABASE_URL=${url} is set but PostgreSQL cannot be reached: ${(err as Error).message}`);
  } finally {
    await client.end().catch(() => {});
  }
}
