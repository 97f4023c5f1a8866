/**
 * Object headers in and out (https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObject.html,
 * https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html):
 * - x-amz-meta-* user metadata (names lower-cased, as HTTP/1.1 does anyway);
 * - the stored representation headers: Content-Disposition, Cache-Control, Content-Encoding (minus `aws-chunked`,
 *   which describes the upload, not the object), Content-Language, Expires;
 * - conditional headers, for the object itself or, with a prefix, for a copy source;
 * - GET's response-* query overrides.
 */
import type { Conditions, ObjectInfo } from '@omnigate/core';
import { StorageError } from '@omnigate/core';
import { checksumHeaders } from './checksums.js';
import { header, type S3Context } from './context.js';

export const STORED_HEADERS = ['content-disposition', 'cache-control', 'content-encoding', 'content-language', 'expires'] as const;

export interface ObjectFields {
  contentType: string | undefined;
  metadata: Record<string, string>;
  headers: Record<string, string>;
}

export function objectFieldsFromRequest(ctx: S3Context): ObjectFields {
  const metadata: Record<string, string> = {};
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(ctx.headers)) {
    if (value === undefined) continue;
    if (name.startsWith('x-amz-meta-') && name.length > 'x-amz-meta-'.length) metadata[name.slice('x-amz-meta-'.length)] = value;
  }
  for (const name of STORED_HEADERS) {
    let value = header(ctx, name);
    if (name === 'content-encoding' && value !== undefined) {
      value = value.split(',').map((s) => s.trim()).filter((s) => s !== '' && s.toLowerCase() !== 'aws-chunked').join(',');
    }
    if (value) headers[name] = value;
  }
  return { contentType: header(ctx, 'content-type'), metadata, headers };
}

/** RFC 9110 conditional headers (prefix `x-amz-copy-source-` for CopyObject / UploadPartCopy sources). */
export function conditionsFromHeaders(ctx: S3Context, prefix = ''): Conditions | undefined {
  const conditions: Conditions = {};
  const ifMatch = header(ctx, `${prefix}if-match`);
  const ifNoneMatch = header(ctx, `${prefix}if-none-match`);
  const ifModifiedSince = httpDate(header(ctx, `${prefix}if-modified-since`));
  const ifUnmodifiedSince = httpDate(header(ctx, `${prefix}if-unmodified-since`));
  if (ifMatch !== undefined) conditions.ifMatch = ifMatch;
  if (ifNoneMatch !== undefined) conditions.ifNoneMatch = ifNoneMatch;
  if (ifModifiedSince) conditions.ifModifiedSince = ifModifiedSince;
  if (ifUnmodifiedSince) conditions.ifUnmodifiedSince = ifUnmodifiedSince;
  return Object.keys(conditions).length > 0 ? conditions : undefined;
}

/** An HTTP date; anything unparseable is ignored, as S3 and RFC 9110 §13.1.3 do. */
function httpDate(value: string | undefined): Date | undefined {
  if (value === undefined) return undefined;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

export function quoteEtag(etag: string): string {
  return `"${etag}"`;
}

/**
 * A value Node can send as a header: Latin-1 text passes as is (clients send metadata bytes that way and expect
 * them back); anything wider is RFC 2047-encoded, as S3 returns non-ASCII metadata.
 */
export function wireHeaderValue(value: string): string {
  if (/^[\t\x20-\x7e\x80-\xff]*$/.test(value)) return value;
  return `=?UTF-8?B?${Buffer.from(value, 'utf8').toString('base64')}?=`;
}

/** Headers describing a stored object on GET/HEAD (and its validators on 304). */
export function setObjectHeaders(ctx: S3Context, info: ObjectInfo, opts: { checksums: boolean }): void {
  const { res } = ctx;
  res.setHeader('ETag', quoteEtag(info.etag));
  res.setHeader('Last-Modified', info.lastModified.toUTCString());
  res.setHeader('Content-Type', wireHeaderValue(info.contentType));
  res.setHeader('Accept-Ranges', 'bytes');
  for (const name of STORED_HEADERS) {
    const value = info.headers[name];
    if (value) res.setHeader(name, wireHeaderValue(value));
  }
  for (const [name, value] of Object.entries(info.metadata)) {
    if (/^[!#$%&'*+.^_`|~0-9a-z-]+$/.test(name)) res.setHeader(`x-amz-meta-${name}`, wireHeaderValue(value));
  }
  const tagCount = Object.keys(info.tags).length;
  if (tagCount > 0) res.setHeader('x-amz-tagging-count', String(tagCount));
  if (info.partsCount !== null) res.setHeader('x-amz-mp-parts-count', String(info.partsCount));
  // Objects are always encrypted at rest; S3 reports its own default encryption the same way.
  res.setHeader('x-amz-server-side-encryption', 'AES256');
  if (opts.checksums) {
    for (const [name, value] of Object.entries(checksumHeaders(info.checksums))) res.setHeader(name, value);
    if (Object.keys(info.checksums).length > 0) res.setHeader('x-amz-checksum-type', info.checksumType ?? 'FULL_OBJECT');
  }
}

const OVERRIDES: Array<[query: string, header: string]> = [
  ['response-content-type', 'Content-Type'],
  ['response-content-language', 'Content-Language'],
  ['response-expires', 'Expires'],
  ['response-cache-control', 'Cache-Control'],
  ['response-content-disposition', 'Content-Disposition'],
  ['response-content-encoding', 'Content-Encoding'],
];

/** GET/HEAD's response-* query parameters replace the stored headers in this response only. */
export function applyResponseOverrides(ctx: S3Context): void {
  for (const [param, name] of OVERRIDES) {
    const value = ctx.query.get(param);
    if (value === undefined) continue;
    if (!/^[\t\x20-\x7e\x80-\xff]*$/.test(value)) throw new StorageError('InvalidArgument', `The ${param} parameter is not a valid header value`);
    ctx.res.setHeader(name, value);
  }
}

/** Parses a non-negative integer query parameter (max-keys, part-number-marker...); junk is InvalidArgument. */
export function integerParam(ctx: S3Context, name: string, fallback: number, max = Number.MAX_SAFE_INTEGER): number {
  const raw = ctx.query.get(name);
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw)) throw new StorageError('InvalidArgument', `Provided ${name} not an integer or within integer range`, { [name]: raw });
  return Math.min(Number(raw), max);
}
