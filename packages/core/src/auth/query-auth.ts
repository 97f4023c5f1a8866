/**
 * Parses query-string (presigned URL) SigV4 auth: X-Amz-Algorithm, X-Amz-Credential, X-Amz-Date, X-Amz-Expires,
 * X-Amz-SignedHeaders, X-Amz-Signature, and the optional X-Amz-Content-Sha256. Names are case-sensitive, as in S3,
 * except the two a signer hoists from headers (X-Amz-Content-Sha256, X-Amz-Security-Token).
 */
import { StorageError } from '../errors.js';
import { parseCredential, parseSignedHeaders, unsupportedAuthorization, type ParsedAuth } from './header-auth.js';
import { ALGORITHM } from './sigv4-types.js';

export interface ParsedPresign extends ParsedAuth {
  amzDate: string;
  expiresSeconds: number;
  /** X-Amz-Content-Sha256 when given (the payload hash line of the canonical request), else UNSIGNED-PAYLOAD. */
  contentSha256: string | undefined;
}

const CODE = 'AuthorizationQueryParametersError';
const REQUIRED = ['X-Amz-Algorithm', 'X-Amz-Credential', 'X-Amz-Signature', 'X-Amz-Date', 'X-Amz-SignedHeaders', 'X-Amz-Expires'];
const AUTH_PARAMS = new Set([...REQUIRED, 'X-Amz-Content-Sha256', 'X-Amz-Security-Token']);
const HOISTED = new Map([['x-amz-content-sha256', 'X-Amz-Content-Sha256'], ['x-amz-security-token', 'X-Amz-Security-Token']]);

export function parsePresignQuery(pairs: ReadonlyArray<[string, string]>, maxExpirySeconds: number): ParsedPresign {
  const params = new Map<string, string>();
  for (const [given, value] of pairs) {
    // Signers hoist x-amz-* headers into the query under the header's own spelling (often lower-case).
    const name = HOISTED.get(given.toLowerCase()) ?? given;
    if (!AUTH_PARAMS.has(name)) continue;
    if (params.has(name)) throw new StorageError(CODE, `The query parameter ${name} appears more than once`);
    params.set(name, value);
  }
  const algorithm = params.get('X-Amz-Algorithm');
  if (algorithm !== undefined && algorithm !== ALGORITHM) throw unsupportedAuthorization(algorithm);
  if (REQUIRED.some((name) => !params.get(name))) {
    throw new StorageError(CODE, 'Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters.');
  }
  const expires = params.get('X-Amz-Expires')!;
  if (!/^\d{1,10}$/.test(expires)) throw new StorageError(CODE, 'X-Amz-Expires should be a number of seconds', { expires });
  const expiresSeconds = Number(expires);
  if (expiresSeconds > maxExpirySeconds) {
    throw new StorageError(CODE, `X-Amz-Expires must be less than a week (in seconds) that is ${maxExpirySeconds}`, { expires: expiresSeconds, max: maxExpirySeconds });
  }
  return {
    credential: parseCredential(params.get('X-Amz-Credential')!, CODE),
    signedHeaders: parseSignedHeaders(params.get('X-Amz-SignedHeaders')!, CODE),
    signature: params.get('X-Amz-Signature')!,
    amzDate: params.get('X-Amz-Date')!,
    expiresSeconds,
    contentSha256: params.get('X-Amz-Content-Sha256'),
  };
}
