import { sql } from 'kysely';
import type { Q } from './schema.js';

/**
 * Row and key locks for PostgreSQL, taken in one global order so transactions cannot deadlock each other:
 * bucket → upload → (bucket, key) → blobs by id. On SQLite every write transaction holds the database write lock
 * (BEGIN IMMEDIATE), so these are no-ops there.
 */

/** Locks the bucket row against deletion (`share`) or against any concurrent commit into it (`update`). */
export async function lockBucket(q: Q, bucketId: string, mode: 'share' | 'update'): Promise<boolean> {
  // Raw SQL: this runs in every commit (see raw.ts).
  const { rows } = !q.pg ? await sql`select id from buckets where id = ${bucketId}`.execute(q.db)
    : mode === 'share' ? await sql`select id from buckets where id = ${bucketId} for share`.execute(q.db)
    : await sql`select id from buckets where id = ${bucketId} for update`.execute(q.db);
  return rows.length > 0;
}

/**
 * Serializes writers of one (bucket, key). A row lock on the live object is not enough: when there is no live row
 * yet there is nothing to lock, and two commits would both insert and one fail on the unique index. The advisory
 * lock lives until the transaction ends; the following SELECT then sees whatever the previous holder committed.
 */
export async function lockKey(q: Q, bucketId: string, key: string): Promise<void> {
  if (!q.pg) return;
  await sql`select pg_advisory_xact_lock(hashtextextended(${'omnigate-key:' + bucketId + '/' + key}, 0))`.execute(q.db);
}
