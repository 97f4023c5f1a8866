import { Statement } from './raw.js';
import type { Q } from './schema.js';

/**
 * Row and key locks for PostgreSQL, taken in one global order so transactions cannot deadlock each other:
 * bucket → upload → (bucket, key) → blobs by id. On SQLite every write transaction holds the database write lock
 * (BEGIN IMMEDIATE), so these are no-ops there.
 */

// Raw: every commit runs these (see raw.ts).
const SELECT_BUCKET = new Statement('select id from buckets where id = ?');
const LOCK_BUCKET = { share: new Statement('select id from buckets where id = ? for share'), update: new Statement('select id from buckets where id = ? for update') };
const LOCK_KEY = new Statement('select pg_advisory_xact_lock(hashtextextended(?, 0))');

/** Locks the bucket row against deletion (`share`) or against any concurrent commit into it (`update`). */
export async function lockBucket(q: Q, bucketId: string, mode: 'share' | 'update'): Promise<boolean> {
  const { rows } = await (q.pg ? LOCK_BUCKET[mode] : SELECT_BUCKET).execute(q, [bucketId]);
  return rows.length > 0;
}

/**
 * Serializes writers of one (bucket, key). A row lock on the live object is not enough: when there is no live row
 * yet there is nothing to lock, and two commits would both insert and one fail on the unique index. The advisory
 * lock lives until the transaction ends; the following SELECT then sees whatever the previous holder committed.
 */
export async function lockKey(q: Q, bucketId: string, key: string): Promise<void> {
  if (!q.pg) return;
  await LOCK_KEY.execute(q, ['omnigate-key:' + bucketId + '/' + key]);
}
