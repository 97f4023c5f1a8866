/**
 * The QS adapter's own tables, declared through MetadataStore.migrateExtension('qs', …) so they live beside the
 * core's on SQLite and PostgreSQL. Never edit a shipped migration: add the next one.
 *
 * - qs_sessions: one per POST /sessions; `rules` is JSON, `expires_at` is the rules' allowedUntil.
 * - qs_tokens: bearer tokens, by SHA-256 hex only (the token itself is shown once and never stored).
 * - qs_uploads: one per POST /buckets, a core multipart upload; once completed it is the session's file
 *   (`file_id`, `size`, `tags` set). Deleting the file deletes the row.
 */
import type { ExtensionMigration } from '@omnigate/core';

export function qsMigrations(): ExtensionMigration[] {
  // Ids are compared for equality only, never ordered by collation: plain text on both dialects.
  const ctext = 'text';
  return [{
    name: '0001_qs_sessions_uploads',
    async up(db) {
      await db.schema.createTable('qs_sessions').ifNotExists()
        .addColumn('id', ctext, (c) => c.primaryKey())
        .addColumn('tenant_id', ctext, (c) => c.notNull())
        .addColumn('rules', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('qs_sessions_expires').ifNotExists().on('qs_sessions').column('expires_at').execute();

      await db.schema.createTable('qs_tokens').ifNotExists()
        .addColumn('token_hash', ctext, (c) => c.primaryKey())
        .addColumn('session_id', ctext, (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('qs_tokens_expires').ifNotExists().on('qs_tokens').column('expires_at').execute();

      await db.schema.createTable('qs_uploads').ifNotExists()
        .addColumn('upload_id', ctext, (c) => c.primaryKey())
        .addColumn('session_id', ctext, (c) => c.notNull())
        .addColumn('tenant_id', ctext, (c) => c.notNull())
        .addColumn('object_key', ctext, (c) => c.notNull())
        .addColumn('encrypted_name', 'text')
        .addColumn('declared_size', 'bigint')
        .addColumn('total_parts', 'integer', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('file_id', ctext, (c) => c.unique())
        .addColumn('size', 'bigint')
        .addColumn('tags', 'text')
        .addColumn('is_public', 'integer', (c) => c.notNull())
        .addColumn('completed_at', 'bigint')
        .execute();
      await db.schema.createIndex('qs_uploads_session').ifNotExists().on('qs_uploads').columns(['session_id', 'created_at']).execute();
    },
  }];
}
