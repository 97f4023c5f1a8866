/**
 * PUT /buckets   headers partNumber, key, uploadId; body = the raw part   → { partNumber, etag, size }
 *
 * The body streams straight into the core's multipart upload, never buffered, cut off as soon as it exceeds
 * the session's rules. A client that disconnects mid-part leaves nothing: it simply sends that part again.
 * QS clients choose their own part sizes: unlike S3 there is no minimum part size (complete passes minPartSize 0).
 */
import type { Request, Router } from 'express';
import { openUploadOf } from '../access.js';
import type { QsContext } from '../context.js';
import { QsError } from '../errors.js';
import { abortSignal, route, sendJson } from '../http.js';
import { allowance, limitBody, storedParts } from '../limits.js';
import { authenticate } from '../sessions.js';

export function registerUploadPartRoute(router: Router, ctx: QsContext): void {
  router.put('/buckets', route(ctx, async (req, res) => {
    const auth = await authenticate(ctx, req);
    const partNumber = parsePartNumber(req.get('partNumber'));
    const key = requiredHeader(req, 'key');
    const uploadId = requiredHeader(req, 'uploadId');
    const size = contentLength(req);
    const upload = await openUploadOf(ctx, auth, uploadId, key);
    if (upload.totalParts > 0 && partNumber > upload.totalParts) {
      throw new QsError('TooManyParts', `This upload was started with totalParts = ${upload.totalParts}; part ${partNumber} is beyond it`);
    }
    const { storage } = ctx;
    const bucket = ctx.bucketName(auth.tenant.id);
    const parts = await storedParts(storage, auth.tenant, bucket, upload);
    const others = [...parts].reduce((sum, [n, bytes]) => (n === partNumber ? sum : sum + bytes), 0);
    const limit = await allowance(ctx, auth.session, others);
    if (size !== undefined && size > limit.bytes) throw limit.error();

    const body = req.iterator({ destroyOnReturn: false }) as AsyncIterable<Buffer>;
    const part = await storage.multipart.uploadPart(auth.tenant, bucket, key, uploadId, partNumber, limitBody(body, limit), {
      size,
      signal: abortSignal(req, res),
    });
    sendJson(res, 200, { partNumber: part.partNumber, etag: part.etag, size: part.size });
  }));
}

function requiredHeader(req: Request, name: string): string {
  const value = req.get(name);
  if (value === undefined || value === '') throw new QsError('MissingHeader', `The ${name} header is required`);
  return value;
}

function parsePartNumber(value: string | undefined): number {
  if (value === undefined || value === '') throw new QsError('MissingHeader', 'The partNumber header is required');
  const n = /^\d{1,5}$/.test(value.trim()) ? Number(value.trim()) : NaN;
  if (!(n >= 1 && n <= 10000)) throw new QsError('InvalidHeader', `partNumber must be an integer from 1 to 10000, got "${value.slice(0, 32)}"`);
  return n;
}

function contentLength(req: Request): number | undefined {
  const value = req.get('content-length');
  if (value === undefined) return undefined;
  if (!/^\d{1,15}$/.test(value)) throw new QsError('InvalidHeader', 'Content-Length must be a non-negative integer');
  return Number(value);
}
