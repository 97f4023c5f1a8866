import { StorageError } from '@omnigate/core';
import type { MetadataStore } from '@omnigate/core';
import { connect } from './connection.js';
import type { SqlMetadataStoreOptions } from './connection.js';
import { SqlMetadataStore } from './store.js';

export type { SqlMetadataStoreOptions } from './connection.js';

/**
 * Opens the metadata database named by `options.url` (`sqlite:/abs/path/meta.db`, `sqlite::memory:` or
 * `postgres://...`). Call `migrate()` before first use; it is idempotent.
 */
export async function openSqlMetadataStore(options: SqlMetadataStoreOptions): Promise<MetadataStore> {
  let connection;
  try {
    connection = await connect(options);
  } catch (err) {
    if (err instanceof StorageError) throw err;
    throw new StorageError('InternalError', 'Cannot open the metadata database', undefined, { cause: err });
  }
  return new SqlMetadataStore(connection.db, connection.dialect);
}
