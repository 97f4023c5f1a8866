import { CompiledQuery } from 'kysely';
import type { QueryResult } from 'kysely';
import type { Q } from './schema.js';

/**
 * Raw SQL for the statements every request runs. Kysely's builder and compiler cost ~40-50 us of CPU per query here,
 * and even its `sql` template is compiled again on every call, more than SQLite takes to run an indexed insert or
 * lookup. A hot statement is written once with `?` placeholders and compiled at load time for both dialects
 * (PostgreSQL numbers them: `$1`, `$2`, ...); running it hands that text and the parameters straight to the driver.
 * Everything else keeps the builder.
 */
export class Statement {
  readonly #sqlite: CompiledQuery;
  readonly #pg: CompiledQuery;

  /** `pgText`, where PostgreSQL needs other SQL than SQLite (its JSON operators, say); `?` placeholders in both. */
  constructor(text: string, pgText = text) {
    let n = 0;
    this.#sqlite = CompiledQuery.raw(text);
    this.#pg = CompiledQuery.raw(pgText.replace(/\?/g, () => `$${++n}`));
  }

  execute<R = Record<string, unknown>>(q: Q, parameters: readonly unknown[]): Promise<QueryResult<R>> {
    const compiled = q.pg ? this.#pg : this.#sqlite;
    return q.db.executeQuery<R>({ ...compiled, parameters });
  }
}

/**
 * The insert of a whole row record, values taken in `columns` order. `columns` lists each key of the record once:
 * its type refuses a missing or unknown one.
 */
export class RowInsert<Row extends Record<string, unknown>> {
  readonly #columns: readonly (keyof Row & string)[];
  readonly #statement: Statement;

  constructor(table: string, columns: { readonly [K in keyof Row]: true }) {
    this.#columns = Object.keys(columns) as (keyof Row & string)[];
    this.#statement = new Statement(`insert into ${table} (${this.#columns.join(', ')}) values (${this.#columns.map(() => '?').join(', ')})`);
  }

  execute(q: Q, row: Row): Promise<unknown> {
    return this.#statement.execute(q, this.#columns.map((c) => row[c]));
  }
}
