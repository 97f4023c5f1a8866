import { sql } from 'kysely';
import type { Q } from './schema.js';

/**
 * Raw SQL for the queries every request runs. Kysely's builder and compiler cost ~40-50 us of CPU per query here,
 * more than SQLite takes to run an indexed lookup, so the hot path writes its SQL directly (still parameterised,
 * the same text on SQLite and PostgreSQL); everything else keeps the builder.
 */
export function insertRow(q: Q, table: 'blobs' | 'objects', values: Record<string, unknown>): Promise<unknown> {
  const columns = Object.keys(values);
  return sql`insert into ${sql.table(table)} (${sql.join(columns.map((c) => sql.ref(c)))}) values (${sql.join(columns.map((c) => values[c]))})`.execute(q.db);
}
