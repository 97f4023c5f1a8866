import { StorageError } from '@omnigate/core';
import type { BlobRow, BlobState, FragmentPlacement } from '@omnigate/core';
import { fromBlob, fromJson, ms, toBlob, toJson } from '../rows.js';
import { sql, type Selectable } from 'kysely';
import { RowInsert, Statement } from '../raw.js';
import type { BlobsTable, Q } from '../schema.js';

/** Stays well under SQLite's and PostgreSQL's bound-parameter limits. */
const ID_CHUNK = 500;
const FRAGMENT_PAGE = 500;

const INSERT_BLOB = new RowInsert<ReturnType<typeof fromBlob>>('blobs', {
  id: true, state: true, ref_count: true, plain_size: true, cipher_size: true, header: true, wrapped_key: true, kek_id: true,
  data_shards: true, parity_shards: true, shard_size: true, fragments: true, inline_data: true, created_at: true,
});

export async function insertBlob(q: Q, row: BlobRow): Promise<void> {
  await INSERT_BLOB.execute(q, fromBlob(row));
}

export async function getBlobs(q: Q, ids: readonly string[]): Promise<BlobRow[]> {
  const unique = [...new Set(ids)];
  const out: BlobRow[] = [];
  for (let i = 0; i < unique.length; i += ID_CHUNK) {
    const { rows } = await sql<Selectable<BlobsTable>>`select * from blobs where id in (${sql.join(unique.slice(i, i + ID_CHUNK))})`.execute(q.db);
    out.push(...rows.map(toBlob));
  }
  return out;
}

export async function updateBlobPlacement(q: Q, id: string, fragments: FragmentPlacement[], written?: { plainSize: number; cipherSize: number; header: Buffer }): Promise<void> {
  const row = await q.db.updateTable('blobs')
    .set({
      fragments: toJson(fragments),
      ...(written && { plain_size: written.plainSize, cipher_size: written.cipherSize, header: written.header }),
    })
    .where('id', '=', id).returning('id').executeTakeFirst();
  if (!row) throw new StorageError('InternalError', 'The blob record to update no longer exists', { blobId: id });
}

export async function listBlobs(q: Q, options: { afterId?: string; limit: number; states?: BlobState[] }): Promise<BlobRow[]> {
  if (options.states?.length === 0 || options.limit <= 0) return [];
  const rows = await q.db.selectFrom('blobs').selectAll()
    .$if(options.afterId !== undefined, (qb) => qb.where('id', '>', options.afterId!))
    .$if(options.states !== undefined, (qb) => qb.where('state', 'in', options.states!))
    .orderBy('id').limit(options.limit).execute();
  return rows.map(toBlob);
}

export async function listAbandonedBlobs(q: Q, olderThan: Date, limit: number): Promise<BlobRow[]> {
  if (limit <= 0) return [];
  const rows = await q.db.selectFrom('blobs').selectAll()
    .where((eb) => eb.or([
      eb.and([eb('state', '=', 'pending'), eb('created_at', '<', ms(olderThan))]),
      eb('state', '=', 'deleting'),
    ]))
    .orderBy('created_at').orderBy('id').limit(limit).execute();
  return rows.map(toBlob);
}

// Raw: every overwrite releases the blob it replaced (see raw.ts).
const DELETE_UNREFERENCED_BLOB = new Statement(`delete from blobs where id = ? and state in ('pending', 'deleting') returning id`);

/** Only `pending` and `deleting` blobs go: a committed one still has readers. A missing one is already gone. */
export async function deleteBlob(q: Q, id: string): Promise<void> {
  const { rows: [gone] } = await DELETE_UNREFERENCED_BLOB.execute(q, [id]);
  if (gone) return;
  const still = await q.db.selectFrom('blobs').select('state').where('id', '=', id).executeTakeFirst();
  if (still) throw new StorageError('InvalidArgument', 'A committed blob cannot be deleted while objects or parts refer to it', { blobId: id, state: still.state });
}

/** Pages through blobs by id, so a sweep over millions of rows holds one page in memory. */
export async function* listFragmentNames(q: Q, node: string): AsyncIterable<string> {
  let after: string | undefined;
  while (true) {
    const rows = await q.db.selectFrom('blobs').select(['id', 'fragments'])
      .$if(after !== undefined, (qb) => qb.where('id', '>', after!))
      .orderBy('id').limit(FRAGMENT_PAGE).execute();
    for (const row of rows) {
      for (const f of fromJson<FragmentPlacement[]>(row.fragments)) if (f && f.node === node) yield f.name;
    }
    if (rows.length < FRAGMENT_PAGE) return;
    after = rows[rows.length - 1]!.id;
  }
}
