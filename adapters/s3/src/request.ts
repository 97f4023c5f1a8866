/**
 * Request addressing: which bucket and key a request names, path-style (`/bucket/key`) or virtual-hosted-style
 * (`bucket.s3.example.com/key`), see https://docs.aws.amazon.com/AmazonS3/latest/userguide/VirtualHosting.html.
 * Keys are percent-decoded from the raw request target, never from Express's decoded path: `..`, `//`, `+`
 * and spaces are plain key bytes (a literal `+` in the path stays `+`, as SigV4-signing clients encode spaces as %20).
 */
import type { S3Request as Request } from './context.js';
import { S3Error } from './errors.js';
import type { ResolvedS3Options } from './options.js';

export interface S3Address {
  /** Undefined for service-level requests (ListBuckets). */
  bucket: string | undefined;
  /** Undefined for bucket-level requests; may be any non-empty string, `..` and `//` included. */
  key: string | undefined;
  virtualHosted: boolean;
}

export interface RawTarget {
  /** The path as on the wire, mount path included, for SigV4's canonical URI. */
  rawPath: string;
  /** The query as on the wire, without `?`. */
  rawQuery: string;
}

/** The request target as the client sent it (what it signed). */
export function rawTarget(req: Request): RawTarget {
  const original = req.originalUrl ?? req.url;
  const at = original.indexOf('?');
  return at < 0 ? { rawPath: original, rawQuery: '' } : { rawPath: original.slice(0, at), rawQuery: original.slice(at + 1) };
}

/** The Host the client addressed: X-Forwarded-Host only behind a trusted proxy. Lower-cased, with any port. */
export function requestHost(req: Request, options: ResolvedS3Options): string {
  const forwarded = options.trustProxy ? firstHeader(req.headers['x-forwarded-host']) : undefined;
  const host = forwarded?.split(',')[0]?.trim() || firstHeader(req.headers.host) || '';
  return host.toLowerCase();
}

export function resolveAddress(req: Request, options: ResolvedS3Options): S3Address {
  // req.url is relative to the router's mount point and still percent-encoded.
  const url = req.url;
  const at = url.indexOf('?');
  const path = at < 0 ? url : url.slice(0, at);
  if (!path.startsWith('/')) throw invalidUri();
  const hostname = requestHost(req, options).replace(/:\d+$/, '');
  for (const suffix of options.virtualHostSuffixes) {
    if (hostname.endsWith(`.${suffix}`)) {
      const bucket = hostname.slice(0, -suffix.length - 1);
      const rawKey = path.slice(1);
      return { bucket, key: rawKey === '' ? undefined : decodeSegment(rawKey), virtualHosted: true };
    }
  }
  const slash = path.indexOf('/', 1);
  const rawBucket = slash < 0 ? path.slice(1) : path.slice(1, slash);
  const rawKey = slash < 0 ? '' : path.slice(slash + 1);
  const bucket = rawBucket === '' ? undefined : decodeSegment(rawBucket);
  if (bucket === undefined && rawKey !== '') throw invalidUri();
  return { bucket, key: rawKey === '' ? undefined : decodeSegment(rawKey), virtualHosted: false };
}

/** Percent-decodes; malformed escapes or invalid UTF-8 are InvalidURI, as S3 answers. */
export function decodeSegment(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    throw invalidUri();
  }
}

function invalidUri(): S3Error {
  return new S3Error('InvalidURI', "Couldn't parse the specified URI.");
}

/**
 * Query parameters decoded like S3 (application/x-www-form-urlencoded: `+` is a space); the first of a repeated
 * name wins. Names keep their case (`uploadId`, `X-Amz-Signature`).
 */
export function parseQuery(rawQuery: string): Map<string, string> {
  const query = new Map<string, string>();
  if (!rawQuery) return query;
  for (const part of rawQuery.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const name = formDecode(eq < 0 ? part : part.slice(0, eq));
    const value = eq < 0 ? '' : formDecode(part.slice(eq + 1));
    if (!query.has(name)) query.set(name, value);
  }
  return query;
}

function formDecode(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    throw invalidUri();
  }
}

export function firstHeader(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** Lower-cased headers as one string each (repeated headers joined with commas, as HTTP folds them). */
export function flatHeaders(req: Request): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    out[name] = Array.isArray(value) ? value.join(',') : value;
  }
  return out;
}
