import { createHash } from 'node:crypto';
import { getTableColumns, getTableName, sql } from 'drizzle-orm';
import type { PgColumn, PgTable } from 'drizzle-orm/pg-core';
import pg from 'pg';
import type { Db } from './db.ts';

/**
 * Many-row INSERT (or upsert) as one statement with one JSON parameter holding every row:
 * `insert into t (a, b) select a, b from json_to_recordset($1::json) as r(a text, b jsonb) …`.
 *
 * Why not drizzle's `.values([...])`: its builder walks every parameter's prototype chain several
 * times, ~50 µs per row of a 12-column table on a 2-core VM, so a 500-row save held the event loop
 * ~25 ms and, under a 500 notifications/s burst, query building was a fifth of the server's CPU and
 * the main reason webhook acknowledgements waited. Why one JSON document rather than an array per
 * column (`unnest($1::text[], …)`): node-postgres escapes array literals in JavaScript, element by
 * element, which for JSON values cost more than the rest of the statement; `JSON.stringify` of the
 * batch is one native pass, and the server parses it once. Column names and SQL types come from the
 * schema, so nothing can drift; values are encoded as drizzle would (timestamps → ISO text, JSON
 * values nested as JSON). Works on PostgreSQL and PGlite alike. Every key named must have a value
 * (undefined is NULL, not the column default).
 */
type Insert<T extends PgTable> = T['$inferInsert'];

export interface BulkInsertOptions<K extends string> {
  /** Upsert: on a conflict over these columns, take these from the new row (`col = excluded.col`). */
  onConflict?: { target: readonly K[]; update: readonly K[] };
}

export async function bulkInsert<T extends PgTable, K extends keyof Insert<T> & string>(
  db: Db,
  table: T,
  keys: readonly K[],
  rows: readonly Pick<Insert<T>, K>[],
  opts: BulkInsertOptions<K> = {},
): Promise<void> {
  if (rows.length === 0) return;
  const columns = getTableColumns(table) as Record<string, PgColumn>;
  const col = (k: K): PgColumn => {
    const c = columns[k];
    if (!c) throw new Error(`bulkInsert: ${getTableName(table)} has no column ${k}`);
    return c;
  };
  const ident = (k: K) => `"${col(k).name}"`;
  // JSON keys are the SQL column names, so the record definition below reads them by name.
  const doc = rows.map((r) => {
    const o: Record<string, unknown> = {};
    for (const k of keys) {
      const v = (r as Record<string, unknown>)[k];
      o[col(k).name] = v === undefined ? null : v;
    }
    return o;
  });
  const names = keys.map(ident).join(', ');
  const record = keys.map((k) => `${ident(k)} ${col(k).getSQLType()}`).join(', ');
  const conflict = opts.onConflict
    ? ` on conflict (${opts.onConflict.target.map(ident).join(', ')}) do update set ${opts.onConflict.update
        .map((k) => `${ident(k)} = excluded.${ident(k)}`)
        .join(', ')}`
    : '';
  const text = `insert into "${getTableName(table)}" (${names}) select ${names} from json_to_recordset($1::json) as r(${record})${conflict}`;
  await runOne(db, text, JSON.stringify(doc));
}

/**
 * Runs the statement with its one parameter. On PostgreSQL as a named prepared statement: the text
 * is the same for every batch of a table, so each pooled connection parses and plans it once
 * (measured: 0.33 instead of 0.49 ms a statement for a three-row inbox write). Inside a transaction
 * (no `$client`) through drizzle, so it joins the transaction.
 */
async function runOne(db: Db, text: string, param: string): Promise<void> {
  const client = (db as { $client?: unknown }).$client;
  if (client instanceof pg.Pool) {
    await client.query({ name: statementName(text), text, values: [param] });
    return;
  }
  const [before = '', after = ''] = text.split('$1');
  await db.execute(sql`${sql.raw(before)}${sql.param(param)}${sql.raw(after)}`);
}

/** A stable name per statement text (node-postgres refuses one name for two texts on a connection). */
const statementName = (text: string) => `bulk_${createHash('sha256').update(text).digest('hex').slice(0, 24)}`;
