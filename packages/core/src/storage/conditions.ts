import { StorageError } from '../errors.js';

/**
 * Conditional requests, evaluated in RFC 9110 §13.2.2 order, as S3 does for GET/HEAD/PUT/copy sources:
 * If-Match, then If-Unmodified-Since (only without If-Match), then If-None-Match, then If-Modified-Since
 * (only without If-None-Match). Dates compare at one-second precision, as HTTP dates carry.
 */
export interface Conditions {
  ifMatch?: string;
  ifNoneMatch?: string;
  ifModifiedSince?: Date;
  ifUnmodifiedSince?: Date;
}

export interface ConditionTarget {
  etag: string;
  lastModified: Date;
}

/**
 * Throws PreconditionFailed (412) or NotModified (304) when the conditions do not hold. For a copy source or a
 * write, every failure is PreconditionFailed (`notModifiedIsFailure`).
 */
export function checkConditions(target: ConditionTarget | undefined, conditions: Conditions | undefined, notModifiedIsFailure = false): void {
  if (!conditions) return;
  const { ifMatch, ifNoneMatch, ifModifiedSince, ifUnmodifiedSince } = conditions;
  const modified = target ? Math.floor(target.lastModified.getTime() / 1000) : 0;
  if (ifMatch !== undefined) {
    if (!target || !etagListMatches(ifMatch, target.etag)) throw failed('If-Match');
  } else if (ifUnmodifiedSince && target && modified > Math.floor(ifUnmodifiedSince.getTime() / 1000)) {
    throw failed('If-Unmodified-Since');
  }
  const notModified = (condition: string) =>
    notModifiedIsFailure ? failed(condition) : new StorageError('NotModified', 'Not Modified', { condition });
  if (ifNoneMatch !== undefined) {
    if (target && etagListMatches(ifNoneMatch, target.etag)) throw notModified('If-None-Match');
  } else if (ifModifiedSince && target && modified <= Math.floor(ifModifiedSince.getTime() / 1000)) {
    throw notModified('If-Modified-Since');
  }
}

function failed(condition: string): StorageError {
  return new StorageError('PreconditionFailed', 'At least one of the pre-conditions you specified did not hold', { condition });
}

/** `*` matches any existing object; otherwise a comma-separated list of (optionally weak, quoted) ETags. */
export function etagListMatches(list: string, etag: string): boolean {
  const wanted = normalizeEtag(etag);
  return list.split(',').some((item) => {
    const candidate = item.trim();
    return candidate === '*' || normalizeEtag(candidate) === wanted;
  });
}

export function normalizeEtag(etag: string): string {
  return etag.trim().replace(/^W\//, '').replace(/^"(.*)"$/, '$1');
}
