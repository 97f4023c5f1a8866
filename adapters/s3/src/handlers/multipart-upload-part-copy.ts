/**
 * UploadPartCopy (https://docs.aws.amazon.com/AmazonS3/latest/API/API_UploadPartCopy.html): reads the source (or
 * x-amz-copy-source-range `bytes=first-last` of it) from storage and streams it in as the part. Source conditions
 * (x-amz-copy-source-if-*) fail with 412; a range past the source's end is InvalidArgument, as S3 answers. A part
 * of an upload that declared a checksum algorithm gets that checksum computed on the way, kept and returned.
 */
import { isStorageError, StorageError, type ByteRange } from '@omnigate/core';
import type { Handler, ObjectContext } from '../context.js';
import { header } from '../context.js';
import { parseCopySource } from '../copy-source.js';
import { createBodyVerifier } from '../checksums.js';
import { conditionsFromHeaders, quoteEtag } from '../headers.js';
import { uploadChecksumOf } from '../multipart-checksums.js';
import { sendXml } from '../response.js';
import { el } from '../xml.js';
import { checksumElements, isoDate } from './shared.js';
import { partNumberOf, uploadIdOf } from './multipart-params.js';

export const uploadPartCopy: Handler<ObjectContext> = async (ctx) => {
  const uploadId = uploadIdOf(ctx);
  const partNumber = partNumberOf(ctx);
  const source = parseCopySource(ctx);
  const range = copyRange(header(ctx, 'x-amz-copy-source-range'));
  // The upload must exist before the source is read.
  const upload = await ctx.storage.multipart.get(ctx.tenant, ctx.bucket, ctx.key, uploadId);
  const verifier = createBodyVerifier(ctx, () => ({}), uploadChecksumOf(upload)?.algorithm);
  let opened;
  try {
    opened = await ctx.storage.getObject(ctx.tenant, source.bucket, source.key, {
      conditions: conditionsFromHeaders(ctx, 'x-amz-copy-source-'), signal: ctx.signal,
      ...(range ? { range } : {}),
    });
  } catch (err) {
    // For a copy source every failed condition is a failed precondition, never "not modified".
    if (isStorageError(err) && err.code === 'NotModified') throw new StorageError('PreconditionFailed', 'At least one of the pre-conditions you specified did not hold');
    if (isStorageError(err) && err.code === 'InvalidRange') throw rangeError(err.details?.objectSize);
    throw err;
  }
  const { info, body } = opened;
  if (range && 'end' in range && range.end !== undefined && range.end >= info.size) {
    body.destroy();
    throw rangeError(info.size);
  }
  const part = await ctx.storage.multipart.uploadPart(ctx.tenant, ctx.bucket, ctx.key, uploadId, partNumber, body, {
    size: opened.range.end - opened.range.start, signal: ctx.signal,
    onPlaintext: verifier.onPlaintext,
    beforeCommit: (digest) => ({ checksums: verifier.verify(digest) }),
  }).finally(() => body.destroy());
  sendXml(ctx.res, 200, el('CopyPartResult', [
    el('ETag', quoteEtag(part.etag)),
    el('LastModified', isoDate(part.lastModified)),
    ...checksumElements(part.checksums),
  ]));
};

function copyRange(value: string | undefined): ByteRange | undefined {
  if (value === undefined) return undefined;
  const match = /^bytes=(\d+)-(\d+)$/.exec(value.trim());
  if (!match || Number(match[2]) < Number(match[1])) {
    throw new StorageError('InvalidArgument', 'The x-amz-copy-source-range value must be of the form bytes=first-last where first and last are the zero-based offsets of the first and last bytes to copy');
  }
  return { start: Number(match[1]), end: Number(match[2]) };
}

function rangeError(size: unknown): StorageError {
  return new StorageError('InvalidArgument', `Range specified is not valid for source object of size: ${String(size)}`);
}
