/**
 * SigV4 request verification: Authorization header or presigned query, checked in the order S3 does (form, time,
 * payload mode, access key, signature). The chunk signatures of streaming uploads are checked later, while the body
 * streams, by createPayloadDecoder (payload-decoder.ts) from the result's signingContext.
 */
import { StorageError } from '../errors.js';
import { canonicalRequest, parseAmzDate, stringToSign, toAmzDate } from './canonical-request.js';
import { parseAuthorizationHeader, unsupportedAuthorization, type ParsedAuth } from './header-auth.js';
import { parsePayloadMode, parseDecodedContentLength } from './payload-mode.js';
import { parsePresignQuery } from './query-auth.js';
import { deriveSigningKey, sign, signaturesEqual } from './signing-key.js';
import {
  MAX_PRESIGN_EXPIRY_SECONDS, UNSIGNED_PAYLOAD, type PayloadMode, type SigV4Lookup, type SigV4Options, type SigV4Request, type SigV4Result,
} from './sigv4-types.js';
import { canonicalUri, parseQueryPairs } from './uri-encoding.js';

const QUERY_AUTH = new Set(['X-Amz-Algorithm', 'X-Amz-Credential', 'X-Amz-Signature']);
/** Query names of other AWS auth schemes (SigV2 presigned URLs), refused with a clear message. */
const OTHER_QUERY_AUTH = new Set(['AWSAccessKeyId']);
/** x-amz-* headers that need not be signed: both are bound by the string to sign or ignored (presigned requests). */
const UNSIGNED_OK = new Set(['x-amz-content-sha256', 'x-amz-date']);

/** True when the request carries AWS auth at all (any Authorization header, SigV4 or SigV2 query parameters). */
export function hasSigV4(req: SigV4Request): boolean {
  if (req.headers['authorization']) return true;
  return parseQueryPairs(req.rawQuery).some(([name]) => QUERY_AUTH.has(name) || OTHER_QUERY_AUTH.has(name));
}

export async function verifySigV4(given: SigV4Request, lookup: SigV4Lookup, options: SigV4Options = {}): Promise<SigV4Result> {
  const req = { ...given, headers: ownHeaders(given.headers) };
  const pairs = parseQueryPairs(req.rawQuery);
  const authorization = req.headers['authorization'];
  const queryAuth = pairs.some(([name]) => QUERY_AUTH.has(name));
  if (authorization) {
    if (queryAuth) {
      throw new StorageError('InvalidArgument', 'Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter or the Authorization header should be specified');
    }
    return verifyHeaderAuth(req, authorization, lookup, options);
  }
  if (queryAuth) return verifyQueryAuth(req, pairs, lookup, options);
  if (pairs.some(([name]) => OTHER_QUERY_AUTH.has(name))) throw unsupportedAuthorization('AWS (query string)');
  throw new StorageError('AccessDenied', 'Access Denied');
}

async function verifyHeaderAuth(req: SigV4Request, authorization: string, lookup: SigV4Lookup, options: SigV4Options): Promise<SigV4Result> {
  const auth = parseAuthorizationHeader(authorization);
  rejectSecurityToken(req.headers['x-amz-security-token'] !== undefined);
  const amzDateHeader = req.headers['x-amz-date'];
  const dateHeader = req.headers['date'];
  const when = amzDateHeader !== undefined ? parseAmzDate(amzDateHeader.trim())
    : dateHeader !== undefined && !Number.isNaN(Date.parse(dateHeader)) ? new Date(Date.parse(dateHeader)) : undefined;
  if (!when) throw new StorageError('AccessDenied', 'AWS authentication requires a valid Date or x-amz-date header');
  const amzDate = toAmzDate(when);
  checkScope(auth, amzDate, options, 'AuthorizationHeaderMalformed');
  const now = (options.now ?? (() => new Date()))();
  const skewMs = (options.clockSkewSeconds ?? 900) * 1000;
  if (Math.abs(now.getTime() - when.getTime()) > skewMs) {
    throw new StorageError('RequestTimeTooSkewed', 'The difference between the request time and the current time is too large.',
      { requestTime: amzDate, serverTime: toAmzDate(now), maxAllowedSkewMilliseconds: skewMs });
  }
  const contentSha256 = req.headers['x-amz-content-sha256'];
  if (contentSha256 === undefined) {
    throw new StorageError('InvalidArgument', 'Missing required header for this request: x-amz-content-sha256');
  }
  const payload = parsePayloadMode(contentSha256, false);
  const decodedContentLength = payload.kind.startsWith('streaming') ? parseDecodedContentLength(req.headers['x-amz-decoded-content-length']) : undefined;
  return finish(req, auth, { amzDate, payload, payloadHash: contentSha256, presigned: false, decodedContentLength }, lookup);
}

async function verifyQueryAuth(req: SigV4Request, pairs: Array<[string, string]>, lookup: SigV4Lookup, options: SigV4Options): Promise<SigV4Result> {
  const auth = parsePresignQuery(pairs, options.maxPresignExpirySeconds ?? MAX_PRESIGN_EXPIRY_SECONDS);
  rejectSecurityToken(req.headers['x-amz-security-token'] !== undefined || pairs.some(([name]) => name.toLowerCase() === 'x-amz-security-token'));
  const when = parseAmzDate(auth.amzDate);
  if (!when) {
    throw new StorageError('AuthorizationQueryParametersError', 'X-Amz-Date must be in the ISO8601 Long Format "yyyyMMdd\'T\'HHmmss\'Z\'"', { date: auth.amzDate });
  }
  checkScope(auth, auth.amzDate, options, 'AuthorizationQueryParametersError');
  const now = (options.now ?? (() => new Date()))();
  const expiresAt = when.getTime() + auth.expiresSeconds * 1000;
  if (now.getTime() > expiresAt) {
    throw new StorageError('AccessDenied', 'Request has expired', { expires: toAmzDate(new Date(expiresAt)), serverTime: toAmzDate(now) });
  }
  if (when.getTime() - now.getTime() > (options.clockSkewSeconds ?? 900) * 1000) {
    throw new StorageError('AccessDenied', 'Request is not valid yet', { requestTime: auth.amzDate, serverTime: toAmzDate(now) });
  }
  const payloadHash = auth.contentSha256 ?? UNSIGNED_PAYLOAD;
  const payload = parsePayloadMode(payloadHash, true);
  return finish(req, auth, { amzDate: auth.amzDate, payload, payloadHash, presigned: true, decodedContentLength: undefined }, lookup);
}

interface Checked {
  amzDate: string;
  payload: PayloadMode;
  payloadHash: string;
  presigned: boolean;
  decodedContentLength: number | undefined;
}

/** Header checks, the key lookup and the signature itself, common to both forms. */
async function finish(req: SigV4Request, auth: ParsedAuth, checked: Checked, lookup: SigV4Lookup): Promise<SigV4Result> {
  const signed = new Set(auth.signedHeaders);
  const notSigned = Object.keys(req.headers).filter((name) => name.startsWith('x-amz-') && !signed.has(name) && !UNSIGNED_OK.has(name)
    && req.headers[name] !== undefined);
  if (notSigned.length > 0) {
    throw new StorageError('AccessDenied', 'There were headers present in the request which were not signed', { headersNotSigned: notSigned.sort() });
  }
  const { accessKey, date, region, service } = auth.credential;
  const found = await lookup(accessKey);
  if (!found) {
    throw new StorageError('InvalidAccessKeyId', 'The AWS Access Key Id you provided does not exist in our records.', { accessKeyId: accessKey });
  }
  const missing = auth.signedHeaders.find((name) => req.headers[name] === undefined);
  if (missing !== undefined) {
    throw new StorageError('SignatureDoesNotMatch', `The signed header "${missing}" is missing from the request`, { header: missing });
  }
  const input = {
    method: req.method, rawPath: req.rawPath, rawQuery: req.rawQuery, excludeQuery: checked.presigned ? 'X-Amz-Signature' : undefined,
    headers: req.headers, signedHeaders: auth.signedHeaders, payloadHash: checked.payloadHash,
  };
  const canonical = canonicalRequest(input);
  const scope = `${date}/${region}/${service}/aws4_request`;
  const toSign = stringToSign(checked.amzDate, scope, canonical);
  const signingKey = deriveSigningKey(found.secretKey, date, region, service);
  let expected = sign(signingKey, toSign);
  if (!signaturesEqual(expected, auth.signature) && canonicalUri(req.rawPath) !== req.rawPath) {
    // Clients that sign the path exactly as they send it (`%7E`, lower-case hex, a raw `!`): the same path bytes,
    // so the same key; only the rendering differs from the canonical one.
    expected = sign(signingKey, stringToSign(checked.amzDate, scope, canonicalRequest({ ...input, canonicalPath: req.rawPath })));
  }
  if (!signaturesEqual(expected, auth.signature)) {
    throw new StorageError('SignatureDoesNotMatch',
      'The request signature we calculated does not match the signature you provided. Check your key and signing method.',
      { signatureProvided: auth.signature.slice(0, 64), stringToSign: toSign, canonicalRequest: canonical });
  }
  const result: SigV4Result = {
    accessKey, secretKey: found.secretKey, principal: found.principal, presigned: checked.presigned, payload: checked.payload,
    signingContext: { amzDate: checked.amzDate, scope, region, service, signingKey, seedSignature: expected },
  };
  if (checked.decodedContentLength !== undefined) result.decodedContentLength = checked.decodedContentLength;
  return result;
}

function checkScope(auth: ParsedAuth, amzDate: string, options: SigV4Options, code: 'AuthorizationHeaderMalformed' | 'AuthorizationQueryParametersError'): void {
  const { date, region, service } = auth.credential;
  if (date !== amzDate.slice(0, 8)) {
    throw new StorageError(code, `Invalid credential date "${date}". Date is not the same as X-Amz-Date: "${amzDate.slice(0, 8)}".`);
  }
  const wantService = options.service ?? 's3';
  if (service !== wantService) throw new StorageError(code, `The credential should be scoped to a valid service: '${wantService}'.`, { service });
  const wantRegion = options.region ?? 'us-east-1';
  if (options.strictRegion && region !== wantRegion) {
    throw new StorageError(code, `The credential scope's region '${region}' is wrong; expecting '${wantRegion}'`, { region: wantRegion });
  }
}

/** Omnigate issues no temporary credentials, so a session token can only be a misconfigured client: say so. */
function rejectSecurityToken(present: boolean): void {
  if (present) {
    throw new StorageError('InvalidArgument', 'Security tokens (X-Amz-Security-Token) are not supported: sign with the access key and secret key only');
  }
}

/**
 * A prototype-free copy with lower-case names, so a signed header called "constructor" or "__proto__" is just a
 * missing header; array values (as Node gives for a few headers) are joined with ','.
 */
function ownHeaders(headers: Record<string, string | readonly string[] | undefined>): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = Object.create(null);
  for (const name of Object.keys(headers)) {
    const value = headers[name];
    if (value !== undefined) out[name.toLowerCase()] = typeof value === 'string' ? value : value.join(',');
  }
  return out;
}
