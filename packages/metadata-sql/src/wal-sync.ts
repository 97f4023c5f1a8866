/**
 * Commits made durable off the event loop. With synchronous=FULL, SQLite fsyncs the WAL inside COMMIT, and
 * better-sqlite3 runs COMMIT on the event loop: every other request stalls for the whole fsync (0.6-2 ms here, a
 * fifth of a small PUT's time). Instead the connection runs with synchronous=NORMAL (COMMIT writes the WAL frames
 * and returns) and this wrapper fdatasyncs the WAL file on libuv's threadpool before the statement that committed
 * (a COMMIT, or any write outside a transaction) resolves. The promise of that statement, and so the transaction,
 * the store call and the client's answer, still come after the fsync: an acknowledged write is exactly as durable as
 * with FULL. Meanwhile the single connection stays held, so no other query of this process can read what is not
 * durable yet; the rest of the process (HTTP, crypto, other uploads' bytes) goes on.
 *
 * A failed fdatasync leaves the committed transaction's durability unknown and Linux reports it only once, so like
 * PostgreSQL's PANIC on fsync failure, the process stops (an uncaught error) before anyone acts on that commit.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import type BetterSqlite3 from 'better-sqlite3';
import type { CompiledQuery, DatabaseConnection, QueryResult } from 'kysely';

export class WalSync {
  #wal: FileHandle | undefined;

  constructor(private readonly databasePath: string) {}

  /** Flushes every WAL frame written so far to the disk. */
  async sync(): Promise<void> {
    try {
      this.#wal ??= await this.#openWal();
      // No WAL yet: nothing has been written to make durable (a pragma on a new database).
      await this.#wal?.datasync();
    } catch (err) {
      process.nextTick(() => {
        throw new Error(`omnigate: fdatasync of the SQLite WAL (${this.databasePath}-wal) failed; stopping, as a commit's durability is unknown`, { cause: err });
      });
      await new Promise(() => {}); // never resolves: nothing may act on this commit
    }
  }

  async close(): Promise<void> {
    const wal = this.#wal;
    this.#wal = undefined;
    await wal?.close();
  }

  /**
   * One descriptor for the process's life: Linux reports a writeback error to each open file once, and a file opened
   * after the error may never hear of it. The directory is synced once so the WAL's own entry is durable.
   */
  async #openWal(): Promise<FileHandle | undefined> {
    const wal = await open(`${this.databasePath}-wal`, 'r').catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return undefined;
      throw err;
    });
    if (!wal) return undefined;
    const dir = await open(dirname(this.databasePath), 'r');
    try {
      await dir.sync();
    } finally {
      await dir.close();
    }
    return wal;
  }
}

/** Kysely's SQLite connection, made to wait for the WAL sync after every statement that committed. */
export class DurableConnection implements DatabaseConnection {
  constructor(private readonly inner: DatabaseConnection, private readonly database: BetterSqlite3.Database, private readonly wal: WalSync) {}

  async executeQuery<R>(compiled: CompiledQuery): Promise<QueryResult<R>> {
    const { database } = this;
    const wasInTransaction = database.inTransaction;
    const result = await this.inner.executeQuery<R>(compiled);
    if (database.inTransaction) return result;
    // A transaction just ended (COMMIT, or RELEASE of the outermost savepoint; SQLite calls those statements
    // read-only), or a write ran on its own. Statements are cached by SQL text (connection.ts): the lookup is a Map get.
    if (wasInTransaction || !database.prepare(compiled.sql).readonly) await this.wal.sync();
    return result;
  }

  streamQuery<R>(compiled: CompiledQuery, chunkSize?: number): AsyncIterableIterator<QueryResult<R>> {
    return this.inner.streamQuery<R>(compiled, chunkSize);
  }
}
