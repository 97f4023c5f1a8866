/** Queries over djib_public (see migrations.ts). Rows are kept by destroyDrive: published files outlive the drive. */
import type { MetadataStore } from '@omnigate/core';

type Db = MetadataStore['db'];

export interface PublicRow {
  wallet: string;
  cid: string;
  /** The public copy's file id (what /ipfs/<cid> serves). */
  fileId: string;
  /** The drive object it was copied from (lsDrive shows public_link while that version is the live one). */
  sourceFileId: string;
  fileName: string;
  size: number;
  contentType: string;
  drivePath: string;
  createdAt: number;
}

const toPublic = (r: Record<string, unknown>): PublicRow => ({
  wallet: r.wallet as string, cid: r.cid as string, fileId: r.file_id as string, sourceFileId: r.source_file_id as string,
  fileName: r.file_name as string, size: Number(r.size), contentType: r.content_type as string, drivePath: r.drive_path as string,
  createdAt: Number(r.created_at),
});

export class PublicStore {
  constructor(private readonly db: Db) {}

  async insert(row: PublicRow): Promise<void> {
    await this.db.insertInto('djib_public').values({
      wallet: row.wallet, cid: row.cid, file_id: row.fileId, source_file_id: row.sourceFileId, file_name: row.fileName,
      size: row.size, content_type: row.contentType, drive_path: row.drivePath, created_at: row.createdAt,
    }).execute();
  }

  async byWallet(wallet: string): Promise<PublicRow[]> {
    const rows = await this.db.selectFrom('djib_public').selectAll().where('wallet', '=', wallet).orderBy('created_at').orderBy('file_id').execute();
    return rows.map(toPublic);
  }

  async bySource(wallet: string, sourceFileId: string): Promise<PublicRow | undefined> {
    const r = await this.db.selectFrom('djib_public').selectAll().where('wallet', '=', wallet).where('source_file_id', '=', sourceFileId).executeTakeFirst();
    return r && toPublic(r);
  }

  /** Any row for this CID (savePublic takes its file name from it). */
  async byCid(cid: string): Promise<PublicRow | undefined> {
    const r = await this.db.selectFrom('djib_public').selectAll().where('cid', '=', cid).orderBy('created_at', 'desc').executeTakeFirst();
    return r && toPublic(r);
  }
}
