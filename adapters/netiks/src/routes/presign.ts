/**
 * POST /api/v1/assets/developer-generate-presigned-url/   (x-api-key)
 *
 *   { name, content_type?, size, folder? }                    → one PresignedFile
 *   { files: [{ name, content_type?, size, folder? }, …] }    → { files: [PresignedFile, …] }   (bulk)
 *
 * Each file gets a SigV4 presigned PUT URL (the core's `presignUrl`, signed with the tenant's own access key and
 * secret) pointing at this router's `/uploads/<bucket>/<asset uuid>/<name>`, with `host;content-type` signed and
 * X-Amz-Expires = presignExpirySeconds (900). Grants are recorded first, so every URL handed out is known. The
 * call is all-or-nothing: one invalid file refuses the whole request. See README.md, "Presigned uploads".
 */
import { randomUUID } from 'node:crypto';
import type { Router } from 'express';
import { presignUrl, StorageError } from '@omnigate/core';
import type { NetiksContext } from '../context.js';
import { NetiksError } from '../errors.js';
import { authenticate, readJsonObject, route, sendJson } from '../http.js';
import { tooLarge } from '../multipart.js';
import { assetKey, checkContentType, checkFolder, checkName, checkSize, encodeKeyPath } from '../names.js';
import type { GrantRecord } from '../store/netiks-store.js';

export interface PresignedFile {
  upload_id: string;
  name: string;
  method: 'PUT';
  url: string;
  /** Headers the PUT must carry exactly (they are signed). */
  headers: { 'Content-Type': string };
  expires_in: number;
  expires_at: string;
  /** What Mode 2 (confirm) needs; it may be POSTed as is to developer-upload-file. */
  storage: { is_presigned: true; upload_id: string; bucket: string; key: string; size: number; content_type: string };
}

export function registerPresignRoute(router: Router, ctx: NetiksContext): void {
  router.post('/api/v1/assets/developer-generate-presigned-url/', route(ctx, async (req, res) => {
    const tenant = await authenticate(ctx, req);
    const body = await readJsonObject(req, ctx.options.maxJsonBytes);
    const bulk = body.files !== undefined;
    if (bulk && !Array.isArray(body.files)) throw new StorageError('InvalidArgument', 'files must be an array of { name, content_type, size }');
    const specs: unknown[] = bulk ? body.files as unknown[] : [body];
    const max = ctx.options.maxFilesPerPresign;
    if (specs.length === 0) throw new StorageError('InvalidArgument', 'files must name at least one file');
    if (specs.length > max) throw new NetiksError('TooManyFiles', `At most ${max} files per call`);
    const files = specs.map((spec, i) => parseFile(spec, bulk ? `files[${i}].` : '', ctx.options.maxFileSize));

    const credentials = await ctx.storage.tenants.findByAccessKey(tenant.accessKey);
    if (!credentials) throw new StorageError('InternalError', 'The tenant has no access key to sign with');
    const bucket = await ctx.ensureBucket(tenant);
    // X-Amz-Date has whole seconds: the grant expires exactly when the signature does.
    const signedAt = Math.floor(ctx.now() / 1000) * 1000;
    const ttl = ctx.options.presignExpirySeconds;
    const grants: GrantRecord[] = files.map((f) => {
      const assetId = randomUUID();
      return {
        id: randomUUID(), tenantId: tenant.id, assetId, bucket, key: assetKey(assetId, f.name), name: f.name, folder: f.folder,
        contentType: f.contentType, size: f.size, state: 'issued', fileId: null, createdAt: ctx.now(), expiresAt: signedAt + ttl * 1000,
      };
    });
    const store = await ctx.store();
    await store.deleteUnusedGrants(signedAt - 24 * 3600_000).catch(() => 0); // housekeeping, best effort
    await store.insertGrants(grants);

    const base = ctx.baseUrl(req);
    const answers = grants.map((g): PresignedFile => ({
      upload_id: g.id,
      name: g.name,
      method: 'PUT',
      url: presignUrl({
        method: 'PUT', url: `${base}/uploads/${g.bucket}/${encodeKeyPath(g.key)}`, accessKey: tenant.accessKey, secretKey: credentials.secretKey,
        region: ctx.options.region, expiresInSeconds: ttl, signedHeaders: { 'content-type': g.contentType }, now: new Date(signedAt),
      }),
      headers: { 'Content-Type': g.contentType },
      expires_in: ttl,
      expires_at: new Date(g.expiresAt).toISOString(),
      storage: { is_presigned: true, upload_id: g.id, bucket: g.bucket, key: g.key, size: g.size, content_type: g.contentType },
    }));
    sendJson(res, 200, bulk ? { files: answers } : answers[0]);
  }));
}

function parseFile(spec: unknown, at: string, maxFileSize: number): { name: string; contentType: string; size: number; folder: string | null } {
  if (typeof spec !== 'object' || spec === null || Array.isArray(spec)) throw new StorageError('InvalidArgument', `${at || 'the body'} must be an object`);
  const s = spec as Record<string, unknown>;
  const name = checkName(s.name ?? s.file_name, `${at}name`);
  const size = checkSize(s.size, `${at}size`);
  if (size > maxFileSize) throw tooLarge(maxFileSize);
  return { name, size, contentType: checkContentType(s.content_type, `${at}content_type`), folder: checkFolder(s.folder) };
}
