/**
 * GET    /buckets                     → the session's files (FileView[])
 * GET    /buckets/file/:fileId        → one file's metadata
 * DELETE /buckets/:fileId             → 200, no content
 * GET    /buckets/download/:fileId    → { url, expiresAt }: a pre-signed URL that needs no bearer token
 */
import type { Router } from 'express';
import type { StorageError } from '@omnigate/core';
import { fileOf } from '../access.js';
import type { QsContext } from '../context.js';
import { signDownload } from '../download-links.js';
import { baseUrl, route, sendJson } from '../http.js';
import { authenticate } from '../sessions.js';
import { fileView, type FileView } from '../views.js';

export function registerFileRoutes(router: Router, ctx: QsContext): void {
  router.get('/buckets', route(ctx, async (req, res) => {
    const { session } = await authenticate(ctx, req);
    const { store, contentIndex } = await ctx.services();
    const views: FileView[] = [];
    for (const file of await store.listFiles(session.id)) {
      // A file deleted through another protocol is no longer the session's to list.
      const info = await ctx.storage.headObjectById(file.fileId!).catch((err: unknown) => {
        if ((err as StorageError).code === 'NoSuchKey') return undefined;
        throw err;
      });
      if (info?.state === 'live') views.push(fileView(file, info, await contentIndex.cidOf(info.fileId)));
    }
    sendJson(res, 200, views);
  }));

  router.get('/buckets/file/:fileId', route(ctx, async (req, res) => {
    const auth = await authenticate(ctx, req);
    const { file, info } = await fileOf(ctx, auth, String(req.params.fileId));
    const { contentIndex } = await ctx.services();
    sendJson(res, 200, fileView(file, info, await contentIndex.cidOf(info.fileId)));
  }));

  router.delete('/buckets/:fileId', route(ctx, async (req, res) => {
    const auth = await authenticate(ctx, req);
    const { file, info } = await fileOf(ctx, auth, String(req.params.fileId));
    const { store, contentIndex } = await ctx.services();
    await ctx.storage.deleteObject(auth.tenant, info.bucket, info.key);
    await contentIndex.forget(info.fileId);
    await store.deleteUpload(file.uploadId);
    res.status(200).setHeader('Content-Length', 0);
    res.end();
  }));

  router.get('/buckets/download/:fileId', route(ctx, async (req, res) => {
    const auth = await authenticate(ctx, req);
    const { info } = await fileOf(ctx, auth, String(req.params.fileId));
    const { query, expiresAt } = signDownload(ctx.options.downloadSigningKey, info.fileId, ctx.now() + ctx.options.downloadLinkTtlMs);
    sendJson(res, 200, { url: `${baseUrl(ctx, req)}/download/${info.fileId}?${query}`, expiresAt: expiresAt.toISOString() });
  }));
}
