/**
 * presignUrl: query-string SigV4 (UNSIGNED-PAYLOAD), the same URL @aws-sdk/s3-request-presigner builds for the same
 * inputs: X-Amz-Content-Sha256=UNSIGNED-PAYLOAD among the parameters, every parameter sorted by name, the path kept
 * exactly as given (S3 canonicalisation, no normalisation). Used to hand out PUT/GET URLs (Netiks assets).
 */
import { StorageError } from '../errors.js';
import { canonicalHeaderValue, canonicalRequest, stringToSign, toAmzDate } from './canonical-request.js';
import { deriveSigningKey, sign } from './signing-key.js';
import { ALGORITHM, MAX_PRESIGN_EXPIRY_SECONDS, UNSIGNED_PAYLOAD } from './sigv4-types.js';
import { percentDecode, sortedQuery, uriEncode } from './uri-encoding.js';

export interface PresignUrlOptions {
  method: string;
  /** Absolute URL; its path already percent-encoded as S3 expects (e.g. `/bucket/my%20key`). */
  url: string;
  accessKey: string;
  secretKey: string;
  /** Default 'us-east-1'. */
  region?: string;
  /** Default 's3'. */
  service?: string;
  /** 1 to 604800 seconds. */
  expiresInSeconds: number;
  /** Headers the client must send with exactly these values (e.g. content-type); host is always signed. */
  signedHeaders?: Record<string, string>;
  /** Signing time; default now. */
  now?: Date;
}

const URL_PARTS = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\/([^/?#]+)([^?#]*)(?:\?([^#]*))?(?:#.*)?$/;
const AUTH_PARAMS = /^x-amz-(algorithm|credential|date|expires|signedheaders|signature|content-sha256|security-token)$/i;

export function presignUrl(opts: PresignUrlOptions): string {
  const parts = URL_PARTS.exec(opts.url);
  if (!parts) throw new StorageError('InvalidArgument', 'presignUrl needs an absolute http(s) URL');
  const [, scheme, authority, rawPath, rawQuery = ''] = parts as unknown as [string, string, string, string, string | undefined];
  const expires = opts.expiresInSeconds;
  if (!Number.isInteger(expires) || expires < 1 || expires > MAX_PRESIGN_EXPIRY_SECONDS) {
    throw new StorageError('InvalidArgument', `Presigned URLs expire after 1 to ${MAX_PRESIGN_EXPIRY_SECONDS} seconds`, { expires });
  }
  const headers: Record<string, string> = Object.create(null);
  headers['host'] = hostHeader(scheme.toLowerCase(), authority);
  for (const [name, value] of Object.entries(opts.signedHeaders ?? {})) {
    const lower = name.toLowerCase();
    if (!/^[a-z0-9!#$%&'*+.^_`|~-]+$/.test(lower)) throw new StorageError('InvalidArgument', `"${name}" is not a header name`);
    headers[lower] = canonicalHeaderValue(value);
  }
  const signedHeaders = Object.keys(headers).sort();

  const now = opts.now ?? new Date();
  const amzDate = toAmzDate(now);
  const region = opts.region ?? 'us-east-1';
  const service = opts.service ?? 's3';
  const scope = `${amzDate.slice(0, 8)}/${region}/${service}/aws4_request`;
  const query: Array<[string, string]> = [];
  for (const part of rawQuery.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const name = percentDecode(eq < 0 ? part : part.slice(0, eq), true);
    if (AUTH_PARAMS.test(name.toString('utf8'))) throw new StorageError('InvalidArgument', 'The URL already carries SigV4 query parameters');
    query.push([uriEncode(name), uriEncode(percentDecode(eq < 0 ? '' : part.slice(eq + 1), true))]);
  }
  for (const [name, value] of [
    ['X-Amz-Algorithm', ALGORITHM], ['X-Amz-Content-Sha256', UNSIGNED_PAYLOAD], ['X-Amz-Credential', `${opts.accessKey}/${scope}`],
    ['X-Amz-Date', amzDate], ['X-Amz-Expires', String(expires)], ['X-Amz-SignedHeaders', signedHeaders.join(';')],
  ] as const) query.push([name, uriEncode(value)]);

  const canonical = canonicalRequest({
    method: opts.method, rawPath: rawPath || '/', rawQuery: sortedQuery([...query]), headers, signedHeaders, payloadHash: UNSIGNED_PAYLOAD,
  });
  const signature = sign(deriveSigningKey(opts.secretKey, amzDate.slice(0, 8), region, service), stringToSign(amzDate, scope, canonical));
  query.push(['X-Amz-Signature', signature]);
  return `${scheme}://${authority}${rawPath || '/'}?${sortedQuery(query)}`;
}

/** The Host header a client sends for this authority: no userinfo, lower-case, no default port. */
function hostHeader(scheme: string, authority: string): string {
  const host = authority.slice(authority.lastIndexOf('@') + 1).toLowerCase();
  if ((scheme === 'http' && host.endsWith(':80')) || (scheme === 'https' && host.endsWith(':443'))) return host.replace(/:\d+$/, '');
  return host;
}
