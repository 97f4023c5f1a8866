/**
 * ListObjects (v1, https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListObjects.html), ListObjectsV2
 * (https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListObjectsV2.html) and, for an unversioned bucket,
 * ListObjectVersions (every object is its only, latest version, id "null"). Paging, delimiters and common
 * prefixes are the core's; this file only maps parameters and fields.
 * Quirks: v1 always includes Owner, v2 only with fetch-owner=true; v1 NextMarker is sent whenever the page is
 * truncated (S3 sends it only with a delimiter, clients then fall back to the last key: same value).
 */
import type { ObjectInfo } from '@omnigate/core';
import type { BucketContext, Handler } from '../context.js';
import { integerParam, quoteEtag } from '../headers.js';
import { sendXml } from '../response.js';
import { el, opt, type XmlElement } from '../xml.js';
import { decodeToken, encodeToken, encodingType, isoDate, owner } from './shared.js';

type Flavour = 'v1' | 'v2' | 'versions';

export const listObjects: Handler<BucketContext> = (ctx) => list(ctx, ctx.query.get('list-type') === '2' ? 'v2' : 'v1');
export const listObjectVersions: Handler<BucketContext> = (ctx) => list(ctx, 'versions');

async function list(ctx: BucketContext, flavour: Flavour): Promise<void> {
  const q = ctx.query;
  const encode = encodingType(q.get('encoding-type'));
  const prefix = q.get('prefix') ?? '';
  const delimiter = q.get('delimiter') || undefined;
  const maxKeys = integerParam(ctx, 'max-keys', 1000, 1000);
  const token = flavour === 'v2' ? q.get('continuation-token') : undefined;
  const startAfter = flavour === 'v2'
    ? (token !== undefined ? decodeToken(token) : q.get('start-after') || undefined)
    : (q.get(flavour === 'v1' ? 'marker' : 'key-marker') || undefined);
  // max-keys=0 answers an empty, untruncated page (for an existing bucket), as S3 does.
  const page = maxKeys === 0
    ? await ctx.storage.headBucket(ctx.tenant, ctx.bucket).then(() => ({ objects: [] as ObjectInfo[], commonPrefixes: [] as string[], isTruncated: false, nextMarker: undefined }))
    : await ctx.storage.listObjects(ctx.tenant, ctx.bucket, { prefix, delimiter, startAfter, limit: maxKeys });
  const withOwner = flavour !== 'v2' || q.get('fetch-owner') === 'true';
  const entry = (o: ObjectInfo): XmlElement => el(flavour === 'versions' ? 'Version' : 'Contents', [
    el('Key', encode(o.key)),
    ...(flavour === 'versions' ? [el('VersionId', 'null'), el('IsLatest', true)] : []),
    el('LastModified', isoDate(o.lastModified)),
    el('ETag', quoteEtag(o.etag)),
    el('Size', o.size),
    el('StorageClass', 'STANDARD'),
    withOwner ? owner(ctx.tenant) : undefined,
    ...Object.keys(o.checksums).map((a) => el('ChecksumAlgorithm', a.toUpperCase())),
    Object.keys(o.checksums).length > 0 ? el('ChecksumType', o.checksumType ?? 'FULL_OBJECT') : undefined,
  ]);
  const common = page.commonPrefixes.map((p) => el('CommonPrefixes', [el('Prefix', encode(p))]));
  const next = page.nextMarker;
  const head: Array<XmlElement | undefined> = [
    el('Name', ctx.bucket),
    el('Prefix', encode(prefix)),
    opt('Delimiter', delimiter === undefined ? undefined : encode(delimiter)),
    el('MaxKeys', maxKeys),
    el('IsTruncated', page.isTruncated),
    opt('EncodingType', q.has('encoding-type') ? 'url' : undefined),
  ];
  let paging: Array<XmlElement | undefined>;
  if (flavour === 'v2') {
    paging = [
      el('KeyCount', page.objects.length + page.commonPrefixes.length),
      opt('ContinuationToken', token),
      opt('NextContinuationToken', page.isTruncated && next !== undefined ? encodeToken(next) : undefined),
      opt('StartAfter', token === undefined && q.get('start-after') ? encode(q.get('start-after')!) : undefined),
    ];
  } else if (flavour === 'v1') {
    paging = [el('Marker', encode(q.get('marker') ?? '')), opt('NextMarker', page.isTruncated && next !== undefined ? encode(next) : undefined)];
  } else {
    paging = [
      el('KeyMarker', encode(q.get('key-marker') ?? '')),
      el('VersionIdMarker', q.get('version-id-marker') ?? ''),
      opt('NextKeyMarker', page.isTruncated && next !== undefined ? encode(next) : undefined),
      opt('NextVersionIdMarker', page.isTruncated && next !== undefined ? 'null' : undefined),
    ];
  }
  const root = flavour === 'versions' ? 'ListVersionsResult' : 'ListBucketResult';
  sendXml(ctx.res, 200, el(root, [...head, ...paging, ...page.objects.map(entry), ...common]));
}
