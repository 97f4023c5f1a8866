/** Queries over the Netiks tables (see migrations.ts), through the metadata store's Kysely instance. */
import type { MetadataStore } from '@omnigate/core';
import { netiksMigrations } from './migrations.js';

export interface AssetRecord {
  id: string;
  tenantId: string;
  bucket: string;
  key: string;
  name: string;
  folder: string | null;
  size: number;
  contentType: string;
  etag: string;
  sha256: string | null;
  fileId: string;
  uploadMode: 'direct' | 'presigned';
  createdAt: number;
}

export type GrantState = 'issued' | 'uploading' | 'uploaded';

export interface GrantRecord {
  id: string;
  tenantId: string;
  assetId: string;
  bucket: string;
  key: string;
  name: string;
  folder: string | null;
  contentType: string;
  size: number;
  state: GrantState;
  fileId: string | null;
  createdAt: number;
  expiresAt: number;
}

export class NetiksStore {
  private constructor(private readonly db: MetadataStore['db']) {}

  static async open(metadata: MetadataStore): Promise<NetiksStore> {
    await metadata.migrateExtension('netiks', netiksMigrations());
    return new NetiksStore(metadata.db);
  }

  // Assets

  async insertAsset(a: AssetRecord): Promise<void> {
    await this.db.insertInto('netiks_assets').values({
      id: a.id, tenant_id: a.tenantId, bucket: a.bucket, object_key: a.key, name: a.name, folder: a.folder, size: a.size,
      content_type: a.contentType, etag: a.etag, sha256: a.sha256, file_id: a.fileId, upload_mode: a.uploadMode, created_at: a.createdAt,
    }).execute();
  }

  async getAsset(id: string): Promise<AssetRecord | undefined> {
    const r = await this.db.selectFrom('netiks_assets').selectAll().where('id', '=', id).executeTakeFirst();
    return r && toAsset(r);
  }

  /** A tenant's assets, newest first, one page; `folder` narrows to one folder. */
  async listAssets(tenantId: string, options: { offset: number; limit: number; folder?: string }): Promise<{ total: number; assets: AssetRecord[] }> {
    let base = this.db.selectFrom('netiks_assets').where('tenant_id', '=', tenantId);
    if (options.folder !== undefined) base = base.where('folder', '=', options.folder);
    const counted = await base.select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow();
    const rows = await base.selectAll().orderBy('created_at', 'desc').orderBy('id', 'desc').limit(options.limit).offset(options.offset).execute();
    return { total: Number(counted.n), assets: rows.map(toAsset) };
  }

  async deleteAsset(id: string): Promise<void> {
    await this.db.deleteFrom('netiks_assets').where('id', '=', id).execute();
  }

  // Presign grants

  async insertGrants(grants: readonly GrantRecord[]): Promise<void> {
    if (grants.length === 0) return;
    await this.db.insertInto('netiks_grants').values(grants.map((g) => ({
      id: g.id, tenant_id: g.tenantId, asset_id: g.assetId, bucket: g.bucket, object_key: g.key, name: g.name, folder: g.folder,
      content_type: g.contentType, size: g.size, state: g.state, file_id: g.fileId, created_at: g.createdAt, expires_at: g.expiresAt,
    }))).execute();
  }

  async getGrant(id: string): Promise<GrantRecord | undefined> {
    const r = await this.db.selectFrom('netiks_grants').selectAll().where('id', '=', id).executeTakeFirst();
    return r && toGrant(r);
  }

  async findGrantByKey(tenantId: string, bucket: string, key: string): Promise<GrantRecord | undefined> {
    const r = await this.db.selectFrom('netiks_grants').selectAll()
      .where('tenant_id', '=', tenantId).where('bucket', '=', bucket).where('object_key', '=', key).executeTakeFirst();
    return r && toGrant(r);
  }

  /** Takes an issued, unexpired grant for one PUT: one conditional UPDATE, so of two racing PUTs exactly one wins. */
  async claimGrant(id: string, now: number): Promise<boolean> {
    const result = await this.db.updateTable('netiks_grants').set({ state: 'uploading' })
      .where('id', '=', id).where('state', '=', 'issued').where('expires_at', '>=', now).executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  /** After the PUT: `uploaded` with the stored object's fileId, or back to `issued` for another try. */
  async finishGrant(id: string, fileId: string | null): Promise<void> {
    await this.db.updateTable('netiks_grants').set(fileId ? { state: 'uploaded', file_id: fileId } : { state: 'issued' })
      .where('id', '=', id).where('state', '=', 'uploading').execute();
  }

  /** Forgets grants that expired before `before` and were never used (the URLs are dead anyway). */
  async deleteUnusedGrants(before: number): Promise<number> {
    const result = await this.db.deleteFrom('netiks_grants').where('state', '=', 'issued').where('expires_at', '<', before).executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}

function toAsset(r: Record<string, any>): AssetRecord {
  return {
    id: r.id, tenantId: r.tenant_id, bucket: r.bucket, key: r.object_key, name: r.name, folder: r.folder ?? null, size: Number(r.size),
    contentType: r.content_type, etag: r.etag, sha256: r.sha256 ?? null, fileId: r.file_id, uploadMode: r.upload_mode, createdAt: Number(r.created_at),
  };
}

function toGrant(r: Record<string, any>): GrantRecord {
  return {
    id: r.id, tenantId: r.tenant_id, assetId: r.asset_id, bucket: r.bucket, key: r.object_key, name: r.name, folder: r.folder ?? null,
    contentType: r.content_type, size: Number(r.size), state: r.state, fileId: r.file_id ?? null, createdAt: Number(r.created_at),
    expiresAt: Number(r.expires_at),
  };
}
