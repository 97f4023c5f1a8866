/**
 * GetObjectAttributes (https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObjectAttributes.html): the
 * attributes named in x-amz-object-attributes. Its ETag is unquoted, unlike every other operation's.
 */
import { StorageError } from '@omnigate/core';
import type { Handler, ObjectContext } from '../context.js';
import { header } from '../context.js';
import { conditionsFromHeaders } from '../headers.js';
import { sendXml } from '../response.js';
import { el } from '../xml.js';

const ATTRIBUTES = new Set(['ETag', 'Checksum', 'ObjectParts', 'StorageClass', 'ObjectSize']);

export const getObjectAttributes: Handler<ObjectContext> = async (ctx) => {
  const wanted = new Set((header(ctx, 'x-amz-object-attributes') ?? '').split(',').map((s) => s.trim()).filter(Boolean));
  if (wanted.size === 0 || [...wanted].some((a) => !ATTRIBUTES.has(a))) throw new StorageError('InvalidArgument', 'Invalid attribute name specified.');
  const info = await ctx.storage.headObject(ctx.tenant, ctx.bucket, ctx.key, { conditions: conditionsFromHeaders(ctx) });
  ctx.res.setHeader('Last-Modified', info.lastModified.toUTCString());
  const checksums = Object.entries(info.checksums);
  sendXml(ctx.res, 200, el('GetObjectAttributesResponse', [
    wanted.has('ETag') ? el('ETag', info.etag) : undefined,
    wanted.has('Checksum') && checksums.length > 0
      ? el('Checksum', [...checksums.map(([a, v]) => el(`Checksum${a.toUpperCase()}`, v)), el('ChecksumType', 'FULL_OBJECT')])
      : undefined,
    wanted.has('ObjectParts') && info.partsCount !== null ? el('ObjectParts', [el('TotalPartsCount', info.partsCount)]) : undefined,
    wanted.has('StorageClass') ? el('StorageClass', 'STANDARD') : undefined,
    wanted.has('ObjectSize') ? el('ObjectSize', info.size) : undefined,
  ]));
};
