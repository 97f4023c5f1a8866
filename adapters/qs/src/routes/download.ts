/**
 * GET|HEAD /download/:fileId?expires=…&signature=…   (the URL GET /buckets/download/:fileId issues)
 *
 * No bearer token: the signature is the capability (download-links.ts). Range requests are served.
 */
import type { Router } from 'express';
import type { QsContext } from '../context.js';
import { verifyDownload } from '../download-links.js';
import { route } from '../http.js';
import { serveObject } from '../serve-object.js';

export function registerDownloadRoute(router: Router, ctx: QsContext): void {
  // Express answers HEAD with the GET route; serveObject then sends the headers only.
  router.get('/download/:fileId', route(ctx, async (req, res) => {
    const fileId = String(req.params.fileId);
    verifyDownload(ctx.options.downloadSigningKey, fileId, req.query.expires, req.query.signature, ctx.now());
    const info = await ctx.storage.headObjectById(fileId);
    await serveObject(ctx.storage, req, res, fileId, { ETag: `"${info.etag}"`, 'Cache-Control': 'private, no-store' });
  }));
}
