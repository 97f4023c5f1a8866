/**
 * Which stored object has which IPFS CID, and which of them are public (servable by `/ipfs/<cid>`).
 * One table of its own, `content_cids`, declared through MetadataStore.migrateExtension('content', …) and queried
 * through `metadata.db`, so it runs on SQLite and PostgreSQL alike. Liveness is the core's business: a row whose
 * object was deleted or superseded stays until `forget()`, and `findPublic` skips it by asking the store.
 */
import { sql, type Kysely } from 'kysely';
import type { ExtensionMigration, MetadataStore } from '../contracts/metadata-store.js';

export interface ContentRecord {
  fileId: string;
  tenantId: string;
  cid: string;
  isPublic: boolean;
  createdAt: Date;
}

const MIGRATIONS = (pg: boolean): ExtensionMigration[] => [{
  name: '0001_content_cids',
  async up(db: Kysely<any>) {
    // Ids compare byte-wise on both dialects, as the core's own tables do.
    const ctext = pg ? sql`text collate "C"` : sql`text`;
    await db.schema.createTable('content_cids').ifNotExists()
      .addColumn('file_id', ctext, (c) => c.primaryKey())
      .addColumn('tenant_id', ctext, (c) => c.notNull())
      .addColumn('cid', 'text', (c) => c.notNull())
      // SQLite has no boolean type (better-sqlite3 binds 0/1): integer there, boolean on PostgreSQL.
      .addColumn('public', pg ? 'boolean' : 'integer', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('content_cids_cid').ifNotExists().on('content_cids').columns(['cid', 'created_at']).execute();
  },
}];

/** How many candidate rows `findPublic` examines per query while looking for one that is still live. */
const CANDIDATE_BATCH = 20;

export class ContentIndex {
  private readonly db: Kysely<any>;
  private readonly pg: boolean;

  private constructor(private readonly metadata: MetadataStore) {
    this.db = metadata.db;
    this.pg = metadata.dialect === 'postgres';
  }

  /** Creates the table on first use (idempotent, safe from several gateways at once). */
  static async open(metadata: MetadataStore): Promise<ContentIndex> {
    await metadata.migrateExtension('content', MIGRATIONS(metadata.dialect === 'postgres'));
    return new ContentIndex(metadata);
  }

  /** Records (or replaces) the CID of a file. */
  async record(fileId: string, tenantId: string, cid: string, isPublic: boolean): Promise<void> {
    const values = { file_id: fileId, tenant_id: tenantId, cid, public: this.bool(isPublic), created_at: Date.now() };
    await this.db.insertInto('content_cids').values(values)
      .onConflict((oc) => oc.column('file_id').doUpdateSet({ tenant_id: tenantId, cid, public: values.public }))
      .execute();
  }

  /** Publishes or withdraws a file; false when the file has no CID recorded. */
  async setPublic(fileId: string, isPublic: boolean): Promise<boolean> {
    const result = await this.db.updateTable('content_cids').set({ public: this.bool(isPublic) }).where('file_id', '=', fileId).executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  async cidOf(fileId: string): Promise<string | undefined> {
    const row = await this.db.selectFrom('content_cids').select('cid').where('file_id', '=', fileId).executeTakeFirst();
    return row?.cid as string | undefined;
  }

  async get(fileId: string): Promise<ContentRecord | undefined> {
    const row = await this.db.selectFrom('content_cids').selectAll().where('file_id', '=', fileId).executeTakeFirst();
    return row && toRecord(row);
  }

  /** Drops a file's row (after the file itself was deleted). */
  async forget(fileId: string): Promise<void> {
    await this.db.deleteFrom('content_cids').where('file_id', '=', fileId).execute();
  }

  /** The newest public file with this CID whose object is still live, if any. */
  async findPublic(cid: string): Promise<string | undefined> {
    let before: { createdAt: number; fileId: string } | undefined;
    for (;;) {
      let query = this.db.selectFrom('content_cids').select(['file_id', 'created_at'])
        .where('cid', '=', cid).where('public', '=', this.bool(true));
      if (before) {
        const b = before;
        query = query.where((eb) => eb.or([
          eb('created_at', '<', b.createdAt),
          eb.and([eb('created_at', '=', b.createdAt), eb('file_id', '<', b.fileId)]),
        ]));
      }
      const rows = await query.orderBy('created_at', 'desc').orderBy('file_id', 'desc').limit(CANDIDATE_BATCH).execute();
      for (const row of rows) {
        const object = await this.metadata.getObject(row.file_id as string);
        if (object?.state === 'live') return object.fileId;
      }
      if (rows.length < CANDIDATE_BATCH) return undefined;
      const last = rows.at(-1)!;
      before = { createdAt: Number(last.created_at), fileId: last.file_id as string };
    }
  }

  private bool(value: boolean): boolean | number {
    return this.pg ? value : value ? 1 : 0;
  }
}

function toRecord(row: Record<string, unknown>): ContentRecord {
  return {
    fileId: row.file_id as string,
    tenantId: row.tenant_id as string,
    cid: row.cid as string,
    isPublic: row.public === true || row.public === 1 || row.public === '1',
    createdAt: new Date(Number(row.created_at)),
  };
}
