/** Queries over djib_profiles (see migrations.ts). */
import type { MetadataStore } from '@omnigate/core';

type Db = MetadataStore['db'];

export interface ProfileRow {
  wallet: string;
  email: string | null;
  name: string | null;
  avatar: string | null;
  confirmed: boolean;
  confirmHash: string | null;
  confirmExpiresAt: number | null;
}

const toProfile = (r: Record<string, unknown>): ProfileRow => ({
  wallet: r.wallet as string, email: (r.email as string | null) ?? null, name: (r.name as string | null) ?? null,
  avatar: (r.avatar as string | null) ?? null, confirmed: Number(r.confirmed) === 1, confirmHash: (r.confirm_hash as string | null) ?? null,
  confirmExpiresAt: r.confirm_expires_at === null || r.confirm_expires_at === undefined ? null : Number(r.confirm_expires_at),
});

export class ProfileStore {
  constructor(private readonly db: Db) {}

  async get(wallet: string): Promise<ProfileRow | undefined> {
    const r = await this.db.selectFrom('djib_profiles').selectAll().where('wallet', '=', wallet).executeTakeFirst();
    return r && toProfile(r);
  }

  async put(row: ProfileRow, now: number): Promise<void> {
    const values = {
      wallet: row.wallet, email: row.email, name: row.name, avatar: row.avatar, confirmed: row.confirmed ? 1 : 0,
      confirm_hash: row.confirmHash, confirm_expires_at: row.confirmExpiresAt, updated_at: now,
    };
    const { wallet: _w, ...patch } = values;
    await this.db.insertInto('djib_profiles').values(values).onConflict((oc) => oc.column('wallet').doUpdateSet(patch)).execute();
  }

  async byConfirmHash(hash: string): Promise<ProfileRow | undefined> {
    const r = await this.db.selectFrom('djib_profiles').selectAll().where('confirm_hash', '=', hash).executeTakeFirst();
    return r && toProfile(r);
  }

  /** Wallets whose confirmed email is `email` (sharing by email reaches them). */
  async confirmedEmailOf(wallet: string): Promise<string | undefined> {
    const p = await this.get(wallet);
    return p?.confirmed && p.email ? p.email : undefined;
  }

  /** The wallet shown as a share's owner: its confirmed email, else its public key. */
  async ownerLabel(wallet: string): Promise<string> {
    return (await this.confirmedEmailOf(wallet)) ?? wallet;
  }
}
