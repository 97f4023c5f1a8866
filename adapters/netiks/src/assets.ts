/**
 * Registering and finding assets. An asset row is written only after its object is stored; if writing the row
 * fails the object is deleted again, so a failed upload leaves neither (nothing half stored).
 */
import type { ObjectInfo, StorageError, Tenant } from '@omnigate/core';
import type { NetiksContext } from './context.js';
import { NetiksError } from './errors.js';
import type { AssetRecord } from './store/netiks-store.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export async function registerAsset(
  ctx: NetiksContext, tenant: Tenant, info: ObjectInfo,
  fields: { id: string; name: string; folder: string | null; uploadMode: AssetRecord['uploadMode'] },
): Promise<AssetRecord> {
  const store = await ctx.store();
  const asset: AssetRecord = {
    id: fields.id, tenantId: tenant.id, bucket: info.bucket, key: info.key, name: fields.name, folder: fields.folder,
    size: info.size, contentType: info.contentType, etag: info.etag, sha256: info.sha256, fileId: info.fileId,
    uploadMode: fields.uploadMode, createdAt: ctx.now(),
  };
  try {
    await store.insertAsset(asset);
    return asset;
  } catch (err) {
    // Lost a race with a concurrent confirm of the same upload: its row is the asset.
    const existing = await store.getAsset(asset.id).catch(() => undefined);
    if (existing && existing.tenantId === tenant.id && existing.fileId === info.fileId) return existing;
    throw err;
  }
}

/** Deletes the object an upload stored, when the asset could not be registered. Never throws. */
export async function discardObject(ctx: NetiksContext, tenant: Tenant, info: ObjectInfo): Promise<void> {
  try {
    const current = await ctx.storage.headObject(tenant, info.bucket, info.key);
    if (current.fileId === info.fileId) await ctx.storage.deleteObject(tenant, info.bucket, info.key);
  } catch (err) {
    if ((err as StorageError).code !== 'NoSuchKey') ctx.options.logger.error({ err, fileId: info.fileId }, 'netiks: discarding an unregistered object failed');
  }
}

/** The tenant's asset with this id; another tenant's answers exactly like a missing one. */
export async function assetOf(ctx: NetiksContext, tenant: Tenant, id: string): Promise<AssetRecord> {
  const store = await ctx.store();
  const asset = UUID.test(id) ? await store.getAsset(id.toLowerCase()) : undefined;
  if (!asset || asset.tenantId !== tenant.id) throw new NetiksError('AssetNotFound', 'No such asset');
  return asset;
}
