import { StorageError } from '@omnigate/core';
import type { BlobRow, BucketRow } from '@omnigate/core';
import { lockBucket } from '../locks.js';
import { RefDeltas } from '../refcounts.js';
import { Statement } from '../raw.js';
import { fromBucket, num, toBucket, toJson } from '../rows.js';
import type { Selectable } from 'kysely';
import type { BucketsTable, Q } from '../schema.js';

export async function insertBucket(q: Q, row: BucketRow): Promise<void> {
  await q.db.insertInto('buckets').values(fromBucket(row)).execute();
}

// Raw: every request on a bucket runs it (see raw.ts).
const SELECT_BUCKET = new Statement('select * from buckets where tenant_id = ? and name = ?');

export async function getBucket(q: Q, tenantId: string, name: string): Promise<BucketRow | undefined> {
  const { rows: [row] } = await SELECT_BUCKET.execute<Selectable<BucketsTable>>(q, [tenantId, name]);
  return row && toBucket(row);
}

export async function getBucketById(q: Q, id: string): Promise<BucketRow | undefined> {
  const row = await q.db.selectFrom('buckets').selectAll().where('id', '=', id).executeTakeFirst();
  return row && toBucket(row);
}

export async function findBucketsByName(q: Q, name: string): Promise<BucketRow[]> {
  return (await q.db.selectFrom('buckets').selectAll().where('name', '=', name).orderBy('tenant_id').execute()).map(toBucket);
}

export async function listBuckets(q: Q, tenantId: string): Promise<BucketRow[]> {
  return (await q.db.selectFrom('buckets').selectAll().where('tenant_id', '=', tenantId).orderBy('name').execute()).map(toBucket);
}

export async function updateBucketSettings(q: Q, bucketId: string, settings: Record<string, unknown>): Promise<void> {
  const row = await q.db.updateTable('buckets').set({ settings: toJson(settings) }).where('id', '=', bucketId).returning('id').executeTakeFirst();
  if (!row) throw new StorageError('NoSuchBucket', 'The specified bucket does not exist', { bucketId });
}

/**
 * In one transaction: the bucket row locked against concurrent commits, no live object, then its uploads aborted
 * (part blobs released), its cancelled history rows and the bucket removed.
 */
export async function deleteBucketIfEmpty(q: Q, bucketId: string): Promise<{ result: 'deleted' | 'not-empty' | 'missing'; released: BlobRow[] }> {
  if (!(await lockBucket(q, bucketId, 'update'))) return { result: 'missing', released: [] };
  const live = await q.db.selectFrom('objects').select('file_id').where('bucket_id', '=', bucketId).where('state', '=', 'live').limit(1).executeTakeFirst();
  if (live) return { result: 'not-empty', released: [] };

  // Locking the uploads first makes a concurrent putPart wait, then find its upload gone, so no part slips in
  // between reading the parts and deleting them.
  // (The bucket lock already keeps new uploads out.)
  if (q.pg) await q.db.selectFrom('uploads').select('upload_id').where('bucket_id', '=', bucketId).forUpdate().execute();
  const uploads = q.db.selectFrom('uploads').select('upload_id').where('bucket_id', '=', bucketId);
  const parts = await q.db.selectFrom('parts').select('blob_id').where('upload_id', 'in', uploads).execute();
  const released = await new RefDeltas().add(parts.map((p) => p.blob_id), -1).apply(q);
  await q.db.deleteFrom('parts').where('upload_id', 'in', uploads).execute();
  await q.db.deleteFrom('uploads').where('bucket_id', '=', bucketId).execute();
  await q.db.deleteFrom('objects').where('bucket_id', '=', bucketId).execute();
  await q.db.deleteFrom('buckets').where('id', '=', bucketId).execute();
  return { result: 'deleted', released };
}

export async function tenantUsage(q: Q, tenantId: string): Promise<{ bytes: number; objects: number }> {
  const row = await q.db.selectFrom('objects')
    .select((eb) => [eb.fn.coalesce(eb.fn.sum<number | string>('size'), eb.lit(0)).as('bytes'), eb.fn.countAll<number | string>().as('objects')])
    .where('tenant_id', '=', tenantId).where('state', '=', 'live').executeTakeFirstOrThrow();
  return { bytes: num(row.bytes), objects: num(row.objects) };
}
