/**
 * A fragment node: a flat namespace of fragment files named by random UUIDs. It never sees a key, a bucket or
 * an object key. Implementations: local directory (embedded default); S3 bucket and IPFS later.
 *
 * Contract:
 * - `create()` returns a writer; bytes are invisible under `name` until `commit()` resolves, and then durable
 *   (local dir: temp file + fsync + rename + directory fsync). `abort()` leaves nothing behind.
 * - `read()` of a missing fragment rejects with a StorageError `NoSuchKey`; a read past the end returns the bytes
 *   that exist (possibly none).
 * - `delete()` is idempotent.
 * - `list()` yields committed fragments only; `removeIncomplete()` deletes leftovers of interrupted writes.
 * - A writer applies `write()`s in call order even when the previous one has not resolved (the erasure writer sends
 *   a shard and its CRC back to back), and keeps no reference to a chunk once its `write()` resolved (stripe
 *   buffers are reused).
 */
export interface FragmentWriter {
  write(chunk: Uint8Array): Promise<void>;
  commit(): Promise<{ size: number }>;
  abort(): Promise<void>;
}

export interface FragmentInfo {
  name: string;
  size: number;
  modifiedAt: Date;
}

export interface FragmentStoreHealth {
  healthy: boolean;
  message?: string;
}

export interface CreateFragmentOptions {
  signal?: AbortSignal;
  /**
   * The fragment will rarely be read (a parity shard: read only to rebuild a lost or corrupt data shard), so a store
   * may keep it out of its caches (LocalDirFragmentStore writes it with O_DIRECT, past the page cache).
   */
  cold?: boolean;
}

export interface FragmentStore {
  /** Stable node id, recorded in blob placements. */
  readonly id: string;
  create(name: string, options?: CreateFragmentOptions): Promise<FragmentWriter>;
  read(name: string, offset: number, length: number, options?: { signal?: AbortSignal }): Promise<Buffer>;
  delete(name: string): Promise<void>;
  stat(name: string): Promise<FragmentInfo | undefined>;
  list(options?: { signal?: AbortSignal }): AsyncIterable<FragmentInfo>;
  removeIncomplete(olderThan: Date): Promise<number>;
  health(): Promise<FragmentStoreHealth>;
  close(): Promise<void>;
}
