/**
 * The Netiks adapter's own tables, declared through MetadataStore.migrateExtension('netiks', …) so they live beside
 * the core's on SQLite and PostgreSQL. Never edit a shipped migration: add the next one. Times are ms since the epoch.
 *
 * - netiks_assets: one row per registered asset (multipart upload, or a confirmed presigned upload). `file_id` is
 *   the core object the asset is bound to: if the key is later overwritten or deleted through another protocol,
 *   the asset's bytes are gone (download answers 404).
 * - netiks_grants: one row per presigned PUT URL handed out. `state` goes issued → uploading (a PUT is streaming;
 *   set by one conditional UPDATE, so two PUTs cannot both win) → uploaded (the object is stored; the URL is used
 *   up). A failed PUT goes back to issued. `asset_id` is the id the confirmed asset gets, so confirming twice finds
 *   the same asset.
 */
import type { ExtensionMigration } from '@omnigate/core';

export function netiksMigrations(): ExtensionMigration[] {
  return [{
    name: '0001_netiks_assets_grants',
    async up(db) {
      await db.schema.createTable('netiks_assets').ifNotExists()
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('tenant_id', 'text', (c) => c.notNull())
        .addColumn('bucket', 'text', (c) => c.notNull())
        .addColumn('object_key', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('folder', 'text')
        .addColumn('size', 'bigint', (c) => c.notNull())
        .addColumn('content_type', 'text', (c) => c.notNull())
        .addColumn('etag', 'text', (c) => c.notNull())
        .addColumn('sha256', 'text')
        .addColumn('file_id', 'text', (c) => c.notNull().unique())
        .addColumn('upload_mode', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('netiks_assets_tenant_created').ifNotExists().on('netiks_assets')
        .columns(['tenant_id', 'created_at', 'id']).execute();

      await db.schema.createTable('netiks_grants').ifNotExists()
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('tenant_id', 'text', (c) => c.notNull())
        .addColumn('asset_id', 'text', (c) => c.notNull().unique())
        .addColumn('bucket', 'text', (c) => c.notNull())
        .addColumn('object_key', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('folder', 'text')
        .addColumn('content_type', 'text', (c) => c.notNull())
        .addColumn('size', 'bigint', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('file_id', 'text')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('netiks_grants_key').ifNotExists().unique().on('netiks_grants')
        .columns(['tenant_id', 'bucket', 'object_key']).execute();
      await db.schema.createIndex('netiks_grants_expires').ifNotExists().on('netiks_grants').column('expires_at').execute();
    },
  }];
}
