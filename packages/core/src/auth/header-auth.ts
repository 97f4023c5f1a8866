/**
 * Parses the SigV4 `Authorization` header:
 *   AWS4-HMAC-SHA256 Credential=<key>/<yyyymmdd>/<region>/<service>/aws4_request, SignedHeaders=a;b;host, Signature=<hex>
 * Components are separated by ',' with optional spaces (the AWS documentation's examples use both forms).
 */
import { StorageError, type StorageErrorCode } from '../errors.js';
import { ALGORITHM } from './sigv4-types.js';

export interface ParsedCredential {
  accessKey: string;
  date: string;
  region: string;
  service: string;
}

export interface ParsedAuth {
  credential: ParsedCredential;
  signedHeaders: string[];
  signature: string;
}

type AuthErrorCode = Extract<StorageErrorCode, 'AuthorizationHeaderMalformed' | 'AuthorizationQueryParametersError'>;

/** `<access key>/<yyyymmdd>/<region>/<service>/aws4_request`. */
export function parseCredential(value: string, code: AuthErrorCode): ParsedCredential {
  const parts = value.split('/');
  const bad = (why: string) => new StorageError(code, `The Credential is malformed: ${why}`, { credential: value });
  if (parts.length < 5) throw bad(`expected "<access key>/<yyyymmdd>/<region>/<service>/aws4_request", got "${value}"`);
  const [date, region, service, terminator] = parts.slice(-4) as [string, string, string, string];
  const accessKey = parts.slice(0, -4).join('/');
  if (!accessKey) throw bad('the access key is empty');
  if (!/^\d{8}$/.test(date)) throw bad(`"${date}" is not a yyyymmdd date`);
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(region)) throw bad(`"${region}" is not a region`);
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(service)) throw bad(`"${service}" is not a service name`);
  if (terminator !== 'aws4_request') throw bad(`the scope must end with aws4_request, not "${terminator}"`);
  return { accessKey, date, region, service };
}

const HEADER_NAME = /^[a-z0-9!#$%&'*+.^_`|~-]+$/;

/** `a;b;host`: lower-case header names, no duplicates, host among them. */
export function parseSignedHeaders(value: string, code: AuthErrorCode): string[] {
  const names = value.split(';');
  const seen = new Set<string>();
  for (const name of names) {
    if (!HEADER_NAME.test(name)) throw new StorageError(code, `SignedHeaders must be lower-case header names separated by ';', got "${value}"`);
    if (seen.has(name)) throw new StorageError(code, `SignedHeaders lists "${name}" twice`);
    seen.add(name);
  }
  if (!seen.has('host')) throw new StorageError(code, 'SignedHeaders must include host');
  return names;
}

export function parseAuthorizationHeader(value: string): ParsedAuth {
  const code = 'AuthorizationHeaderMalformed';
  const space = value.indexOf(' ');
  const algorithm = space < 0 ? value : value.slice(0, space);
  if (algorithm !== ALGORITHM) throw unsupportedAuthorization(algorithm);
  const fields = new Map<string, string>();
  for (const component of value.slice(space + 1).split(',')) {
    const text = component.trim();
    const eq = text.indexOf('=');
    const name = eq < 0 ? text : text.slice(0, eq);
    if (eq < 0 || !['Credential', 'SignedHeaders', 'Signature'].includes(name)) {
      throw new StorageError(code, `The authorization header is malformed; unexpected component "${text.slice(0, 40)}"`);
    }
    if (fields.has(name)) throw new StorageError(code, `The authorization header is malformed; ${name} appears twice`);
    fields.set(name, text.slice(eq + 1));
  }
  for (const name of ['Credential', 'SignedHeaders', 'Signature']) {
    if (!fields.get(name)) throw new StorageError(code, `The authorization header is malformed; missing ${name}`);
  }
  return {
    credential: parseCredential(fields.get('Credential')!, code),
    signedHeaders: parseSignedHeaders(fields.get('SignedHeaders')!, code),
    signature: fields.get('Signature')!,
  };
}

/** SigV2 (`AWS key:sig`), SigV4a and anything else: a clear refusal rather than "anonymous". */
export function unsupportedAuthorization(algorithm: string): StorageError {
  return new StorageError('InvalidArgument',
    'The authorization mechanism you have provided is not supported. Please use AWS4-HMAC-SHA256.', { algorithm: algorithm.slice(0, 40) });
}
