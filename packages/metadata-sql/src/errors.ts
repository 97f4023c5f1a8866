import { isStorageError, StorageError, toStorageError } from '@omnigate/core';
import type { StorageErrorCode } from '@omnigate/core';

/** What a driver error means to us; everything else is an InternalError. */
export type SqlErrorKind = 'unique' | 'foreign-key' | 'bad-text' | 'retry' | 'other';

/** Classifies pg (SQLSTATE in `code`) and better-sqlite3 (`SQLITE_*` in `code`) errors. */
export function classify(err: unknown): SqlErrorKind {
  const code = typeof err === 'object' && err !== null ? (err as { code?: unknown }).code : undefined;
  if (typeof code !== 'string') return 'other';
  // Two commits of one key both inserting a live row: the key lock prevents it; should it ever happen anyway, the
  // loser's transaction did nothing and, run again, supersedes the winner.
  if (code === '23505' && (err as { constraint?: unknown }).constraint === 'objects_live_key') return 'retry';
  switch (code) {
    case '23505': case 'SQLITE_CONSTRAINT_UNIQUE': case 'SQLITE_CONSTRAINT_PRIMARYKEY': return 'unique';
    case '23503': case 'SQLITE_CONSTRAINT_FOREIGNKEY': return 'foreign-key';
    // Serialization failure and deadlock: the transaction did nothing and may simply be run again.
    case '40001': case '40P01': return 'retry';
  }
  // Class 22 is "data exception": e.g. a NUL character, which PostgreSQL text cannot hold.
  if (/^22[0-9A-Z]{3}$/.test(code)) return 'bad-text';
  return 'other';
}

export type ErrorMap = Partial<Record<SqlErrorKind, [StorageErrorCode, string]>>;

/**
 * Turns a thrown value into a StorageError. StorageErrors pass through; driver errors become the mapped code, or
 * InternalError, with a message of ours (SQL text and values never reach it) and the original kept as `cause`.
 */
export function translate(err: unknown, map: ErrorMap = {}): StorageError {
  if (isStorageError(err)) return err;
  const kind = classify(err);
  const mapped = map[kind] ?? (kind === 'bad-text' ? ['InvalidArgument', 'A name or value contains characters the metadata database cannot store'] : undefined);
  if (mapped) return new StorageError(mapped[0], mapped[1], undefined, { cause: err });
  return toStorageError(err);
}
