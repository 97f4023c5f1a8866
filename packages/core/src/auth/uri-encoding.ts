/**
 * SigV4 URI encoding for S3: the canonical URI and canonical query string.
 *
 * S3 does not normalise paths: no dot-segment removal, no collapsing of `//`, no double encoding. The canonical URI
 * is the path as sent, each segment percent-decoded and re-encoded with the RFC 3986 unreserved set (`A-Z a-z 0-9
 * - _ . ~` kept, every other byte `%XX` upper-case), `/` kept as the separator. So `%2F` inside a segment stays
 * `%2F`, a literal `+` in a path is a plus (`%2B`), and `%7E`/`~`, `%20`, `!`/`%21` each canonicalise to one form.
 * Query names and values decode as application/x-www-form-urlencoded (`+` is a space, as S3 reads them), then
 * re-encode the same way; SDKs never send a raw `+`, they send `%2B` and `%20`.
 * Malformed escapes (`%zz`, `%4`) are taken literally (`%` becomes `%25`); invalid UTF-8 is kept byte for byte;
 * unescaped bytes above 0x7f (which Node passes as latin1 characters) are encoded as those bytes.
 */

const UNRESERVED = new Uint8Array(256);
for (const c of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~') UNRESERVED[c.charCodeAt(0)] = 1;
const HEX = '0123456789ABCDEF';

/** RFC 3986 percent-encoding of bytes (or a string's UTF-8), upper-case hex, unreserved characters kept. */
export function uriEncode(input: string | Uint8Array): string {
  const bytes = typeof input === 'string' ? Buffer.from(input, 'utf8') : input;
  let out = '';
  for (const b of bytes) out += UNRESERVED[b] ? String.fromCharCode(b) : '%' + HEX[b >> 4] + HEX[b & 15];
  return out;
}

function hexValue(code: number): number {
  if (code >= 48 && code <= 57) return code - 48;
  const lower = code | 0x20;
  return lower >= 97 && lower <= 102 ? lower - 87 : -1;
}

/** Percent-decodes to raw bytes; with `plusIsSpace`, `+` is a space (form encoding). */
export function percentDecode(text: string, plusIsSpace: boolean): Buffer {
  if (/^[\x00-\x24\x26-\x2a\x2c-\xff]*$/.test(text)) return Buffer.from(text, 'latin1');
  const out: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === 0x25 && i + 2 < text.length) {
      const hi = hexValue(text.charCodeAt(i + 1));
      const lo = hexValue(text.charCodeAt(i + 2));
      if (hi >= 0 && lo >= 0) {
        out.push(hi * 16 + lo);
        i += 2;
        continue;
      }
    }
    if (code === 0x2b && plusIsSpace) out.push(0x20);
    else if (code <= 0xff) out.push(code);
    else {
      // Node hands raw request-target bytes over as latin1, one char per byte (above); wider characters can only come
      // from a caller's own string: their UTF-8 bytes (surrogate pairs kept together).
      const cp = text.codePointAt(i)!;
      if (cp > 0xffff) i++;
      for (const b of Buffer.from(String.fromCodePoint(cp), 'utf8')) out.push(b);
    }
  }
  return Buffer.from(out);
}

/** The canonical URI of an S3 request path, as received on the wire. */
export function canonicalUri(rawPath: string): string {
  if (rawPath === '') return '/';
  return rawPath.split('/').map((segment) => uriEncode(percentDecode(segment, false))).join('/');
}

/** Query parameters as [name, value] pairs, decoded; parameters without `=` get ''. Empty parts are skipped. */
export function parseQueryPairs(rawQuery: string): Array<[string, string]> {
  const pairs: Array<[string, string]> = [];
  if (!rawQuery) return pairs;
  for (const part of rawQuery.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const name = eq < 0 ? part : part.slice(0, eq);
    const value = eq < 0 ? '' : part.slice(eq + 1);
    pairs.push([percentDecode(name, true).toString('utf8'), percentDecode(value, true).toString('utf8')]);
  }
  return pairs;
}

/** Canonical query string from the raw query, every parameter except `exclude` (e.g. X-Amz-Signature). */
export function canonicalQuery(rawQuery: string, exclude?: string): string {
  const encoded: Array<[string, string]> = [];
  if (rawQuery) {
    for (const part of rawQuery.split('&')) {
      if (part === '') continue;
      const eq = part.indexOf('=');
      const name = uriEncode(percentDecode(eq < 0 ? part : part.slice(0, eq), true));
      if (exclude !== undefined && name === exclude) continue;
      encoded.push([name, uriEncode(percentDecode(eq < 0 ? '' : part.slice(eq + 1), true))]);
    }
  }
  return sortedQuery(encoded);
}

/** Joins already-encoded pairs sorted by name, then value (byte order: the strings are ASCII). */
export function sortedQuery(encoded: Array<[string, string]>): string {
  encoded.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
  return encoded.map(([n, v]) => `${n}=${v}`).join('&');
}
