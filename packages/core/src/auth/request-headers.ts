/**
 * Builds SigV4Request.headers from Node's `rawHeaders` (name, value, name, value…): lower-cased names, each value
 * trimmed, repeated headers joined with ',' as SigV4 canonicalises them. Node's own `req.headers` joins most
 * repeats with ', ' and drops repeats of some headers, which would not match what the client signed.
 */
export function sigv4HeadersFromRaw(rawHeaders: readonly string[]): Record<string, string> {
  const out = new Map<string, string>();
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!.toLowerCase();
    const value = rawHeaders[i + 1]!.replace(/^[ \t]+|[ \t]+$/g, '');
    const previous = out.get(name);
    out.set(name, previous === undefined ? value : `${previous},${value}`);
  }
  return Object.fromEntries(out);
}
