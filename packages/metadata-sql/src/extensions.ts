import { sql } from 'kysely';
import type { Kysely } from 'kysely';
import { StorageError } from '@omnigate/core';
import type { ExtensionMigration } from '@omnigate/core';
import type { Database } from './schema.js';

/**
 * Runs an adapter's migrations that are not yet recorded under `namespace`, in order, each in its own transaction
 * together with its record, so a failure leaves neither half. On PostgreSQL an advisory lock per namespace makes a
 * second gateway wait and then find the migration done, instead of running it twice.
 */
export async function migrateExtension(db: Kysely<Database>, pg: boolean, namespace: string, migrations: readonly ExtensionMigration[]): Promise<void> {
  if (!namespace) throw new StorageError('InvalidArgument', 'An extension namespace must not be empty');
  const names = new Set<string>();
  for (const m of migrations) {
    if (!m.name || names.has(m.name)) throw new StorageError('InvalidArgument', `Extension "${namespace}" has an empty or duplicate migration name`, { name: m.name });
    names.add(m.name);
  }
  for (const migration of migrations) {
    await db.transaction().execute(async (trx) => {
      if (pg) await sql`select pg_advisory_xact_lock(hashtextextended(${'omnigate-extension:' + namespace}, 0))`.execute(trx);
      const done = await trx.selectFrom('extension_migrations').select('name')
        .where('namespace', '=', namespace).where('name', '=', migration.name).executeTakeFirst();
      if (done) return;
      await migration.up(trx as Kysely<any>);
      await trx.insertInto('extension_migrations').values({ namespace, name: migration.name, executed_at: Date.now() }).execute();
    });
  }
}
