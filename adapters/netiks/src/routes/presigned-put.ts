/**
 * PUT /uploads/<bucket>/<key>?X-Amz-Algorithm=…&X-Amz-Signature=…   (the URLs presign.ts hands out)
 *
 * An S3-style endpoint: verified with the core's `verifySigV4` (the S3 endpoint's own verifier) against the raw
 * path the client used (mount point included) and the signed `host` and `content-type`; answers like S3's
 * PutObject (200, `ETag`, empty body). Failures are Netiks JSON errors carrying the S3 code and status (errors.ts,
 * column `s3`: SignatureDoesNotMatch 403, AccessDenied 403 "Request has expired", …). The body streams into the
 * core, cut off at the first byte past the declared size. A URL works once: a conditional UPDATE claims its grant
 * before the first byte is read; a PUT that fails gives it back (it may be retried until it expires), a PUT that
 * succeeded uses it up. Why not the S3 endpoint itself: README.md, "Why the PUT URL is not the S3 endpoint".
 */
import type { Readable } from 'node:stream';
import type { Request, Response, Router } from 'express';
import {
  createPayloadDecoder, sigv4HeadersFromRaw, StorageError, verifySigV4, type SigV4Request, type Tenant,
} from '@omnigate/core';
import type { NetiksContext } from '../context.js';
import { abortSignal, contentLength, sendError } from '../http.js';

export function registerPresignedPutRoute(router: Router, ctx: NetiksContext): void {
  router.put('/uploads/*target', (req, res) => {
    presignedPut(ctx, req, res).catch((err: unknown) => sendError(ctx, req, res, err, 's3'));
  });
}

async function presignedPut(ctx: NetiksContext, req: Request, res: Response): Promise<void> {
  const { bucket, key } = target(req.url);
  const auth = await verifySigV4(signedRequest(ctx, req), async (accessKey) => {
    const found = await ctx.storage.tenants.findByAccessKey(accessKey);
    return found && { secretKey: found.secretKey, principal: found.tenant };
  }, { region: ctx.options.region, now: () => new Date(ctx.now()), maxPresignExpirySeconds: ctx.options.presignExpirySeconds });
  if (!auth.presigned) throw new StorageError('AccessDenied', 'Uploads here need a presigned URL from developer-generate-presigned-url');
  const tenant = auth.principal as Tenant;
  const store = await ctx.store();
  const grant = await store.findGrantByKey(tenant.id, bucket, key);
  if (!grant) throw new StorageError('AccessDenied', 'No upload was granted for this URL');
  const declared = contentLength(req);
  if (declared !== undefined && declared > grant.size) {
    throw new StorageError('EntityTooLarge', `This URL accepts exactly ${grant.size} bytes`, { max: grant.size });
  }
  if (declared !== undefined && declared < grant.size) {
    throw new StorageError('IncompleteBody', `This URL accepts exactly ${grant.size} bytes; Content-Length says ${declared}`);
  }
  if (!await store.claimGrant(grant.id, ctx.now())) {
    const current = await store.getGrant(grant.id);
    if (current?.state === 'uploaded') throw new StorageError('AccessDenied', 'This presigned URL has already been used');
    if (current?.state === 'uploading') throw new StorageError('AccessDenied', 'An upload to this presigned URL is in progress');
    throw new StorageError('AccessDenied', 'Request has expired');
  }
  const release = async (err: unknown): Promise<never> => {
    await store.finishGrant(grant.id, null);
    throw err;
  };
  const decoder = createPayloadDecoder(auth);
  decoder.on('error', () => {}); // reaches the core through the pipeline
  req.on('error', (err) => decoder.destroy(err));
  req.pipe(decoder);
  const info = await ctx.storage.putObject(tenant, bucket, key, exactly(decoder, grant.size), {
    size: grant.size, contentType: grant.contentType, metadata: { 'netiks-asset-id': grant.assetId }, signal: abortSignal(req, res),
  }).catch(release);
  await store.finishGrant(grant.id, info.fileId);
  res.status(200);
  res.setHeader('ETag', `"${info.etag}"`);
  res.setHeader('Content-Length', 0);
  res.end();
}

/** Bucket and key from the router-relative URL (`/uploads/<bucket>/<key…>`), percent-decoded as S3 does. */
function target(url: string): { bucket: string; key: string } {
  const path = url.split('?')[0]!.slice('/uploads/'.length);
  const slash = path.indexOf('/');
  try {
    if (slash > 0 && slash < path.length - 1) return { bucket: decodeURIComponent(path.slice(0, slash)), key: decodeURIComponent(path.slice(slash + 1)) };
  } catch { /* malformed escapes: no such upload */ }
  throw new StorageError('AccessDenied', 'No upload was granted for this URL');
}

/**
 * What the client signed: the path and host it addressed. With `publicBaseUrl` (a reverse proxy in front), the
 * URLs were signed for that origin and path prefix; otherwise for this request's Host and full original path.
 */
function signedRequest(ctx: NetiksContext, req: Request): SigV4Request {
  const headers: Record<string, string | undefined> = sigv4HeadersFromRaw(req.rawHeaders);
  const original = ctx.options.publicBaseUrl === undefined ? req.originalUrl : new URL(ctx.options.publicBaseUrl).pathname.replace(/\/+$/, '') + req.url;
  if (ctx.options.publicBaseUrl !== undefined) headers.host = new URL(ctx.options.publicBaseUrl).host;
  const at = original.indexOf('?');
  return { method: req.method, rawPath: at < 0 ? original : original.slice(0, at), rawQuery: at < 0 ? '' : original.slice(at + 1), headers };
}

/** The payload, failing at the first byte past `size` (the core then checks it was not shorter). */
async function* exactly(body: Readable, size: number): AsyncGenerator<Buffer> {
  let received = 0;
  for await (const chunk of body as AsyncIterable<Buffer>) {
    received += chunk.length;
    if (received > size) throw new StorageError('EntityTooLarge', `This URL accepts exactly ${size} bytes`, { max: size });
    yield chunk;
  }
}
