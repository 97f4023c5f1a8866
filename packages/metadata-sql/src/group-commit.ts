import type { Kysely } from 'kysely';
import { Statement } from './raw.js';
import type { Database, Q } from './schema.js';

/** At most this many transactions share one COMMIT (and one fsync of the WAL, wal-sync.ts). */
const MAX_BATCH = 64;

// Raw: run around every transaction of a batch (see raw.ts).
const SAVEPOINT = new Statement('savepoint group_commit_job');
const RELEASE = new Statement('release group_commit_job');
const ROLLBACK = new Statement('rollback to group_commit_job');

interface Job {
  fn: (q: Q) => Promise<unknown>;
  resolve(value: unknown): void;
  reject(err: unknown): void;
}

/**
 * Group commit for SQLite. Every commit waits for an fsync of the WAL (wal-sync.ts), so one commit per upload would
 * cap small uploads near the disk's fsync rate. Write transactions that arrive while the loop is busy, or while the
 * previous batch's fsync runs, are run together: one
 * BEGIN IMMEDIATE, each transaction inside its own SAVEPOINT (a failing one is rolled back to it and fails alone),
 * one COMMIT. Nobody is answered before that COMMIT returns, so an acknowledged write is as durable as before; if
 * the COMMIT fails, every transaction of the batch fails and none of them happened.
 */
export class GroupCommit {
  readonly #db: Kysely<Database>;
  #queue: Job[] = [];
  #scheduled = false;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  run<T>(fn: (q: Q) => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#queue.push({ fn, resolve: resolve as (value: unknown) => void, reject });
      if (!this.#scheduled) {
        this.#scheduled = true;
        // One turn of the loop lets the requests already readable reach their commit and join this batch.
        setImmediate(() => void this.#drain());
      }
    });
  }

  async #drain(): Promise<void> {
    while (this.#queue.length > 0) {
      const batch = this.#queue.splice(0, MAX_BATCH);
      const outcomes: Array<{ ok: true; value: unknown } | { ok: false; err: unknown }> = [];
      try {
        await this.#db.transaction().execute(async (trx) => {
          const q: Q = { db: trx, pg: false };
          for (const job of batch) {
            await SAVEPOINT.execute(q, []);
            try {
              const value = await job.fn(q);
              await RELEASE.execute(q, []);
              outcomes.push({ ok: true, value });
            } catch (err) {
              await ROLLBACK.execute(q, []);
              await RELEASE.execute(q, []);
              outcomes.push({ ok: false, err });
            }
          }
        });
      } catch (err) {
        for (const job of batch) job.reject(err);
        continue;
      }
      batch.forEach((job, i) => {
        const outcome = outcomes[i]!;
        if (outcome.ok) job.resolve(outcome.value);
        else job.reject(outcome.err);
      });
    }
    this.#scheduled = false;
  }
}
