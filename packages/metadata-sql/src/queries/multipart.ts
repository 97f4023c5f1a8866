import { insertBlob } from './blobs.js';
import { StorageError } from '@omnigate/core';
import type { BlobRow, CommitResult, ObjectRow, PartRow, UploadRow } from '@omnigate/core';
import { prefixSuccessor } from '../keys.js';
import { lockBucket } from '../locks.js';
import { RefDeltas } from '../refcounts.js';
import { fromPart, fromUpload, ms, toPart, toUpload } from '../rows.js';
import type { Q } from '../schema.js';
import { installLive } from './objects.js';

function noSuchUpload(uploadId: string): StorageError {
  return new StorageError('NoSuchUpload', 'The specified multipart upload does not exist', { uploadId });
}

/** The upload row, locked on PostgreSQL so putPart, completeUpload and deleteUpload of one upload take turns. */
async function lockUpload(q: Q, uploadId: string): Promise<UploadRow | undefined> {
  const row = await q.db.selectFrom('uploads').selectAll().where('upload_id', '=', uploadId)
    .$if(q.pg, (qb) => qb.forUpdate()).executeTakeFirst();
  return row && toUpload(row);
}

export async function insertUpload(q: Q, row: UploadRow): Promise<void> {
  await q.db.insertInto('uploads').values(fromUpload(row)).execute();
}

export async function getUpload(q: Q, uploadId: string): Promise<UploadRow | undefined> {
  const row = await q.db.selectFrom('uploads').selectAll().where('upload_id', '=', uploadId).executeTakeFirst();
  return row && toUpload(row);
}

/**
 * Uploads in (key, uploadId) byte order, as S3 lists them: after `keyMarker`, or for that same key after
 * `uploadIdMarker` when both are given. An `uploadIdMarker` alone is ignored, as S3 does.
 */
export async function listUploads(q: Q, bucketId: string, options: { prefix?: string; keyMarker?: string; uploadIdMarker?: string; limit: number }): Promise<UploadRow[]> {
  if (options.limit <= 0) return [];
  const { prefix, keyMarker, uploadIdMarker } = options;
  const upper = prefix ? prefixSuccessor(prefix) : undefined;
  const rows = await q.db.selectFrom('uploads').selectAll().where('bucket_id', '=', bucketId)
    .$if(!!prefix, (qb) => qb.where('key', '>=', prefix!))
    .$if(upper !== undefined, (qb) => qb.where('key', '<', upper!))
    .$if(keyMarker !== undefined, (qb) => qb.where((eb) => uploadIdMarker !== undefined
      ? eb.or([eb('key', '>', keyMarker!), eb.and([eb('key', '=', keyMarker!), eb('upload_id', '>', uploadIdMarker)])])
      : eb('key', '>', keyMarker!)))
    .orderBy('key').orderBy('upload_id').limit(options.limit).execute();
  return rows.map(toUpload);
}

export async function putPart(q: Q, row: PartRow, options: { newBlob?: BlobRow } = {}): Promise<{ released: BlobRow[] }> {
  if (!(await lockUpload(q, row.uploadId))) throw noSuchUpload(row.uploadId);
  if (options.newBlob) await insertBlob(q, options.newBlob);
  const old = await q.db.selectFrom('parts').select('blob_id')
    .where('upload_id', '=', row.uploadId).where('part_number', '=', row.partNumber).executeTakeFirst();
  const deltas = new RefDeltas().add([row.blobId], 1);
  if (old) deltas.add([old.blob_id], -1);
  const released = await deltas.apply(q);
  const values = fromPart(row);
  await q.db.insertInto('parts').values(values)
    .onConflict((oc) => oc.columns(['upload_id', 'part_number'])
      .doUpdateSet({ blob_id: values.blob_id, size: values.size, etag: values.etag, checksums: values.checksums, created_at: values.created_at }))
    .execute();
  return { released };
}

export async function listParts(q: Q, uploadId: string, options: { afterPartNumber?: number; limit: number }): Promise<PartRow[]> {
  if (options.limit <= 0) return [];
  const rows = await q.db.selectFrom('parts').selectAll().where('upload_id', '=', uploadId)
    .$if(options.afterPartNumber !== undefined, (qb) => qb.where('part_number', '>', options.afterPartNumber!))
    .orderBy('part_number').limit(options.limit).execute();
  return rows.map(toPart);
}

/** Checks `partNumbers` (ascending, all uploaded) and that `row.extents` are those parts' blobs, in that order. */
function choose(parts: PartRow[], row: ObjectRow, partNumbers: readonly number[]): PartRow[] {
  const byNumber = new Map(parts.map((p) => [p.partNumber, p]));
  const chosen = partNumbers.map((n, i) => {
    if (i > 0 && n <= partNumbers[i - 1]!) throw new StorageError('InvalidPartOrder', 'The list of parts was not in ascending order', { partNumber: n });
    const part = byNumber.get(n);
    if (!part) throw new StorageError('InvalidPart', 'One or more of the specified parts could not be found', { partNumber: n });
    return part;
  });
  if (row.extents.length !== chosen.length || row.extents.some((e, i) => e.blobId !== chosen[i]!.blobId)) {
    throw new StorageError('InvalidArgument', "The object's extents must be the chosen parts' blobs, in order");
  }
  return chosen;
}

export async function completeUpload(q: Q, uploadId: string, row: ObjectRow, options: { partNumbers: readonly number[]; supersedeReason: string }): Promise<CommitResult> {
  // Same lock order as everywhere: bucket, upload, key, blobs. Without its bucket the upload is gone too.
  if (!(await lockBucket(q, row.bucketId, 'share'))) throw noSuchUpload(uploadId);
  const upload = await lockUpload(q, uploadId);
  if (!upload) throw noSuchUpload(uploadId);
  if (upload.bucketId !== row.bucketId || upload.key !== row.key) {
    throw new StorageError('InvalidArgument', 'The completed object must have the bucket and key of its upload', { uploadId });
  }
  const parts = (await q.db.selectFrom('parts').selectAll().where('upload_id', '=', uploadId).execute()).map(toPart);
  const chosen = new Set(choose(parts, row, options.partNumbers));
  // The object takes over the chosen parts' references as they are; only the others are released.
  const deltas = new RefDeltas().add(parts.filter((p) => !chosen.has(p)).map((p) => p.blobId), -1);
  await q.db.deleteFrom('parts').where('upload_id', '=', uploadId).execute();
  await q.db.deleteFrom('uploads').where('upload_id', '=', uploadId).execute();
  return installLive(q, row, options.supersedeReason, deltas);
}

export async function deleteUpload(q: Q, uploadId: string): Promise<{ deleted: boolean; released: BlobRow[] }> {
  if (!(await lockUpload(q, uploadId))) return { deleted: false, released: [] };
  const parts = await q.db.selectFrom('parts').select('blob_id').where('upload_id', '=', uploadId).execute();
  const released = await new RefDeltas().add(parts.map((p) => p.blob_id), -1).apply(q);
  await q.db.deleteFrom('parts').where('upload_id', '=', uploadId).execute();
  await q.db.deleteFrom('uploads').where('upload_id', '=', uploadId).execute();
  return { deleted: true, released };
}

export async function listExpiredUploads(q: Q, olderThan: Date, limit: number): Promise<UploadRow[]> {
  if (limit <= 0) return [];
  const rows = await q.db.selectFrom('uploads').selectAll().where('created_at', '<', ms(olderThan))
    .orderBy('created_at').orderBy('upload_id').limit(limit).execute();
  return rows.map(toUpload);
}
