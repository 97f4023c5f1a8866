/**
 * GET|HEAD /api/v1/assets/:id/download/   (x-api-key)   → the asset's bytes
 *
 * 200, or 206 for one `Range: bytes=…` (RFC 9110 §14; several ranges or other units get the whole file, as S3
 * does; 416 with a `Content-Range` giving the size when unsatisfiable). Content-Type, Content-Length, ETag,
 * Accept-Ranges, Last-Modified and `Content-Disposition: attachment` with the asset's name (`?inline=1` for inline).
 * The bytes are the object the asset was registered with (by fileId): if its key was overwritten or deleted
 * through another protocol, the asset answers 404 AssetNotFound.
 */
import { pipeline } from 'node:stream/promises';
import type { Response, Router } from 'express';
import { parseHttpRange, resolveRange, StorageError, type ObjectInfo } from '@omnigate/core';
import { assetOf } from '../assets.js';
import type { NetiksContext } from '../context.js';
import { NetiksError } from '../errors.js';
import { abortSignal, authenticate, route } from '../http.js';
import { contentDisposition } from '../names.js';
import type { AssetRecord } from '../store/netiks-store.js';

export function registerDownloadRoute(router: Router, ctx: NetiksContext): void {
  // Express answers HEAD with the GET route; only headers are sent then.
  router.get('/api/v1/assets/:id/download/', route(ctx, async (req, res) => {
    const tenant = await authenticate(ctx, req);
    const asset = await assetOf(ctx, tenant, String(req.params.id));
    const requested = parseHttpRange(req.get('range'));
    const inline = req.query.inline === '1' || req.query.inline === 'true';
    const gone = (err: unknown) => {
      if ((err as StorageError).code === 'NoSuchKey') throw new NetiksError('AssetNotFound', 'The asset\'s file no longer exists');
      throw err;
    };
    if (req.method === 'HEAD') {
      const info = await ctx.storage.headObjectById(asset.fileId).catch(gone);
      if (info.state !== 'live') gone(new StorageError('NoSuchKey', 'gone'));
      writeHead(res, asset, info, requested ? resolveRange(requested, info.size) : undefined, inline);
      res.end();
      return;
    }
    const { info, range, body } = await ctx.storage.getObjectById(asset.fileId, { range: requested, signal: abortSignal(req, res) }).catch(gone);
    writeHead(res, asset, info, requested ? range : undefined, inline);
    await pipeline(body, res);
  }));
}

function writeHead(res: Response, asset: AssetRecord, info: ObjectInfo, range: { start: number; end: number } | undefined, inline: boolean): void {
  res.status(range ? 206 : 200);
  res.setHeader('Content-Type', info.contentType || 'application/octet-stream');
  res.setHeader('Content-Length', range ? range.end - range.start : info.size);
  res.setHeader('Content-Disposition', contentDisposition(asset.name, inline));
  res.setHeader('Accept-Ranges', 'bytes');
  res.setHeader('ETag', `"${info.etag}"`);
  res.setHeader('Last-Modified', info.lastModified.toUTCString());
  res.setHeader('Cache-Control', 'private, no-store');
  if (range) res.setHeader('Content-Range', `bytes ${range.start}-${range.end - 1}/${info.size}`);
}
