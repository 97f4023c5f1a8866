import type { Selectable } from 'kysely';
import { StorageError } from '@omnigate/core';
import type { BlobRow } from '@omnigate/core';
import { Statement } from './raw.js';
import { toBlob } from './rows.js';
import type { BlobsTable, Q } from './schema.js';

// Raw: every commit runs these (see raw.ts).
const ADD_REFS = new Statement(`update blobs set state = 'committed', ref_count = ref_count + ? where id = ? and state in ('pending', 'committed') returning id`);
const DROP_REFS = new Statement(`update blobs set ref_count = case when ref_count + ? < 0 then 0 else ref_count + ? end, state = case when ref_count + ? <= 0 then 'deleting' else state end where id = ? and state = 'committed' returning *`);

/**
 * Reference changes of one transaction, summed per blob before any is applied: re-committing the blob an object
 * already had (a copy onto itself, a part re-sent with the same blob) nets to zero instead of touching 0 and
 * releasing a blob that is still wanted. An object holds one reference per extent, a part one.
 */
export class RefDeltas {
  readonly #deltas = new Map<string, number>();

  add(blobIds: Iterable<string>, delta: 1 | -1): this {
    for (const id of blobIds) this.#deltas.set(id, (this.#deltas.get(id) ?? 0) + delta);
    return this;
  }

  /** Removes a blob's pending change and returns it (0 when there was none). */
  take(blobId: string): number {
    const delta = this.#deltas.get(blobId) ?? 0;
    this.#deltas.delete(blobId);
    return delta;
  }

  /**
   * Applies the changes in blob id order (one lock order for every transaction). A blob gaining references must be
   * `pending` or `committed` and becomes `committed`; one whose count reaches 0 becomes `deleting` and is returned.
   */
  async apply(q: Q): Promise<BlobRow[]> {
    const released: BlobRow[] = [];
    for (const id of [...this.#deltas.keys()].sort()) {
      const delta = this.#deltas.get(id)!;
      if (delta > 0) {
        const { rows: [row] } = await ADD_REFS.execute(q, [delta, id]);
        // Missing or already `deleting`: e.g. a copy racing the deletion of its source, whose fragments are going.
        if (!row) throw new StorageError('NoSuchKey', 'The data this object refers to no longer exists', { blobId: id });
      } else if (delta < 0) {
        // Only committed blobs hold references; anything else here is left alone rather than failing a delete.
        const { rows: [row] } = await DROP_REFS.execute<Selectable<BlobsTable>>(q, [delta, delta, delta, id]);
        if (row && row.state === 'deleting') released.push(toBlob(row));
      }
    }
    return released;
  }
}

/** Rejects an object whose commit would count references other than its extents', which would skew the counts. */
export function assertSameBlobs(extentBlobIds: readonly string[], committed: readonly string[], what: string): void {
  const a = [...extentBlobIds].sort();
  const b = [...committed].sort();
  if (a.length !== b.length || a.some((id, i) => id !== b[i])) {
    throw new StorageError('InvalidArgument', `${what} must list exactly the blobs of the object's extents`);
  }
}
