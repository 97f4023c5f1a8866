/**
 * Streams an object by fileId as an HTTP response: 200 or 206 for one `Range: bytes=…` (RFC 9110 §14), exact
 * Content-Length, Accept-Ranges; HEAD sends the same headers without opening the bytes. Several ranges or other
 * units are ignored (the whole object is served), as S3 does.
 */
import { pipeline } from 'node:stream/promises';
import type { Request, Response } from 'express';
import { parseHttpRange, resolveRange, StorageError, type ObjectInfo, type Storage } from '@omnigate/core';
import { abortSignal } from './http.js';

export async function serveObject(storage: Storage, req: Request, res: Response, fileId: string, headers: Record<string, string> = {}): Promise<void> {
  const requested = parseHttpRange(req.get('range'));
  if (req.method === 'HEAD') {
    const info = await storage.headObjectById(fileId);
    if (info.state !== 'live') throw new StorageError('NoSuchKey', 'The specified key does not exist');
    writeHead(res, info, requested ? resolveRange(requested, info.size) : undefined, headers);
    res.end();
    return;
  }
  const { info, range, body } = await storage.getObjectById(fileId, { range: requested, signal: abortSignal(req, res) });
  writeHead(res, info, requested ? range : undefined, headers);
  await pipeline(body, res);
}

function writeHead(res: Response, info: ObjectInfo, range: { start: number; end: number } | undefined, headers: Record<string, string>): void {
  res.status(range ? 206 : 200);
  res.setHeader('Content-Type', info.contentType || 'application/octet-stream');
  res.setHeader('Content-Length', range ? range.end - range.start : info.size);
  res.setHeader('Accept-Ranges', 'bytes');
  res.setHeader('Last-Modified', info.lastModified.toUTCString());
  if (range) res.setHeader('Content-Range', `bytes ${range.start}-${range.end - 1}/${info.size}`);
  for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
}
