/** The asset JSON every Netiks call answers with (README.md, "Asset"). */
import type { Request } from 'express';
import type { NetiksContext } from './context.js';
import type { AssetRecord } from './store/netiks-store.js';

export interface AssetView {
  id: string;
  name: string;
  folder: string | null;
  bucket: string;
  key: string;
  size: number;
  content_type: string;
  /** Hex MD5 of the bytes, as S3's ETag (without quotes). */
  etag: string;
  checksum: { md5: string; sha256: string | null };
  file_id: string;
  upload_mode: 'direct' | 'presigned';
  /** GET it with the same x-api-key; Range is honoured. */
  download_url: string;
  created_at: string;
}

export function assetView(ctx: NetiksContext, req: Request, a: AssetRecord): AssetView {
  return {
    id: a.id,
    name: a.name,
    folder: a.folder,
    bucket: a.bucket,
    key: a.key,
    size: a.size,
    content_type: a.contentType,
    etag: a.etag,
    checksum: { md5: a.etag, sha256: a.sha256 },
    file_id: a.fileId,
    upload_mode: a.uploadMode,
    download_url: `${ctx.baseUrl(req)}/api/v1/assets/${a.id}/download/`,
    created_at: new Date(a.createdAt).toISOString(),
  };
}
