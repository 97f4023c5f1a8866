/**
 * ListParts (https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListParts.html): part-number-marker, max-parts.
 * Each part shows its kept checksum; the upload's declared algorithm and type are ChecksumAlgorithm / ChecksumType.
 */
import type { Handler, ObjectContext } from '../context.js';
import { integerParam, quoteEtag } from '../headers.js';
import { sendXml } from '../response.js';
import { el, opt } from '../xml.js';
import { uploadChecksumOf } from '../multipart-checksums.js';
import { checksumElements, isoDate, owner } from './shared.js';
import { uploadIdOf } from './multipart-params.js';

export const listParts: Handler<ObjectContext> = async (ctx) => {
  const uploadId = uploadIdOf(ctx);
  const maxParts = integerParam(ctx, 'max-parts', 1000, 1000);
  const marker = integerParam(ctx, 'part-number-marker', 0);
  const page = await ctx.storage.multipart.listParts(ctx.tenant, ctx.bucket, ctx.key, uploadId, {
    partNumberMarker: marker || undefined, maxParts,
  });
  const declared = uploadChecksumOf(page.upload);
  sendXml(ctx.res, 200, el('ListPartsResult', [
    el('Bucket', ctx.bucket),
    el('Key', ctx.key),
    el('UploadId', uploadId),
    owner(ctx.tenant, 'Initiator'),
    owner(ctx.tenant),
    el('StorageClass', 'STANDARD'),
    el('PartNumberMarker', marker),
    opt('NextPartNumberMarker', page.nextPartNumberMarker),
    el('MaxParts', maxParts),
    el('IsTruncated', page.isTruncated),
    ...(declared ? [el('ChecksumAlgorithm', declared.algorithm.toUpperCase()), el('ChecksumType', declared.type)] : []),
    ...page.parts.map((p) => el('Part', [
      el('PartNumber', p.partNumber),
      el('LastModified', isoDate(p.lastModified)),
      el('ETag', quoteEtag(p.etag)),
      el('Size', p.size),
      ...checksumElements(p.checksums),
    ])),
  ]));
};
