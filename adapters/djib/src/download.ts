/**
 * GET|HEAD /download?path=<drive path> (spec: "Download file"): the file's bytes, 200 or 206 for one
 * `Range: bytes=…` (RFC 9110 §14), with Content-Length, Accept-Ranges and a UTF-8 Content-Disposition.
 * `sendFile` is shared with /download-shared.
 */
import { pipeline } from 'node:stream/promises';
import type { Request, Response } from 'express';
import { parseHttpRange, resolveRange, type ObjectInfo } from '@omnigate/core';
import { driveOf, type DjibContext } from './context.js';
import { DjibError } from './errors.js';
import { abortSignal, tokenOf } from './http.js';
import { parsePath } from './paths.js';

export async function download(ctx: DjibContext, req: Request, res: Response): Promise<void> {
  const drive = await driveOf(ctx, tokenOf(req));
  const p = parsePath(typeof req.query.path === 'string' ? req.query.path : undefined);
  if (!p.key) throw new DjibError('InvalidPath', 'path must name a file');
  await sendFile(ctx, req, res, drive.wallet.bucket, p.key);
}

/** Streams the object `bucket/key` of the tenant (Range, HEAD) as an attachment named after the key's last segment. */
export async function sendFile(ctx: DjibContext, req: Request, res: Response, bucket: string, key: string): Promise<void> {
  const name = key.split('/').pop()!;
  const requested = parseHttpRange(req.get('range'));
  if (req.method === 'HEAD') {
    const info = await ctx.storage.headObject(ctx.options.tenant, bucket, key);
    writeHead(res, info, requested ? resolveRange(requested, info.size) : undefined, name);
    res.end();
    return;
  }
  const { info, range, body } = await ctx.storage.getObject(ctx.options.tenant, bucket, key, { range: requested, signal: abortSignal(req, res) });
  writeHead(res, info, requested ? range : undefined, name);
  await pipeline(body, res);
}

function writeHead(res: Response, info: ObjectInfo, range: { start: number; end: number } | undefined, name: string): void {
  res.status(range ? 206 : 200);
  res.setHeader('Content-Type', info.contentType || 'application/octet-stream');
  res.setHeader('Content-Length', range ? range.end - range.start : info.size);
  res.setHeader('Accept-Ranges', 'bytes');
  res.setHeader('Last-Modified', info.lastModified.toUTCString());
  res.setHeader('Content-Disposition', `attachment; filename*=UTF-8''${encodeURIComponent(name)}`);
  if (range) res.setHeader('Content-Range', `bytes ${range.start}-${range.end - 1}/${info.size}`);
}
