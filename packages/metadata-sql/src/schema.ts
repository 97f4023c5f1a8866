import type { ColumnType, Kysely } from 'kysely';

/**
 * Row shapes of the core tables as the drivers return them. pg returns int8 as string, better-sqlite3 as number;
 * rows.ts turns both into numbers. Times are epoch milliseconds in bigint columns on both dialects, so ordering and
 * comparisons are plain integer ones and no driver time-zone parsing is involved.
 */
type Int8 = ColumnType<number | string | bigint, number, number>;
type NullableInt8 = ColumnType<number | string | bigint | null, number | null, number | null>;
/** jsonb on PostgreSQL (parsed by pg), text on SQLite; always written as a JSON string. */
type Json = ColumnType<unknown, string, string>;

export interface TenantsTable {
  id: string;
  name: string;
  access_key: string;
  sealed_secret: Buffer;
  api_key_hash: string;
  quota_bytes: NullableInt8;
  settings: Json;
  created_at: Int8;
}

export interface BucketsTable {
  id: string;
  tenant_id: string;
  name: string;
  settings: Json;
  created_at: Int8;
}

export interface BlobsTable {
  id: string;
  state: string;
  ref_count: ColumnType<number | string, number, number>;
  plain_size: Int8;
  cipher_size: Int8;
  header: Buffer;
  wrapped_key: Buffer;
  kek_id: string;
  data_shards: number;
  parity_shards: number;
  shard_size: number;
  fragments: Json;
  inline_data: Buffer | null;
  created_at: Int8;
}

export interface ObjectsTable {
  file_id: string;
  tenant_id: string;
  bucket_id: string;
  key: string;
  state: string;
  phase: string;
  cancelled_reason: string | null;
  size: Int8;
  etag: string;
  sha256: string | null;
  content_type: string;
  attributes: Json;
  extents: Json;
  parts_count: number | null;
  created_at: Int8;
  updated_at: Int8;
  replication_safe_at: NullableInt8;
}

export interface UploadsTable {
  upload_id: string;
  tenant_id: string;
  bucket_id: string;
  key: string;
  content_type: string;
  attributes: Json;
  created_at: Int8;
}

export interface PartsTable {
  upload_id: string;
  part_number: number;
  blob_id: string;
  size: Int8;
  etag: string;
  checksums: Json;
  created_at: Int8;
}

export interface ExtensionMigrationsTable {
  namespace: string;
  name: string;
  executed_at: Int8;
}

export interface Database {
  tenants: TenantsTable;
  buckets: BucketsTable;
  blobs: BlobsTable;
  objects: ObjectsTable;
  uploads: UploadsTable;
  parts: PartsTable;
  extension_migrations: ExtensionMigrationsTable;
}

/** What every query function gets: the connection or transaction to use, and which dialect it speaks. */
export interface Q {
  db: Kysely<Database>;
  pg: boolean;
}
