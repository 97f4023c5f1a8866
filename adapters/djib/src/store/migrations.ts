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
 * - djib_shares: shareObject records by link code: owner wallet, drive path, scrypt hash of the optional password,
 *   optional recipient email. djib_share_recipients: which wallets opened a share (getSharedByLink, or the password
 *   given to lsShareWithMe) and which hid it (rmSharedWithMe).
 * - djib_profiles: getProfile/setProfile data; the email confirmation token by SHA-256 only.
 * - djib_public: files a wallet published with shareFromDrive: the CID and the public copy's file id (the copy lives
 *   in the tenant's public bucket, so it outlives moves, trash and destroyDrive).
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
  }, {
    name: '0002_djib_shares_profiles_public',
    async up(db) {
      await db.schema.createTable('djib_shares').ifNotExists()
        .addColumn('code', 'text', (c) => c.primaryKey())
        .addColumn('owner', 'text', (c) => c.notNull())
        .addColumn('path', 'text', (c) => c.notNull())
        .addColumn('password_hash', 'text')
        .addColumn('email', 'text')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('djib_shares_owner').ifNotExists().on('djib_shares').columns(['owner', 'path']).execute();
      await db.schema.createIndex('djib_shares_email').ifNotExists().on('djib_shares').column('email').execute();
      await db.schema.createTable('djib_share_recipients').ifNotExists()
        .addColumn('wallet', 'text', (c) => c.notNull())
        .addColumn('code', 'text', (c) => c.notNull())
        .addColumn('hidden', 'integer', (c) => c.notNull())
        .addColumn('added_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('djib_share_recipients_pk', ['wallet', 'code'])
        .execute();
      await db.schema.createTable('djib_profiles').ifNotExists()
        .addColumn('wallet', 'text', (c) => c.primaryKey())
        .addColumn('email', 'text')
        .addColumn('name', 'text')
        .addColumn('avatar', 'text')
        .addColumn('confirmed', 'integer', (c) => c.notNull())
        .addColumn('confirm_hash', 'text')
        .addColumn('confirm_expires_at', 'bigint')
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('djib_profiles_confirm').ifNotExists().on('djib_profiles').column('confirm_hash').execute();
      await db.schema.createTable('djib_public').ifNotExists()
        .addColumn('wallet', 'text', (c) => c.notNull())
        .addColumn('cid', 'text', (c) => c.notNull())
        .addColumn('file_id', 'text', (c) => c.notNull())
        .addColumn('source_file_id', 'text', (c) => c.notNull())
        .addColumn('file_name', 'text', (c) => c.notNull())
        .addColumn('size', 'bigint', (c) => c.notNull())
        .addColumn('content_type', 'text', (c) => c.notNull())
        .addColumn('drive_path', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('djib_public_pk', ['wallet', 'file_id'])
        .execute();
    },
  }];
}
