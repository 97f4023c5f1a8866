/**
 * CopyObject (https://docs.aws.amazon.com/AmazonS3/latest/API/API_CopyObject.html): a server-side copy that
 * shares the source's stored bytes. x-amz-metadata-directive COPY (default) keeps the source's content type,
 * metadata and headers, REPLACE takes them from this request; x-amz-tagging-directive likewise for tags.
 * x-amz-copy-source-if-* conditions fail with 412. Copying an object onto itself must change something. The
 * source's checksums (and their type, e.g. a multipart COMPOSITE one) stay with the shared bytes either way.
 */
import type { Handler, ObjectContext } from '../context.js';
import { header } from '../context.js';
import { StorageError } from '@omnigate/core';
import { parseCopySource } from '../copy-source.js';
import { S3Error } from '../errors.js';
import { conditionsFromHeaders, objectFieldsFromRequest, quoteEtag } from '../headers.js';
import { sendXml } from '../response.js';
import { checkEncryptionHeaders } from '../sse.js';
import { parseTaggingHeader } from '../tags.js';
import { el } from '../xml.js';
import { checksumElements, isoDate } from './shared.js';

export const copyObject: Handler<ObjectContext> = async (ctx) => {
  checkEncryptionHeaders(ctx);
  const source = parseCopySource(ctx);
  const metadataDirective = directive(header(ctx, 'x-amz-metadata-directive'), 'metadata');
  const taggingDirective = directive(header(ctx, 'x-amz-tagging-directive'), 'tagging');
  const self = source.bucket === ctx.bucket && source.key === ctx.key;
  if (self && metadataDirective === 'COPY' && taggingDirective === 'COPY' && header(ctx, 'x-amz-storage-class') === undefined
    && header(ctx, 'x-amz-server-side-encryption') === undefined) {
    throw new S3Error('InvalidRequest', "This copy request is illegal because it is trying to copy an object to itself without changing the object's metadata, storage class, website redirect location or encryption attributes.");
  }
  const fields = metadataDirective === 'REPLACE' ? objectFieldsFromRequest(ctx) : undefined;
  const tags = taggingDirective === 'REPLACE' ? parseTaggingHeader(header(ctx, 'x-amz-tagging')) ?? {} : undefined;
  const info = await ctx.storage.copyObject(ctx.tenant, source, { bucket: ctx.bucket, key: ctx.key }, {
    metadataDirective,
    contentType: fields?.contentType,
    metadata: fields?.metadata,
    headers: fields?.headers,
    tags,
    sourceConditions: conditionsFromHeaders(ctx, 'x-amz-copy-source-'),
  });
  ctx.res.setHeader('x-amz-server-side-encryption', 'AES256');
  sendXml(ctx.res, 200, el('CopyObjectResult', [
    el('ETag', quoteEtag(info.etag)),
    el('LastModified', isoDate(info.lastModified)),
    ...checksumElements(info.checksums, info.checksumType ?? 'FULL_OBJECT'),
  ]));
};

function directive(value: string | undefined, what: string): 'COPY' | 'REPLACE' {
  if (value === undefined) return 'COPY';
  const upper = value.toUpperCase();
  if (upper !== 'COPY' && upper !== 'REPLACE') throw new StorageError('InvalidArgument', `Unknown ${what} directive.`);
  return upper;
}
