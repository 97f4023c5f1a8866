import { StorageError } from '../errors.js';

/** A requested byte range, as HTTP expresses it: `bytes=start-end`, `bytes=start-` or `bytes=-suffix`. */
export type ByteRange = { start: number; end?: number } | { suffix: number };

/** A satisfiable range of an object: `start` inclusive, `end` exclusive. */
export interface ResolvedRange {
  start: number;
  end: number;
}

/**
 * Parses one HTTP Range header (RFC 9110 §14.1.2). Returns undefined for a header the server may ignore
 * (other units, several ranges, syntax it does not understand), so the whole object is served, as S3 does.
 */
export function parseHttpRange(header: string | undefined): ByteRange | undefined {
  if (!header) return undefined;
  const match = /^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$/i.exec(header);
  if (!match) return undefined;
  const [, first, last] = match;
  if (first === '' && last === '') return undefined;
  if (first === '') return { suffix: Number(last) };
  const start = Number(first);
  if (last === '') return { start };
  const end = Number(last);
  if (end < start) return undefined;
  return { start, end };
}

/** Clamps a range to an object of `size` bytes; an unsatisfiable one is InvalidRange (HTTP 416). */
export function resolveRange(range: ByteRange | undefined, size: number): ResolvedRange {
  if (!range) return { start: 0, end: size };
  if ('suffix' in range) {
    if (range.suffix <= 0 || size === 0) throw invalidRange(size);
    return { start: Math.max(0, size - range.suffix), end: size };
  }
  if (!Number.isSafeInteger(range.start) || range.start < 0 || range.start >= size) throw invalidRange(size);
  const end = range.end === undefined ? size : Math.min(size, range.end + 1);
  if (end <= range.start) throw invalidRange(size);
  return { start: range.start, end };
}

function invalidRange(size: number): StorageError {
  return new StorageError('InvalidRange', 'The requested range is not satisfiable', { objectSize: size });
}
