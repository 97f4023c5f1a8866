/**
 * The ZiB adapter's own tables, declared through MetadataStore.migrateExtension('zib', …) so they live beside the
 * core's on SQLite and PostgreSQL. Never edit a shipped migration: add the next one.
 *
 * - zib_registrations: one per POST /v1/api/upload/initiate: the one-time upload capability (its token by SHA-256
 *   hex only), the per-file key sealed under the KEK, the per-file webhook override and the events already emitted.
 * - zib_customers: the customer-default webhook URL and its secret (sealed: it must be recovered to sign).
 * - zib_outbox: webhook deliveries, durable: the exact body signed, attempts and the next attempt time.
 */
import type { ExtensionMigration } from '@omnigate/core';

export function zibMigrations(): ExtensionMigration[] {
  return [{
    name: '0001_zib_registrations_customers_outbox',
    async up(db) {
      await db.schema.createTable('zib_registrations').ifNotExists()
        .addColumn('file_id', 'text', (c) => c.primaryKey())
        .addColumn('token_hash', 'text', (c) => c.notNull().unique())
        .addColumn('tenant_id', 'text', (c) => c.notNull())
        .addColumn('bucket', 'text', (c) => c.notNull())
        .addColumn('object_key', 'text', (c) => c.notNull())
        .addColumn('file_size', 'bigint', (c) => c.notNull())
        .addColumn('content_type', 'text', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('upload_id', 'text')
        .addColumn('part_size', 'bigint', (c) => c.notNull())
        .addColumn('part_count', 'integer', (c) => c.notNull())
        .addColumn('sealed_key', 'text', (c) => c.notNull())
        .addColumn('webhook_url', 'text')
        .addColumn('webhook_secret', 'text')
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('cancelled_reason', 'text')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .addColumn('completed_at', 'bigint')
        .addColumn('replicated_sent', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('failed_sent', 'integer', (c) => c.notNull().defaultTo(0))
        .execute();
      await db.schema.createIndex('zib_registrations_state').ifNotExists().on('zib_registrations').columns(['state', 'file_id']).execute();

      await db.schema.createTable('zib_customers').ifNotExists()
        .addColumn('tenant_id', 'text', (c) => c.primaryKey())
        .addColumn('webhook_url', 'text')
        .addColumn('webhook_secret', 'text')
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();

      await db.schema.createTable('zib_outbox').ifNotExists()
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('tenant_id', 'text', (c) => c.notNull())
        .addColumn('file_id', 'text', (c) => c.notNull())
        .addColumn('event', 'text', (c) => c.notNull())
        .addColumn('url', 'text', (c) => c.notNull())
        .addColumn('secret', 'text', (c) => c.notNull())
        .addColumn('body', 'text', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('attempts', 'integer', (c) => c.notNull())
        .addColumn('next_attempt_at', 'bigint', (c) => c.notNull())
        .addColumn('last_error', 'text')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('delivered_at', 'bigint')
        .execute();
      await db.schema.createIndex('zib_outbox_due').ifNotExists().on('zib_outbox').columns(['state', 'next_attempt_at']).execute();
    },
  }];
}
