/**
 * GetObjectAttributes (https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObjectAttributes.html): the
 * attributes named in x-amz-object-attributes. Its ETag is unquoted, unlike every other operation's. Checksum holds
 * the stored checksum and its type (a COMPOSITE value without its `-<parts>` suffix, as S3 shows it); ObjectParts
 * holds the parts count (XML name PartsCount) and, for a multipart object with checksums, each part's size and
 * checksum, paged by x-amz-max-parts / x-amz-part-number-marker.
 */
import { StorageError, type ObjectInfo } from '@omnigate/core';
import type { Handler, ObjectContext } from '../context.js';
import { header } from '../context.js';
import { conditionsFromHeaders } from '../headers.js';
import { sendXml } from '../response.js';
import { el, opt, type XmlElement } from '../xml.js';
import { checksumElements } from './shared.js';

const ATTRIBUTES = new Set(['ETag', 'Checksum', 'ObjectParts', 'StorageClass', 'ObjectSize']);

export const getObjectAttributes: Handler<ObjectContext> = async (ctx) => {
  const wanted = new Set((header(ctx, 'x-amz-object-attributes') ?? '').split(',').map((s) => s.trim()).filter(Boolean));
  if (wanted.size === 0 || [...wanted].some((a) => !ATTRIBUTES.has(a))) throw new StorageError('InvalidArgument', 'Invalid attribute name specified.');
  const info = await ctx.storage.headObject(ctx.tenant, ctx.bucket, ctx.key, { conditions: conditionsFromHeaders(ctx) });
  ctx.res.setHeader('Last-Modified', info.lastModified.toUTCString());
  const checksums = Object.fromEntries(Object.entries(info.checksums).map(([a, v]) => [a, v.replace(/-\d+$/, '')]));
  const checksum = checksumElements(checksums, info.checksumType ?? 'FULL_OBJECT');
  sendXml(ctx.res, 200, el('GetObjectAttributesResponse', [
    wanted.has('ETag') ? el('ETag', info.etag) : undefined,
    wanted.has('Checksum') && checksum.length > 0 ? el('Checksum', checksum) : undefined,
    wanted.has('ObjectParts') && info.partsCount !== null ? objectParts(ctx, info, info.partsCount) : undefined,
    wanted.has('StorageClass') ? el('StorageClass', 'STANDARD') : undefined,
    wanted.has('ObjectSize') ? el('ObjectSize', info.size) : undefined,
  ]));
};

function objectParts(ctx: ObjectContext, info: ObjectInfo, partsCount: number): XmlElement {
  const count = el('PartsCount', partsCount);
  const algorithm = Object.keys(info.checksums)[0];
  if (!info.partChecksums || !info.partSizes || algorithm === undefined) return el('ObjectParts', [count]);
  const maxParts = Math.min(boundedInt(header(ctx, 'x-amz-max-parts'), 1000), 1000);
  const marker = boundedInt(header(ctx, 'x-amz-part-number-marker'), 0);
  const numbers = info.partSizes.map((_, i) => i + 1).filter((n) => n > marker);
  const page = numbers.slice(0, maxParts);
  const isTruncated = numbers.length > page.length;
  return el('ObjectParts', [
    count,
    el('PartNumberMarker', marker),
    opt('NextPartNumberMarker', isTruncated ? page.at(-1) : undefined),
    el('MaxParts', maxParts),
    el('IsTruncated', isTruncated),
    ...page.map((n) => el('Part', [
      el('PartNumber', n),
      el('Size', info.partSizes![n - 1]!),
      ...checksumElements({ [algorithm]: info.partChecksums![n - 1]! }),
    ])),
  ]);
}

function boundedInt(value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!/^\d{1,9}$/.test(value.trim())) throw new StorageError('InvalidArgument', 'Provided max-parts or part-number-marker is not an integer.');
  return Number(value.trim());
}
