import { insertBlob } from './blobs.js';
import { StorageError } from '@omnigate/core';
import type { Selectable } from 'kysely';
import type { BlobRow, BucketRow, CommitResult, ObjectPhase, ObjectRow } from '@omnigate/core';
import { prefixSuccessor } from '../keys.js';
import { lockBucket, lockKey } from '../locks.js';
import { RowInsert, Statement } from '../raw.js';
import { assertSameBlobs, RefDeltas } from '../refcounts.js';
import { fromObject, ms, toBlob, toBucket, toJson, toObject } from '../rows.js';
import type { BlobsTable, ObjectsTable, Q } from '../schema.js';

/** The live row of (bucket, key), locked for update on PostgreSQL (the caller holds the key lock already). */
function selectLive(q: Q, bucketId: string, key: string): Promise<ObjectRow | undefined> {
  return liveRow(q, bucketId, key, q.pg);
}

// Raw: every write of a key runs these (see raw.ts).
const SELECT_LIVE = `select * from objects where bucket_id = ? and key = ? and state = 'live'`;
const LIVE_ROW = { read: new Statement(SELECT_LIVE), forUpdate: new Statement(`${SELECT_LIVE} for update`) };
const CANCEL_OBJECT = new Statement(`update objects set state = 'cancelled', phase = 'cancelled', cancelled_reason = ?, updated_at = ? where file_id = ?`);
const INSERT_OBJECT = new RowInsert<ReturnType<typeof fromObject>>('objects', {
  file_id: true, tenant_id: true, bucket_id: true, key: true, state: true, phase: true, cancelled_reason: true,
  size: true, etag: true, sha256: true, content_type: true, attributes: true, extents: true, parts_count: true,
  created_at: true, updated_at: true, replication_safe_at: true,
});

async function liveRow(q: Q, bucketId: string, key: string, forUpdate: boolean): Promise<ObjectRow | undefined> {
  const { rows: [row] } = await LIVE_ROW[forUpdate ? 'forUpdate' : 'read'].execute<Selectable<ObjectsTable>>(q, [bucketId, key]);
  return row && toObject(row);
}

/**
 * The shared end of commitObject and completeUpload: under the key lock, cancels the current live object (adding
 * its extents' releases to `deltas`), applies all reference changes, and inserts `row` as live.
 */
export async function installLive(q: Q, row: ObjectRow, reason: string, deltas: RefDeltas): Promise<CommitResult> {
  await lockKey(q, row.bucketId, row.key);
  const previous = await selectLive(q, row.bucketId, row.key);
  let superseded: ObjectRow | undefined;
  if (previous) {
    const updatedAt = new Date();
    await CANCEL_OBJECT.execute(q, [reason, ms(updatedAt), previous.fileId]);
    deltas.add(previous.extents.map((e) => e.blobId), -1);
    superseded = { ...previous, state: 'cancelled', phase: 'cancelled', cancelledReason: reason, updatedAt };
  }
  const released = await deltas.apply(q);
  await INSERT_OBJECT.execute(q, fromObject({ ...row, state: 'live', cancelledReason: null }));
  return { superseded, released };
}

export async function commitObject(q: Q, row: ObjectRow, options: { commitBlobIds: readonly string[]; supersedeReason: string; newBlobs?: readonly BlobRow[] }): Promise<CommitResult> {
  assertSameBlobs(row.extents.map((e) => e.blobId), options.commitBlobIds, 'commitBlobIds');
  const deltas = new RefDeltas().add(options.commitBlobIds, 1);
  for (const blob of options.newBlobs ?? []) {
    // Recorded by this very commit: inserted with its references already (one statement instead of two).
    const refs = deltas.take(blob.id);
    await insertBlob(q, refs > 0 ? { ...blob, state: 'committed', refCount: refs } : blob);
  }
  // Holding the bucket row keeps deleteBucketIfEmpty from removing the bucket under this commit. SQLite needs no
  // lock (the transaction holds the database's write lock) and no check: the objects → buckets foreign key refuses
  // a missing bucket, which the store reports as NoSuchBucket.
  if (q.pg && !(await lockBucket(q, row.bucketId, 'share'))) {
    throw new StorageError('NoSuchBucket', 'The specified bucket does not exist', { bucketId: row.bucketId });
  }
  return installLive(q, row, options.supersedeReason, deltas);
}

export function getLiveObject(q: Q, bucketId: string, key: string): Promise<ObjectRow | undefined> {
  return liveRow(q, bucketId, key, false);
}

/** Every blob column, read beside an object's as `bl_<column>`. */
const BLOB_COLUMNS = [
  'id', 'state', 'ref_count', 'plain_size', 'cipher_size', 'header', 'wrapped_key', 'kek_id', 'data_shards', 'parity_shards',
  'shard_size', 'fragments', 'inline_data', 'created_at',
] as const satisfies readonly (keyof BlobsTable)[];

/**
 * The bucket and its live object in one statement; a GET also reads the blob of a single-extent object (committed)
 * beside them, which saves it a second statement. Raw SQL (see raw.ts), prepared for each dialect and shape once.
 */
const BUCKET_AND_LIVE = (() => {
  const select = (blob: boolean) => 'select o.*, b.id as b_id, b.tenant_id as b_tenant_id, b.name as b_name, b.settings as b_settings, b.created_at as b_created_at'
    + (blob ? BLOB_COLUMNS.map((c) => `, bl.${c} as bl_${c}`).join('') : '')
    + ` from buckets b left join objects o on o.bucket_id = b.id and o.key = ? and o.state = 'live'`;
  const where = ' where b.tenant_id = ? and b.name = ?';
  const onlyBlob = (first: string, count: string) => ` left join blobs bl on bl.id = ${first} and ${count} = 1 and bl.state = 'committed'`;
  return {
    withBlob: new Statement(
      select(true) + onlyBlob(`json_extract(o.extents, '$[0].blobId')`, 'json_array_length(o.extents)') + where,
      select(true) + onlyBlob(`o.extents->0->>'blobId'`, 'jsonb_array_length(o.extents)') + where,
    ),
    withoutBlob: new Statement(select(false) + where),
  };
})();

export async function getBucketAndLiveObject(q: Q, tenantId: string, bucketName: string, key: string, withBlob: boolean): Promise<{ bucket: BucketRow; object: ObjectRow | undefined; blob?: BlobRow } | undefined> {
  const statement = withBlob ? BUCKET_AND_LIVE.withBlob : BUCKET_AND_LIVE.withoutBlob;
  const { rows: [row] } = await statement.execute<Selectable<ObjectsTable> & { b_id: string; b_tenant_id: string; b_name: string; b_settings: unknown; b_created_at: number } & Record<string, unknown>>(q, [key, tenantId, bucketName]);
  if (!row) return undefined;
  const bucket = toBucket({ id: row.b_id, tenant_id: row.b_tenant_id, name: row.b_name, settings: row.b_settings, created_at: row.b_created_at });
  if (row.file_id === null) return { bucket, object: undefined };
  const object = toObject(row);
  if (!withBlob || row.bl_id === null) return { bucket, object };
  const blob = toBlob(Object.fromEntries(BLOB_COLUMNS.map((c) => [c, row[`bl_${c}`]])) as Selectable<BlobsTable>);
  return { bucket, object, blob };
}

export async function getObject(q: Q, fileId: string): Promise<ObjectRow | undefined> {
  const row = await q.db.selectFrom('objects').selectAll().where('file_id', '=', fileId).executeTakeFirst();
  return row && toObject(row);
}

export async function listObjects(q: Q, bucketId: string, options: { prefix?: string; startAfter?: string; limit: number }): Promise<ObjectRow[]> {
  if (options.limit <= 0) return [];
  const { prefix, startAfter } = options;
  const upper = prefix ? prefixSuccessor(prefix) : undefined;
  const rows = await q.db.selectFrom('objects').selectAll()
    .where('bucket_id', '=', bucketId).where('state', '=', 'live')
    .$if(!!prefix, (qb) => qb.where('key', '>=', prefix!))
    .$if(upper !== undefined, (qb) => qb.where('key', '<', upper!))
    .$if(startAfter !== undefined, (qb) => qb.where('key', '>', startAfter!))
    .orderBy('key').limit(options.limit).execute();
  return rows.map(toObject);
}

export async function listObjectsInPhase(q: Q, phase: ObjectPhase, options: { afterFileId?: string; limit: number }): Promise<ObjectRow[]> {
  if (options.limit <= 0) return [];
  const rows = await q.db.selectFrom('objects').selectAll()
    .where('state', '=', 'live').where('phase', '=', phase)
    .$if(options.afterFileId !== undefined, (qb) => qb.where('file_id', '>', options.afterFileId!))
    .orderBy('file_id').limit(options.limit).execute();
  return rows.map(toObject);
}

/** A missing key or a live object other than `expectedFileId` changes nothing and reports `deleted: undefined`. */
export async function deleteObject(q: Q, bucketId: string, key: string, expectedFileId?: string): Promise<{ deleted: ObjectRow | undefined; released: BlobRow[] }> {
  await lockKey(q, bucketId, key);
  const live = await selectLive(q, bucketId, key);
  if (!live || (expectedFileId !== undefined && live.fileId !== expectedFileId)) return { deleted: undefined, released: [] };
  await q.db.deleteFrom('objects').where('file_id', '=', live.fileId).execute();
  const released = await new RefDeltas().add(live.extents.map((e) => e.blobId), -1).apply(q);
  return { deleted: live, released };
}

/** `replicationSafeAt` undefined leaves the column as it is, null clears it. Late updates of a cancelled object do nothing. */
export async function updateObjectPhase(q: Q, fileId: string, phase: ObjectPhase, replicationSafeAt?: Date | null): Promise<void> {
  const row = await q.db.updateTable('objects')
    .set({
      phase, updated_at: Date.now(),
      ...(replicationSafeAt !== undefined && { replication_safe_at: replicationSafeAt ? ms(replicationSafeAt) : null }),
    })
    .where('file_id', '=', fileId).where('state', '=', 'live').returning('file_id').executeTakeFirst();
  if (row || (await getObject(q, fileId))) return; // a cancelled object stays in phase `cancelled`
  throw new StorageError('NoSuchKey', 'The specified object does not exist', { fileId });
}

export async function updateObjectAttributes(q: Q, fileId: string, attributes: ObjectRow['attributes']): Promise<void> {
  const row = await q.db.updateTable('objects')
    .set({ attributes: toJson(attributes), updated_at: Date.now() })
    .where('file_id', '=', fileId).returning('file_id').executeTakeFirst();
  if (!row) throw new StorageError('NoSuchKey', 'The specified object does not exist', { fileId });
}
