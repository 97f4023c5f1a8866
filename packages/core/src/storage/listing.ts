import type { MetadataStore } from '../contracts/metadata-store.js';
import type { ObjectRow } from '../types.js';

export interface ListOptions {
  prefix?: string;
  delimiter?: string;
  /** List keys (and common prefixes) strictly after this one: S3's marker / start-after / decoded continuation token. */
  startAfter?: string;
  limit?: number;
}

export interface ListPage {
  objects: ObjectRow[];
  commonPrefixes: string[];
  isTruncated: boolean;
  /** The last key or common prefix of this page; pass it as `startAfter` to continue. */
  nextMarker: string | undefined;
}

/** The highest code point: a key that starts with `p` and continues with it sorts after almost every key under `p`. */
const HIGH = '\u{10FFFF}';

/**
 * S3 listing semantics over the store's byte-ordered key scan: keys that contain the delimiter after the prefix roll
 * up into one common prefix, which counts as one entry; after a common prefix the scan jumps past its keys.
 */
export async function listPage(metadata: MetadataStore, bucketId: string, options: ListOptions): Promise<ListPage> {
  const prefix = options.prefix ?? '';
  const delimiter = options.delimiter || undefined;
  const limit = Math.max(0, Math.min(options.limit ?? 1000, 1000));
  const objects: ObjectRow[] = [];
  const commonPrefixes: string[] = [];
  let cursor = options.startAfter;
  // A marker that is itself a common prefix continues after all of its keys.
  let lastPrefix = delimiter && cursor !== undefined && rolledUp(cursor, prefix, delimiter) === cursor ? cursor : undefined;
  let found = 0;
  let nextMarker: string | undefined;
  let isTruncated = false;
  // One row past the page says whether it is truncated: capped at 1,000, a full page took a second query of 1,000
  // rows to find that one.
  const batch = limit + 1;

  scan: while (true) {
    const rows = await metadata.listObjects(bucketId, { prefix, startAfter: lastPrefix ? lastPrefix + HIGH : cursor, limit: batch });
    for (const row of rows) {
      cursor = row.key;
      const common = delimiter ? rolledUp(row.key, prefix, delimiter) : undefined;
      if (common !== undefined && common === lastPrefix) continue;
      if (found === limit) {
        isTruncated = true;
        break scan;
      }
      found++;
      if (common !== undefined) {
        commonPrefixes.push(common);
        lastPrefix = nextMarker = common;
        continue scan;
      }
      lastPrefix = undefined;
      objects.push(row);
      nextMarker = row.key;
    }
    if (rows.length < batch) break;
  }
  return { objects, commonPrefixes, isTruncated, nextMarker: isTruncated ? nextMarker : undefined };
}

/** The common prefix `key` rolls up into, or undefined when the delimiter does not occur after the prefix. */
function rolledUp(key: string, prefix: string, delimiter: string): string | undefined {
  if (!key.startsWith(prefix)) return undefined;
  const at = key.indexOf(delimiter, prefix.length);
  return at < 0 ? undefined : key.slice(0, at + delimiter.length);
}
