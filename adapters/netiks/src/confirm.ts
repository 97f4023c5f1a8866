/**
 * Mode 2 of `developer-upload-file`: `{ "is_presigned": true, upload_id, key, … }` registers a file that was PUT
 * to its presigned URL. The storage details may be sent flat or under `storage` (as the presign call returned
 * them). Checks: the upload is this tenant's (another tenant's answers like an unknown one), every detail sent
 * matches the grant, the object exists at its key with the declared size and type. Registering is idempotent: the
 * asset id was fixed at presign time, so a second confirm finds and returns the same asset.
 */
import { StorageError, type Tenant } from '@omnigate/core';
import { registerAsset } from './assets.js';
import type { NetiksContext } from './context.js';
import { NetiksError } from './errors.js';
import { checkContentType, checkSize } from './names.js';
import type { AssetRecord } from './store/netiks-store.js';

export async function confirmUpload(ctx: NetiksContext, tenant: Tenant, body: Record<string, unknown>): Promise<{ asset: AssetRecord; created: boolean }> {
  const details = typeof body.storage === 'object' && body.storage !== null && !Array.isArray(body.storage)
    ? { ...body, ...(body.storage as Record<string, unknown>) } : body;
  const uploadId = details.upload_id;
  const key = details.key;
  if (typeof uploadId !== 'string' || typeof key !== 'string' || uploadId === '' || key === '') {
    throw new StorageError('InvalidArgument', 'upload_id and key are required: send the storage details the presign call returned');
  }
  const store = await ctx.store();
  const grant = uploadId.length <= 64 ? await store.getGrant(uploadId) : undefined;
  if (!grant || grant.tenantId !== tenant.id || grant.key !== key) {
    throw new NetiksError('UploadNotFound', 'No presigned upload with this upload_id and key');
  }
  const existing = await store.getAsset(grant.assetId);
  if (existing) return { asset: existing, created: false };

  const mismatch = (what: string) => new NetiksError('UploadMismatch', `${what} does not match the presigned upload`);
  if (details.bucket !== undefined && details.bucket !== grant.bucket) throw mismatch('bucket');
  if (details.size !== undefined && checkSize(details.size) !== grant.size) throw mismatch('size');
  if (details.content_type !== undefined && checkContentType(details.content_type) !== grant.contentType) throw mismatch('content_type');

  const info = await ctx.storage.headObject(tenant, grant.bucket, grant.key).catch((err: unknown) => {
    const code = (err as StorageError).code;
    if (code === 'NoSuchKey' || code === 'NoSuchBucket') {
      throw new NetiksError('FileNotUploaded', 'Nothing was uploaded to this presigned URL yet: PUT the file first');
    }
    throw err;
  });
  if (info.size !== grant.size) throw new NetiksError('UploadMismatch', `The stored file has ${info.size} bytes, ${grant.size} were declared`);
  if (info.contentType !== grant.contentType) throw new NetiksError('UploadMismatch', 'The stored file\'s content type is not the declared one');
  const asset = await registerAsset(ctx, tenant, info, { id: grant.assetId, name: grant.name, folder: grant.folder, uploadMode: 'presigned' });
  return { asset, created: true };
}
