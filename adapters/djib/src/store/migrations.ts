/**
 * The Djib adapter's own tables, declared through MetadataStore.migrateExtension('djib', …) so they live beside the
 * core's on SQLite and PostgreSQL. Never edit a shipped migration: add the next one.
 *
 * - djib_nonces: handshake nonces; the signed message is stored whole. `consumed_at` makes them single-use (kept
 *   until expiry so a replay is reported as such).
 * - djib_tokens: access tokens by SHA-256 hex only, with the wallet (base58 public key) they belong to.
 * - djib_trash: one row per trashed drive path; its objects live in the wallet's trash bucket under
 *   `<deleted_at ms>/<drive key>`.
 * - djib_favorites: favourite drive paths per wallet.
 */
import type { ExtensionMigration } from '@omnigate/core';

export function djibMigrations(): ExtensionMigration[] {
  return [{
    name: '0001_djib_auth_trash_favorites',
    async up(db) {
      await db.schema.createTable('djib_nonces').ifNotExists()
        .addColumn('nonce', 'text', (c) => c.primaryKey())
        .addColumn('wallet', 'text', (c) => c.notNull())
        .addColumn('message', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .addColumn('consumed_at', 'bigint')
        .execute();
      await db.schema.createIndex('djib_nonces_wallet').ifNotExists().on('djib_nonces').columns(['wallet', 'expires_at']).execute();
      await db.schema.createTable('djib_tokens').ifNotExists()
        .addColumn('token_hash', 'text', (c) => c.primaryKey())
        .addColumn('wallet', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createTable('djib_trash').ifNotExists()
        .addColumn('wallet', 'text', (c) => c.notNull())
        .addColumn('path', 'text', (c) => c.notNull())
        .addColumn('deleted_at', 'bigint', (c) => c.notNull())
        .addColumn('is_folder', 'integer', (c) => c.notNull())
        .addColumn('size', 'bigint', (c) => c.notNull())
        .addColumn('content_type', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('djib_trash_pk', ['wallet', 'path', 'deleted_at'])
        .execute();
      await db.schema.createTable('djib_favorites').ifNotExists()
        .addColumn('wallet', 'text', (c) => c.notNull())
        .addColumn('path', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('djib_favorites_pk', ['wallet', 'path'])
        .execute();
    },
  }];
}
