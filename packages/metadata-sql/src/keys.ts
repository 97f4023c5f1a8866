/**
 * Prefix matching as a key range, so user input never meets LIKE's wildcards: `key >= prefix AND key < successor`.
 * Keys compare by UTF-8 bytes, which is code point order, so the successor is the prefix with its last code point
 * incremented: every key that starts with the prefix sorts below it, every greater key that does not, at or above.
 */
const MAX_CODE_POINT = 0x10ffff;

/** The smallest string greater than every string that starts with `prefix`; undefined when there is none. */
export function prefixSuccessor(prefix: string): string | undefined {
  const points = Array.from(prefix, (c) => c.codePointAt(0)!);
  while (points.length > 0) {
    const last = points.pop()!;
    if (last === MAX_CODE_POINT) continue; // nothing above it: carry into the previous code point
    // Surrogate code points are not characters; the next one after U+D7FF in UTF-8 order is U+E000.
    const next = last + 1 === 0xd800 ? 0xe000 : last + 1;
    return String.fromCodePoint(...points, next);
  }
  return undefined;
}
