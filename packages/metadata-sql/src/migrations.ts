import { Migrator, sql } from 'kysely';
import type { Kysely, Migration, MigrationProvider } from 'kysely';
import { StorageError } from '@omnigate/core';
import type { Database } from './schema.js';

/**
 * The core tables, as in-code migrations run by Kysely's Migrator (its lock makes concurrent `migrate()` calls from
 * several gateways safe). Never edit a shipped migration: add the next one.
 */
function coreMigrations(pg: boolean): Record<string, Migration> {
  const bytes = pg ? 'bytea' : 'blob';
  const json = pg ? 'jsonb' : 'text';
  // Keys and ids order byte-wise: SQLite's BINARY collation already does; PostgreSQL needs COLLATE "C".
  const ctext = pg ? sql`text collate "C"` : sql`text`;
  return {
    '0001_core': {
      // Kysely runs SQLite migrations outside a transaction: `if not exists` everywhere lets a run that crashed
      // half-way simply run again.
      async up(db: Kysely<any>) {
        await db.schema.createTable('tenants').ifNotExists()
          .addColumn('id', ctext, (c) => c.primaryKey())
          .addColumn('name', 'text', (c) => c.notNull().unique())
          .addColumn('access_key', 'text', (c) => c.notNull().unique())
          .addColumn('sealed_secret', bytes, (c) => c.notNull())
          .addColumn('api_key_hash', 'text', (c) => c.notNull().unique())
          .addColumn('quota_bytes', 'bigint')
          .addColumn('settings', json, (c) => c.notNull())
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .execute();

        await db.schema.createTable('buckets').ifNotExists()
          .addColumn('id', ctext, (c) => c.primaryKey())
          .addColumn('tenant_id', ctext, (c) => c.notNull().references('tenants.id'))
          .addColumn('name', ctext, (c) => c.notNull())
          .addColumn('settings', json, (c) => c.notNull())
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .addUniqueConstraint('buckets_tenant_name', ['tenant_id', 'name'])
          .execute();

        await db.schema.createTable('blobs').ifNotExists()
          .addColumn('id', ctext, (c) => c.primaryKey())
          .addColumn('state', 'text', (c) => c.notNull())
          .addColumn('ref_count', 'integer', (c) => c.notNull())
          .addColumn('plain_size', 'bigint', (c) => c.notNull())
          .addColumn('cipher_size', 'bigint', (c) => c.notNull())
          .addColumn('header', bytes, (c) => c.notNull())
          .addColumn('wrapped_key', bytes, (c) => c.notNull())
          .addColumn('kek_id', 'text', (c) => c.notNull())
          .addColumn('data_shards', 'integer', (c) => c.notNull())
          .addColumn('parity_shards', 'integer', (c) => c.notNull())
          .addColumn('shard_size', 'integer', (c) => c.notNull())
          .addColumn('fragments', json, (c) => c.notNull())
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .execute();
        await db.schema.createIndex('blobs_state_created').ifNotExists().on('blobs').columns(['state', 'created_at']).execute();

        await db.schema.createTable('objects').ifNotExists()
          .addColumn('file_id', ctext, (c) => c.primaryKey())
          .addColumn('tenant_id', ctext, (c) => c.notNull())
          .addColumn('bucket_id', ctext, (c) => c.notNull().references('buckets.id'))
          .addColumn('key', ctext, (c) => c.notNull())
          .addColumn('state', 'text', (c) => c.notNull())
          .addColumn('phase', 'text', (c) => c.notNull())
          .addColumn('cancelled_reason', 'text')
          .addColumn('size', 'bigint', (c) => c.notNull())
          .addColumn('etag', 'text', (c) => c.notNull())
          .addColumn('sha256', 'text')
          .addColumn('content_type', 'text', (c) => c.notNull())
          .addColumn('attributes', json, (c) => c.notNull())
          .addColumn('extents', json, (c) => c.notNull())
          .addColumn('parts_count', 'integer')
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .addColumn('updated_at', 'bigint', (c) => c.notNull())
          .addColumn('replication_safe_at', 'bigint')
          .execute();
        // One live object per key; cancelled rows stay as history. It is also the listing index.
        await db.schema.createIndex('objects_live_key').ifNotExists().unique().on('objects').columns(['bucket_id', 'key'])
          .where(sql.ref('state'), '=', 'live').execute();
        await db.schema.createIndex('objects_bucket').ifNotExists().on('objects').column('bucket_id').execute();
        await db.schema.createIndex('objects_live_tenant').ifNotExists().on('objects').column('tenant_id')
          .where(sql.ref('state'), '=', 'live').execute();

        await db.schema.createTable('uploads').ifNotExists()
          .addColumn('upload_id', ctext, (c) => c.primaryKey())
          .addColumn('tenant_id', ctext, (c) => c.notNull())
          .addColumn('bucket_id', ctext, (c) => c.notNull().references('buckets.id'))
          .addColumn('key', ctext, (c) => c.notNull())
          .addColumn('content_type', 'text', (c) => c.notNull())
          .addColumn('attributes', json, (c) => c.notNull())
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .execute();
        await db.schema.createIndex('uploads_bucket_key').ifNotExists().on('uploads').columns(['bucket_id', 'key', 'upload_id']).execute();
        await db.schema.createIndex('uploads_created').ifNotExists().on('uploads').column('created_at').execute();

        await db.schema.createTable('parts').ifNotExists()
          .addColumn('upload_id', ctext, (c) => c.notNull().references('uploads.upload_id').onDelete('cascade'))
          .addColumn('part_number', 'integer', (c) => c.notNull())
          .addColumn('blob_id', ctext, (c) => c.notNull())
          .addColumn('size', 'bigint', (c) => c.notNull())
          .addColumn('etag', 'text', (c) => c.notNull())
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .addPrimaryKeyConstraint('parts_pk', ['upload_id', 'part_number'])
          .execute();

        await db.schema.createTable('extension_migrations').ifNotExists()
          .addColumn('namespace', ctext, (c) => c.notNull())
          .addColumn('name', ctext, (c) => c.notNull())
          .addColumn('executed_at', 'bigint', (c) => c.notNull())
          .addPrimaryKeyConstraint('extension_migrations_pk', ['namespace', 'name'])
          .execute();
      },
    },
    '0002_inline_blobs': {
      // Small blobs keep their ciphertext in the row (BlobRow.inline) instead of k+m fragment files.
      async up(db: Kysely<any>) {
        // Idempotent like 0001 (SQLite DDL runs outside a transaction, so an interrupted run may have added it).
        if (pg) return void await sql`alter table blobs add column if not exists inline_data bytea`.execute(db);
        const columns = await sql<{ name: string }>`select name from pragma_table_info('blobs')`.execute(db);
        if (!columns.rows.some((c) => c.name === 'inline_data')) await sql`alter table blobs add column inline_data blob`.execute(db);
      },
    },
    '0003_part_checksums': {
      // A part keeps its verified checksums (PartRow.checksums), JSON by algorithm; rows from before have none.
      async up(db: Kysely<any>) {
        if (pg) return void await sql`alter table parts add column if not exists checksums jsonb not null default '{}'::jsonb`.execute(db);
        const columns = await sql<{ name: string }>`select name from pragma_table_info('parts')`.execute(db);
        if (!columns.rows.some((c) => c.name === 'checksums')) await sql`alter table parts add column checksums text not null default '{}'`.execute(db);
      },
    },
  };
}

export async function migrateCore(db: Kysely<Database>, pg: boolean): Promise<void> {
  const migrations = coreMigrations(pg);
  const provider: MigrationProvider = { getMigrations: async () => migrations };
  // Kysely looks its bookkeeping tables up by name in every schema unless told which one: name ours explicitly so a
  // database with several Omnigate schemas (tests, staging) never mistakes another schema's tables for ours.
  const schema = pg ? (await sql<{ schema: string }>`select current_schema() as schema`.execute(db)).rows[0]?.schema : undefined;
  if (pg && !schema) throw new StorageError('InternalError', 'The PostgreSQL search_path names no schema to create tables in');
  const migrator = new Migrator({
    db, provider,
    migrationTableName: 'core_migrations',
    migrationLockTableName: 'core_migrations_lock',
    ...(schema ? { migrationTableSchema: schema } : {}),
  });
  const { error } = await migrator.migrateToLatest();
  if (error) throw error;
}
