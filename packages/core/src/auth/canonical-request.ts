/**
 * The SigV4 canonical request and string to sign:
 *
 *   <METHOD>\n<canonical URI>\n<canonical query>\n<name:value\n per signed header>\n<signed;headers>\n<payload hash>
 *   AWS4-HMAC-SHA256\n<amz date>\n<scope>\n<hex sha256 of the canonical request>
 */
import { ALGORITHM } from './sigv4-types.js';
import { sha256Hex } from './signing-key.js';
import { canonicalQuery, canonicalUri } from './uri-encoding.js';

export interface CanonicalInput {
  method: string;
  rawPath: string;
  rawQuery: string;
  /** A query parameter left out of the canonical query (X-Amz-Signature for presigned requests). */
  excludeQuery?: string;
  headers: Record<string, string | undefined>;
  /** Lower-case names, in the order the client listed them (SigV4 clients list them sorted). */
  signedHeaders: readonly string[];
  payloadHash: string;
  /** Overrides the canonical URI (verify.ts retries with the path exactly as sent, see there). */
  canonicalPath?: string;
}

/** Trims a header value and collapses runs of spaces and tabs to one space (SigV4 "Trimall"). */
export function canonicalHeaderValue(value: string): string {
  return value.replace(/[ \t]+/g, ' ').replace(/^ | $/g, '');
}

/** The canonical request; throws nothing: a signed header missing from `headers` must be caught by the caller. */
export function canonicalRequest(input: CanonicalInput): string {
  const headerLines = input.signedHeaders.map((name) => `${name}:${canonicalHeaderValue(input.headers[name] ?? '')}\n`).join('');
  return [
    input.method.toUpperCase(),
    input.canonicalPath ?? canonicalUri(input.rawPath),
    canonicalQuery(input.rawQuery, input.excludeQuery),
    headerLines,
    input.signedHeaders.join(';'),
    input.payloadHash,
  ].join('\n');
}

export function stringToSign(amzDate: string, scope: string, canonical: string): string {
  return `${ALGORITHM}\n${amzDate}\n${scope}\n${sha256Hex(canonical)}`;
}

/** `YYYYMMDDTHHMMSSZ` for a Date (whole seconds). Every request formats one or two: built directly, not from toISOString. */
export function toAmzDate(date: Date): string {
  const year = date.getUTCFullYear();
  // toISOString writes years outside 0-9999 with a sign and six digits: keep its rendering for those.
  if (!(year >= 0 && year <= 9999)) return date.toISOString().replace(/\.\d{3}Z$/, 'Z').replace(/[-:]/g, '');
  return `${String(year).padStart(4, '0')}${two(date.getUTCMonth() + 1)}${two(date.getUTCDate())}T${two(date.getUTCHours())}${two(date.getUTCMinutes())}${two(date.getUTCSeconds())}Z`;
}

function two(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

/** Parses `YYYYMMDDTHHMMSSZ`; undefined when malformed or not a real instant. */
export function parseAmzDate(text: string): Date | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(text);
  if (!m) return undefined;
  const date = new Date(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!));
  return toAmzDate(date) === text ? date : undefined; // rejects 20130231, 25:00:00...
}
