import BetterSqlite3 from 'better-sqlite3';
import { CompiledQuery, Kysely, PostgresDialect, SqliteDialect, SqliteDriver } from 'kysely';
import type { DatabaseConnection, Driver, SqliteDialectConfig } from 'kysely';
import { StorageError } from '@omnigate/core';
import type { Database } from './schema.js';
import { DurableConnection, WalSync } from './wal-sync.js';

export interface SqlMetadataStoreOptions {
  /** `sqlite:/abs/path/meta.db`, `sqlite::memory:` or `postgres://user@host:5432/db` (`postgresql://` too). */
  url: string;
  /** PostgreSQL pool size (default 10). */
  maxConnections?: number;
  /** SQLite busy timeout in ms, for other processes holding the write lock (default 5000). */
  busyTimeoutMs?: number;
}

export interface Connection {
  db: Kysely<Database>;
  dialect: 'sqlite' | 'postgres';
}

export async function connect(options: SqlMetadataStoreOptions): Promise<Connection> {
  const { url } = options;
  if (url.startsWith('sqlite:')) return { db: openSqlite(sqlitePath(url), options.busyTimeoutMs ?? 5000), dialect: 'sqlite' };
  if (url.startsWith('postgres://') || url.startsWith('postgresql://')) return { db: await openPostgres(url, options.maxConnections ?? 10), dialect: 'postgres' };
  throw new StorageError('InvalidArgument', 'The metadata URL must start with sqlite: or postgres://');
}

function sqlitePath(url: string): string {
  const rest = url.slice('sqlite:'.length);
  if (rest === ':memory:') return ':memory:';
  const path = rest.startsWith('///') ? rest.slice(2) : rest; // accept sqlite:///abs/path as well
  if (!path) throw new StorageError('InvalidArgument', 'The sqlite: metadata URL names no file');
  return path;
}

function openSqlite(path: string, busyTimeoutMs: number): Kysely<Database> {
  const database = new BetterSqlite3(path);
  // WAL lets readers run beside the writer. The metadata row is what makes an acknowledged upload exist, so every
  // commit must reach the disk before anyone is answered: synchronous=FULL would fsync the WAL inside COMMIT, on the
  // event loop; NORMAL plus WalSync fsyncs it on the threadpool before the committing statement resolves (wal-sync.ts).
  // An in-memory database has no WAL and nothing to make durable.
  const durable = path !== ':memory:';
  database.pragma('journal_mode = WAL');
  database.pragma(durable ? 'synchronous = NORMAL' : 'synchronous = FULL');
  database.pragma('foreign_keys = ON');
  database.pragma(`busy_timeout = ${Math.max(0, Math.floor(busyTimeoutMs))}`);
  cacheStatements(database);
  return new Kysely<Database>({ dialect: new ImmediateSqliteDialect({ database }, durable ? new WalSync(path) : undefined) });
}

/** Statements kept per SQL text: enough for every query shape the store issues, bounded for `in (?, ?, ...)` lists. */
const STATEMENT_CACHE_SIZE = 500;

/**
 * Kysely's SQLite driver calls `prepare` for every query, and preparing costs more than running most of ours: keep
 * the prepared statements by SQL text. A statement still iterating (a streamed query) is busy and cannot run again
 * until it ends, so a busy one is prepared afresh.
 */
function cacheStatements(database: BetterSqlite3.Database): void {
  const prepare = database.prepare.bind(database);
  const cache = new Map<string, BetterSqlite3.Statement>();
  database.prepare = ((source: string) => {
    const cached = cache.get(source);
    if (cached && !cached.busy) return cached;
    const statement = prepare(source);
    if (!cached && cache.size >= STATEMENT_CACHE_SIZE) cache.delete(cache.keys().next().value!);
    cache.set(source, statement);
    return statement;
  }) as typeof database.prepare;
}

async function openPostgres(url: string, max: number): Promise<Kysely<Database>> {
  // Loaded only when used: a SQLite deployment does not carry the driver (about 3 MiB of RSS).
  const { default: pg } = await import('pg');
  const pool = new pg.Pool({ connectionString: url, max });
  // An idle client losing its server connection must not crash the process; the pool drops that client.
  pool.on('error', () => {});
  return new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
}

/**
 * Kysely opens SQLite transactions with a deferred BEGIN, which takes the write lock only at the first write: two
 * processes could then both read and one fail with SQLITE_BUSY on upgrade. BEGIN IMMEDIATE takes it up front, and
 * busy_timeout makes the other wait. (In one process Kysely's single-connection mutex already serializes them.)
 */
class ImmediateSqliteDialect extends SqliteDialect {
  readonly #config: SqliteDialectConfig & { database: BetterSqlite3.Database };
  readonly #wal: WalSync | undefined;
  constructor(config: SqliteDialectConfig & { database: BetterSqlite3.Database }, wal: WalSync | undefined) {
    super(config);
    this.#config = config;
    this.#wal = wal;
  }
  override createDriver(): Driver {
    return new ImmediateSqliteDriver(this.#config, this.#wal);
  }
}

class ImmediateSqliteDriver extends SqliteDriver {
  readonly #database: BetterSqlite3.Database;
  readonly #wal: WalSync | undefined;
  #durable: DurableConnection | undefined;

  constructor(config: SqliteDialectConfig & { database: BetterSqlite3.Database }, wal: WalSync | undefined) {
    super(config);
    this.#database = config.database;
    this.#wal = wal;
  }

  override async acquireConnection(): Promise<DatabaseConnection> {
    const connection = await super.acquireConnection();
    if (!this.#wal) return connection;
    return (this.#durable ??= new DurableConnection(connection, this.#database, this.#wal));
  }

  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }

  override async destroy(): Promise<void> {
    await this.#wal?.close();
    await super.destroy();
  }
}
