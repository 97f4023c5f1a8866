/**
 * GetObject and HeadObject (https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html,
 * https://docs.aws.amazon.com/AmazonS3/latest/API/API_HeadObject.html). Ranges (`bytes=a-b`, `a-`, `-n`) and the
 * RFC 9110 conditionals are evaluated by the core: 200, 206, 304 (with ETag and Last-Modified), 412, 416 (with
 * `Content-Range: bytes * /size`). Checksums are returned only with `x-amz-checksum-mode: ENABLED`, for whole-object
 * reads and, with `?partNumber=N`, as S3 does: a COMPOSITE object's part checksum, a one-part object's own;
 * response-* query parameters override the stored headers. `?partNumber=N` reads one part of a multipart object.
 */
import type { Readable } from 'node:stream';
import { isStorageError, parseHttpRange, resolveRange, StorageError, type Conditions, type ObjectInfo, type ResolvedRange } from '@omnigate/core';
import type { Handler, ObjectContext } from '../context.js';
import { header } from '../context.js';
import { applyResponseOverrides, conditionsFromHeaders, integerParam, quoteEtag, setObjectHeaders } from '../headers.js';
import { S3Error } from '../errors.js';

export const getObject: Handler<ObjectContext> = async (ctx) => {
  const head = ctx.method === 'HEAD';
  const partNumber = ctx.query.has('partNumber') ? integerParam(ctx, 'partNumber', 1) : undefined;
  if (partNumber !== undefined && (partNumber < 1 || partNumber > 10000)) throw new StorageError('InvalidArgument', 'Part number must be an integer between 1 and 10000, inclusive');
  const rangeHeader = header(ctx, 'range');
  if (partNumber !== undefined && rangeHeader !== undefined) throw new S3Error('InvalidRequest', 'Cannot specify both Range header and partNumber query parameter');
  const conditions = conditionsFromHeaders(ctx);
  let info: ObjectInfo;
  let resolved: ResolvedRange;
  let body: Readable | undefined;
  let partial: boolean;
  try {
    if (partNumber !== undefined) {
      ({ info, range: resolved, body } = await openPart(ctx, partNumber, conditions, head));
      partial = info.size > 0; // a part is a range, even the whole object as part 1 (S3 answers 206 then too)
    } else {
      const range = parseHttpRange(rangeHeader);
      partial = range !== undefined;
      if (head) {
        info = await ctx.storage.headObject(ctx.tenant, ctx.bucket, ctx.key, { conditions });
        resolved = resolveRange(range, info.size);
      } else {
        ({ info, range: resolved, body } = await ctx.storage.getObject(ctx.tenant, ctx.bucket, ctx.key, { range, conditions, signal: ctx.signal }));
      }
    }
  } catch (err) {
    await describeFailure(ctx, err);
    throw err;
  }
  try {
    const described = partNumber === undefined ? (partial ? undefined : info) : withPartChecksum(info, partNumber);
    setObjectHeaders(ctx, described ?? info, { checksums: described !== undefined && header(ctx, 'x-amz-checksum-mode')?.toUpperCase() === 'ENABLED' });
    applyResponseOverrides(ctx);
    const { res } = ctx;
    res.statusCode = partial ? 206 : 200;
    res.setHeader('Content-Length', resolved.end - resolved.start);
    if (partial) res.setHeader('Content-Range', `bytes ${resolved.start}-${resolved.end - 1}/${info.size}`);
    if (partNumber !== undefined && info.partsCount !== null) res.setHeader('x-amz-mp-parts-count', String(info.partsCount));
    if (!body) {
      res.end();
      return;
    }
    sendCorked(body, res);
    await send(body, res);
  } catch (err) {
    body?.destroy();
    throw err;
  }
};

/** The object as one part read describes it, with that part's checksum; undefined when S3 shows none (FULL_OBJECT of several parts). */
function withPartChecksum(info: ObjectInfo, partNumber: number): ObjectInfo | undefined {
  const algorithm = Object.keys(info.checksums)[0];
  const value = info.partChecksums?.[partNumber - 1];
  if (algorithm === undefined || value === undefined) return undefined;
  if (info.checksumType === 'COMPOSITE') return { ...info, checksums: { [algorithm]: value } };
  return info.partsCount === 1 ? info : undefined;
}

/**
 * body → response. stream.pipeline would do, but it aborts an internal AbortController (a DOMException with a stack)
 * on every call, ~5% of a small GET's CPU. This is pipe() plus what pipeline adds here: a response that fails or is
 * abandoned destroys the body (fragment reads stop), and a failing body fails the request.
 */
function send(body: Readable, res: ObjectContext['res']): Promise<void> {
  return new Promise((resolve, reject) => {
    const fail = (err: unknown) => {
      body.destroy();
      reject(err);
    };
    body.once('error', fail);
    res.once('error', fail);
    res.once('finish', () => resolve());
    res.once('close', () => {
      if (!res.writableFinished) fail(new StorageError('RequestAborted', 'The client closed the connection'));
    });
    body.pipe(res);
  });
}

/**
 * Plaintext arrives as one 64 KiB segment per chunk, several per tick (one erasure batch decrypts at once); left
 * alone, each becomes its own socket write. Corking before the first chunk of a tick and uncorking after it makes
 * them one writev.
 */
function sendCorked(body: Readable, res: ObjectContext['res']): void {
  let corked = false;
  body.prependListener('data', () => {
    if (corked) return;
    corked = true;
    res.cork();
    process.nextTick(() => {
      corked = false;
      res.uncork();
    });
  });
}

/**
 * `?partNumber=N`: the bytes of part N of a multipart object, or the whole object as part 1 of any other object,
 * both as a 206 with Content-Range, as S3 answers (x-amz-mp-parts-count only for multipart objects). Part
 * boundaries come from the object's info, so the object is read in two steps; should it be replaced in between,
 * the part is looked up again on the new object.
 */
async function openPart(ctx: ObjectContext, partNumber: number, conditions: Conditions | undefined, head: boolean): Promise<{ info: ObjectInfo; range: ResolvedRange; body?: Readable }> {
  for (let attempt = 0; ; attempt++) {
    const info = await ctx.storage.headObject(ctx.tenant, ctx.bucket, ctx.key, { conditions });
    const parts = info.partSizes ?? [info.size];
    if (partNumber > parts.length) throw new S3Error('InvalidPartNumber', 'The requested partnumber is not satisfiable');
    const start = parts.slice(0, partNumber - 1).reduce((sum, size) => sum + size, 0);
    const range = { start, end: start + parts[partNumber - 1]! };
    if (head || range.end === range.start) return { info, range };
    const got = await ctx.storage.getObject(ctx.tenant, ctx.bucket, ctx.key, { range: { start: range.start, end: range.end - 1 }, conditions, signal: ctx.signal });
    if (got.info.fileId === info.fileId || attempt === 2) return { info: got.info, range: got.range, body: got.body };
    got.body.destroy();
  }
}

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
