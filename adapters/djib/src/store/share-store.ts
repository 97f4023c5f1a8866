/** Queries over djib_shares and djib_share_recipients (see migrations.ts). */
import type { MetadataStore } from '@omnigate/core';

type Db = MetadataStore['db'];

export interface ShareRow { code: string; owner: string; path: string; passwordHash: string | null; email: string | null; createdAt: number }
export interface RecipientRow { wallet: string; code: string; hidden: boolean; addedAt: number }

const toShare = (r: Record<string, unknown>): ShareRow => ({
  code: r.code as string, owner: r.owner as string, path: r.path as string, passwordHash: (r.password_hash as string | null) ?? null,
  email: (r.email as string | null) ?? null, createdAt: Number(r.created_at),
});

export class ShareStore {
  constructor(private readonly db: Db) {}

  async insert(row: ShareRow): Promise<void> {
    await this.db.insertInto('djib_shares').values({
      code: row.code, owner: row.owner, path: row.path, password_hash: row.passwordHash, email: row.email, created_at: row.createdAt,
    }).execute();
  }

  async get(code: string): Promise<ShareRow | undefined> {
    const r = await this.db.selectFrom('djib_shares').selectAll().where('code', '=', code).executeTakeFirst();
    return r && toShare(r);
  }

  /** The owner's shares of `path` exactly, or of every path when `path` is undefined. */
  async byOwner(owner: string, path?: string): Promise<ShareRow[]> {
    let q = this.db.selectFrom('djib_shares').selectAll().where('owner', '=', owner);
    if (path !== undefined) q = q.where('path', '=', path);
    return (await q.orderBy('created_at').orderBy('code').execute()).map(toShare);
  }

  async byEmail(email: string): Promise<ShareRow[]> {
    return (await this.db.selectFrom('djib_shares').selectAll().where('email', '=', email).orderBy('created_at').execute()).map(toShare);
  }

  async delete(codes: readonly string[]): Promise<void> {
    if (codes.length === 0) return;
    await this.db.deleteFrom('djib_share_recipients').where('code', 'in', codes).execute();
    await this.db.deleteFrom('djib_shares').where('code', 'in', codes).execute();
  }

  /** Follows a move/rename: shares of `from` or below it now point under `to`. */
  async move(owner: string, from: string, to: string): Promise<void> {
    for (const s of await this.byOwner(owner)) {
      if (s.path !== from && !s.path.startsWith(from + '/')) continue;
      await this.db.updateTable('djib_shares').set({ path: to + s.path.slice(from.length) }).where('code', '=', s.code).execute();
    }
  }

  /** moveTrash: shares of `path` or below it end, so a new object later put at that path is not exposed by them. */
  async deleteUnder(owner: string, path: string): Promise<void> {
    await this.delete((await this.byOwner(owner)).filter((s) => s.path === path || s.path.startsWith(path + '/')).map((s) => s.code));
  }

  async recipients(wallet: string): Promise<RecipientRow[]> {
    const rows = await this.db.selectFrom('djib_share_recipients').selectAll().where('wallet', '=', wallet).execute();
    return rows.map((r) => ({ wallet: r.wallet as string, code: r.code as string, hidden: Number(r.hidden) === 1, addedAt: Number(r.added_at) }));
  }

  /** Records that `wallet` opened the share (and un-hides it). */
  async addRecipient(wallet: string, code: string, now: number): Promise<void> {
    const r = await this.db.updateTable('djib_share_recipients').set({ hidden: 0 }).where('wallet', '=', wallet).where('code', '=', code).executeTakeFirst();
    if (Number(r.numUpdatedRows) === 0) await this.db.insertInto('djib_share_recipients').values({ wallet, code, hidden: 0, added_at: now }).execute();
  }

  /** rmSharedWithMe: hides the share from `wallet` (an email share would otherwise come back). */
  async hide(wallet: string, code: string, now: number): Promise<void> {
    const r = await this.db.updateTable('djib_share_recipients').set({ hidden: 1 }).where('wallet', '=', wallet).where('code', '=', code).executeTakeFirst();
    if (Number(r.numUpdatedRows) === 0) await this.db.insertInto('djib_share_recipients').values({ wallet, code, hidden: 1, added_at: now }).execute();
  }

  /** destroyDrive: the wallet's own shares and what it received. */
  async forgetWallet(wallet: string): Promise<void> {
    await this.delete((await this.byOwner(wallet)).map((s) => s.code));
    await this.db.deleteFrom('djib_share_recipients').where('wallet', '=', wallet).execute();
  }
}
