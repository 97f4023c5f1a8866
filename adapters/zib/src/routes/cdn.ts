/**
 * GET|HEAD /objects/<file_id>: the public CDN (ZiB docs, "Serve"). The UUID is the capability: no credentials. The
 * core decrypts; a Range: bytes=… gets 206 (one range, as S3), If-None-Match / If-Modified-Since get 304.
 * A superseded file_id redirects (302) to the latest file at its bucket+key, so a stored cdn_url keeps showing the
 * current upload ("The CDN URL … always points to the latest upload"); a deleted or unknown one is 404 NoSuchFile.
 */
import { pipeline } from 'node:stream/promises';
import type { Request, Response, Router } from 'express';
import { checkConditions, parseHttpRange, resolveRange, type Conditions, type ObjectInfo, type StorageError } from '@omnigate/core';
import type { ZibContext } from '../context.js';
import { ZibError } from '../errors.js';
import { abortSignal, baseUrl, readCors, route } from '../http.js';
import { objectById } from '../lifecycle.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function registerCdnRoute(router: Router, ctx: ZibContext): void {
  router.options('/objects/:fileId', (_req, res) => {
    readCors(res);
    res.status(204).end();
  });
  const handler = route(ctx, async (req, res) => {
    readCors(res);
    const fileId = String(req.params.fileId).toLowerCase();
    const info = UUID.test(fileId) ? await objectById(ctx, fileId) : undefined;
    if (!info) throw noSuchFile();
    if (info.state !== 'live') {
      const latest = await latestAtKey(ctx, info);
      if (!latest) throw noSuchFile();
      res.status(302).setHeader('Location', `${baseUrl(ctx, req)}/objects/${latest}`);
      res.setHeader('Cache-Control', 'no-cache');
      res.end();
      return;
    }
    await serve(ctx, req, res, info);
  });
  router.get('/objects/:fileId', handler);
  router.head('/objects/:fileId', handler);
}

function noSuchFile(): ZibError {
  return new ZibError('NoSuchFile', 'No file has this file_id (never uploaded, or deleted)');
}

async function latestAtKey(ctx: ZibContext, info: ObjectInfo): Promise<string | undefined> {
  const tenant = await ctx.tenant(info.tenantId);
  if (!tenant) return undefined;
  return ctx.storage.headObject(tenant, info.bucket, info.key).then((i) => i.fileId, (err: unknown) => {
    if (['NoSuchKey', 'NoSuchBucket'].includes((err as StorageError).code)) return undefined;
    throw err;
  });
}

async function serve(ctx: ZibContext, req: Request, res: Response, head: ObjectInfo): Promise<void> {
  const requested = parseHttpRange(req.get('range'));
  try {
    checkConditions({ etag: head.etag, lastModified: head.lastModified }, conditionsOf(req));
  } catch (err) {
    if ((err as StorageError).code !== 'NotModified') throw err;
    res.status(304).setHeader('ETag', `"${head.etag}"`);
    res.setHeader('Cache-Control', `public, max-age=${ctx.options.cdnMaxAgeSeconds}`);
    res.end();
    return;
  }
  if (req.method === 'HEAD') {
    writeHead(ctx, res, head, requested ? resolveRange(requested, head.size) : undefined);
    res.end();
    return;
  }
  const { info, range, body } = await ctx.storage.getObjectById(head.fileId, { range: requested, signal: abortSignal(req, res) });
  writeHead(ctx, res, info, requested ? range : undefined);
  await pipeline(body, res);
}

function conditionsOf(req: Request): Conditions | undefined {
  const ifNoneMatch = req.get('if-none-match');
  const since = req.get('if-modified-since');
  const ifModifiedSince = since && !Number.isNaN(Date.parse(since)) ? new Date(since) : undefined;
  return ifNoneMatch || ifModifiedSince ? { ifNoneMatch, ifModifiedSince } : undefined;
}

function writeHead(ctx: ZibContext, res: Response, info: ObjectInfo, range: { start: number; end: number } | undefined): void {
  res.status(range ? 206 : 200);
  res.setHeader('Content-Type', info.contentType || 'application/octet-stream');
  res.setHeader('Content-Length', range ? range.end - range.start : info.size);
  res.setHeader('Accept-Ranges', 'bytes');
  res.setHeader('ETag', `"${info.etag}"`);
  res.setHeader('Last-Modified', info.lastModified.toUTCString());
  // Bytes under a file_id never change; max-age rather than immutable because a supersede turns the URL into a redirect.
  res.setHeader('Cache-Control', `public, max-age=${ctx.options.cdnMaxAgeSeconds}`);
  if (range) res.setHeader('Content-Range', `bytes ${range.start}-${range.end - 1}/${info.size}`);
}
