/** Queries over the Djib tables (see migrations.ts), through the metadata store's Kysely instance. */
import type { MetadataStore } from '@omnigate/core';
import { djibMigrations } from './migrations.js';
import { ProfileStore } from './profile-store.js';
import { PublicStore } from './public-store.js';
import { ShareStore } from './share-store.js';

export interface NonceRow { nonce: string; wallet: string; message: string; expiresAt: number; consumedAt: number | null }
export interface TrashRow { wallet: string; path: string; deletedAt: number; isFolder: boolean; size: number; contentType: string; createdAt: number }

export class DjibStore {
  readonly shares: ShareStore;
  readonly profiles: ProfileStore;
  readonly publics: PublicStore;

  private constructor(private readonly db: MetadataStore['db']) {
    this.shares = new ShareStore(db);
    this.profiles = new ProfileStore(db);
    this.publics = new PublicStore(db);
  }

  static async open(metadata: MetadataStore): Promise<DjibStore> {
    await metadata.migrateExtension('djib', djibMigrations());
    return new DjibStore(metadata.db);
  }

  async insertNonce(row: NonceRow): Promise<void> {
    await this.db.insertInto('djib_nonces').values({ nonce: row.nonce, wallet: row.wallet, message: row.message, expires_at: row.expiresAt, consumed_at: null }).execute();
  }

  /** The wallet's newest nonces (expired and consumed ones included, until swept). */
  async noncesOf(wallet: string, limit = 32): Promise<NonceRow[]> {
    const rows = await this.db.selectFrom('djib_nonces').selectAll().where('wallet', '=', wallet).orderBy('expires_at', 'desc').limit(limit).execute();
    return rows.map((r) => ({ nonce: r.nonce, wallet: r.wallet, message: r.message, expiresAt: Number(r.expires_at), consumedAt: r.consumed_at === null ? null : Number(r.consumed_at) }));
  }

  /** Marks a nonce used; false when another request used it first (single use, even under races). */
  async consumeNonce(nonce: string, now: number): Promise<boolean> {
    const r = await this.db.updateTable('djib_nonces').set({ consumed_at: now }).where('nonce', '=', nonce).where('consumed_at', 'is', null).executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  async sweep(now: number): Promise<void> {
    await this.db.deleteFrom('djib_nonces').where('expires_at', '<', now - 3600_000).execute();
    await this.db.deleteFrom('djib_tokens').where('expires_at', '<', now).execute();
  }

  async insertToken(tokenHash: string, wallet: string, createdAt: number, expiresAt: number): Promise<void> {
    await this.db.insertInto('djib_tokens').values({ token_hash: tokenHash, wallet, created_at: createdAt, expires_at: expiresAt }).execute();
  }

  async findToken(tokenHash: string): Promise<{ wallet: string; expiresAt: number } | undefined> {
    const r = await this.db.selectFrom('djib_tokens').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst();
    return r && { wallet: r.wallet, expiresAt: Number(r.expires_at) };
  }

  async insertTrash(row: TrashRow): Promise<void> {
    await this.db.insertInto('djib_trash').values({
      wallet: row.wallet, path: row.path, deleted_at: row.deletedAt, is_folder: row.isFolder ? 1 : 0, size: row.size, content_type: row.contentType, created_at: row.createdAt,
    }).execute();
  }

  async listTrash(wallet: string): Promise<TrashRow[]> {
    const rows = await this.db.selectFrom('djib_trash').selectAll().where('wallet', '=', wallet).orderBy('deleted_at', 'desc').orderBy('path').execute();
    return rows.map((r) => ({ wallet: r.wallet, path: r.path, deletedAt: Number(r.deleted_at), isFolder: Number(r.is_folder) === 1, size: Number(r.size), contentType: r.content_type, createdAt: Number(r.created_at) }));
  }

  async deleteTrash(wallet: string, path: string, deletedAt: number): Promise<void> {
    await this.db.deleteFrom('djib_trash').where('wallet', '=', wallet).where('path', '=', path).where('deleted_at', '=', deletedAt).execute();
  }

  async setFavorite(wallet: string, path: string, now: number): Promise<void> {
    const existing = await this.db.selectFrom('djib_favorites').select('path').where('wallet', '=', wallet).where('path', '=', path).executeTakeFirst();
    if (!existing) await this.db.insertInto('djib_favorites').values({ wallet, path, created_at: now }).execute();
  }

  async unsetFavorite(wallet: string, path: string): Promise<void> {
    await this.db.deleteFrom('djib_favorites').where('wallet', '=', wallet).where('path', '=', path).execute();
  }

  async favorites(wallet: string): Promise<string[]> {
    const rows = await this.db.selectFrom('djib_favorites').select('path').where('wallet', '=', wallet).orderBy('path').execute();
    return rows.map((r) => r.path as string);
  }

  /** moveTrash: favourites of `path` or below it. */
  async unsetFavoritesUnder(wallet: string, path: string): Promise<void> {
    for (const p of await this.favorites(wallet)) if (p === path || p.startsWith(path + '/')) await this.unsetFavorite(wallet, p);
  }

  /** Follows a move/rename: favourites at `from` or below it now point under `to`. */
  async moveFavorites(wallet: string, from: string, to: string): Promise<void> {
    for (const path of await this.favorites(wallet)) {
      if (path !== from && !path.startsWith(from + '/')) continue;
      await this.unsetFavorite(wallet, path);
      await this.setFavorite(wallet, to + path.slice(from.length), Date.now());
    }
  }

  /** destroyDrive: trash entries, favourites and shares of the wallet (profile, tokens and published files stay). */
  async forgetDrive(wallet: string): Promise<void> {
    await this.db.deleteFrom('djib_trash').where('wallet', '=', wallet).execute();
    await this.db.deleteFrom('djib_favorites').where('wallet', '=', wallet).execute();
    await this.shares.forgetWallet(wallet);
  }
}
