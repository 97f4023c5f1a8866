/**
 * GetObject and HeadObject (https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html,
 * https://docs.aws.amazon.com/AmazonS3/latest/API/API_HeadObject.html). Ranges (`bytes=a-b`, `a-`, `-n`) and the
 * RFC 9110 conditionals are evaluated by the core: 200, 206, 304 (with ETag and Last-Modified), 412, 416 (with
 * `Content-Range: bytes * /size`). Checksums are returned only for whole-object reads with
 * `x-amz-checksum-mode: ENABLED`; response-* query parameters override the stored headers.
 */
import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import { isStorageError, parseHttpRange, resolveRange, StorageError, type ObjectInfo, type ResolvedRange } from '@omnigate/core';
import type { Handler, ObjectContext } from '../context.js';
import { header } from '../context.js';
import { applyResponseOverrides, conditionsFromHeaders, integerParam, quoteEtag, setObjectHeaders } from '../headers.js';
import { S3Error } from '../errors.js';

export const getObject: Handler<ObjectContext> = async (ctx) => {
  const head = ctx.method === 'HEAD';
  const partNumber = ctx.query.has('partNumber') ? integerParam(ctx, 'partNumber', 1) : undefined;
  const rangeHeader = header(ctx, 'range');
  if (partNumber !== undefined && rangeHeader !== undefined) throw new S3Error('InvalidRequest', 'Cannot specify both Range header and partNumber query parameter');
  const range = parseHttpRange(rangeHeader);
  const conditions = conditionsFromHeaders(ctx);
  let info: ObjectInfo;
  let resolved: ResolvedRange;
  let body: Readable | undefined;
  try {
    if (head) {
      info = await ctx.storage.headObject(ctx.tenant, ctx.bucket, ctx.key, { conditions });
      resolved = resolveRange(range, info.size);
    } else {
      ({ info, range: resolved, body } = await ctx.storage.getObject(ctx.tenant, ctx.bucket, ctx.key, { range, conditions, signal: ctx.signal }));
    }
  } catch (err) {
    await describeFailure(ctx, err);
    throw err;
  }
  try {
    checkPartNumber(info, partNumber);
    const partial = range !== undefined;
    setObjectHeaders(ctx, info, { checksums: !partial && header(ctx, 'x-amz-checksum-mode')?.toUpperCase() === 'ENABLED' });
    applyResponseOverrides(ctx);
    const { res } = ctx;
    res.status(partial ? 206 : 200);
    res.setHeader('Content-Length', resolved.end - resolved.start);
    if (partial) res.setHeader('Content-Range', `bytes ${resolved.start}-${resolved.end - 1}/${info.size}`);
    if (partNumber !== undefined) res.setHeader('x-amz-mp-parts-count', String(info.partsCount ?? 1));
    if (!body) {
      res.end();
      return;
    }
    await pipeline(body, res);
  } catch (err) {
    body?.destroy();
    throw err;
  }
};

/** The headers S3 sends with a 304 (validators) or a 416 (the object's size). */
async function describeFailure(ctx: ObjectContext, err: unknown): Promise<void> {
  if (!isStorageError(err)) return;
  if (err.code === 'InvalidRange' && typeof err.details?.objectSize === 'number') {
    ctx.res.setHeader('Content-Range', `bytes */${err.details.objectSize}`);
  }
  if (err.code === 'NotModified') {
    const info = await ctx.storage.headObject(ctx.tenant, ctx.bucket, ctx.key).catch(() => undefined);
    if (info) {
      ctx.res.setHeader('ETag', quoteEtag(info.etag));
      ctx.res.setHeader('Last-Modified', info.lastModified.toUTCString());
    }
  }
}

/**
 * `?partNumber=N` reads one part. The core does not expose part boundaries to adapters, so only part 1 of a
 * single-part object (the whole object) is served; other parts are NotImplemented.
 */
function checkPartNumber(info: ObjectInfo, partNumber: number | undefined): void {
  if (partNumber === undefined) return;
  if (partNumber < 1 || partNumber > 10000) throw new StorageError('InvalidArgument', 'Part number must be an integer between 1 and 10000, inclusive');
  if (info.partsCount !== null && info.partsCount > 1) throw new S3Error('NotImplemented', 'Reading one part of a multipart object is not supported');
  if (partNumber !== 1) throw new S3Error('InvalidPartNumber', 'The requested partnumber is not satisfiable');
}
