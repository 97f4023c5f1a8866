/**
 * ListMultipartUploads (https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListMultipartUploads.html).
 * The core pages uploads by (key, upload id); a delimiter is rolled up here within the page, since the core has no
 * delimiter for uploads (a prefix spanning two pages may then appear on both). Each upload shows the checksum
 * algorithm and type it declared.
 */
import type { BucketContext, Handler } from '../context.js';
import { integerParam } from '../headers.js';
import { sendXml } from '../response.js';
import { uploadChecksumOf } from '../multipart-checksums.js';
import { el, opt } from '../xml.js';
import { encodingType, isoDate, owner } from './shared.js';

export const listMultipartUploads: Handler<BucketContext> = async (ctx) => {
  const q = ctx.query;
  const encode = encodingType(q.get('encoding-type'));
  const prefix = q.get('prefix') ?? '';
  const delimiter = q.get('delimiter') || undefined;
  const maxUploads = integerParam(ctx, 'max-uploads', 1000, 1000);
  const keyMarker = q.get('key-marker') || undefined;
  const uploadIdMarker = keyMarker ? q.get('upload-id-marker') || undefined : undefined;
  const page = await ctx.storage.multipart.list(ctx.tenant, ctx.bucket, { prefix, keyMarker, uploadIdMarker, maxUploads });
  const prefixes = new Set<string>();
  const uploads = page.uploads.filter((u) => {
    if (!delimiter) return true;
    const at = u.key.indexOf(delimiter, prefix.length);
    if (at < 0) return true;
    prefixes.add(u.key.slice(0, at + delimiter.length));
    return false;
  });
  sendXml(ctx.res, 200, el('ListMultipartUploadsResult', [
    el('Bucket', ctx.bucket),
    el('KeyMarker', encode(keyMarker ?? '')),
    el('UploadIdMarker', uploadIdMarker ?? ''),
    opt('NextKeyMarker', page.nextKeyMarker === undefined ? undefined : encode(page.nextKeyMarker)),
    opt('NextUploadIdMarker', page.nextUploadIdMarker),
    el('Prefix', encode(prefix)),
    opt('Delimiter', delimiter === undefined ? undefined : encode(delimiter)),
    el('MaxUploads', maxUploads),
    el('IsTruncated', page.isTruncated),
    opt('EncodingType', q.has('encoding-type') ? 'url' : undefined),
    ...uploads.map((u) => {
      const declared = uploadChecksumOf(u);
      return el('Upload', [
        el('Key', encode(u.key)),
        el('UploadId', u.uploadId),
        owner(ctx.tenant, 'Initiator'),
        owner(ctx.tenant),
        el('StorageClass', 'STANDARD'),
        el('Initiated', isoDate(u.createdAt)),
        ...(declared ? [el('ChecksumAlgorithm', declared.algorithm.toUpperCase()), el('ChecksumType', declared.type)] : []),
      ]);
    }),
    ...[...prefixes].map((p) => el('CommonPrefixes', [el('Prefix', encode(p))])),
  ]));
};
