import type { Kysely } from 'kysely';
import type {
  BlobRow, BlobState, BucketRow, CommitResult, ExtensionMigration, FragmentPlacement, MetadataStore, ObjectPhase, ObjectRow,
  PartRow, TenantRow, UploadRow,
} from '@omnigate/core';
import { classify, translate } from './errors.js';
import type { ErrorMap } from './errors.js';
import { migrateExtension } from './extensions.js';
import { GroupCommit } from './group-commit.js';
import { migrateCore } from './migrations.js';
import * as blobs from './queries/blobs.js';
import * as buckets from './queries/buckets.js';
import * as multipart from './queries/multipart.js';
import * as objects from './queries/objects.js';
import * as tenants from './queries/tenants.js';
import type { Database, Q } from './schema.js';

const TENANT_CONFLICT: ErrorMap = { unique: ['InvalidArgument', 'A tenant with this id, name, access key or API key already exists'] };
const FILE_ID_TAKEN: ErrorMap = { unique: ['InvalidArgument', 'An object with this file id already exists'] };
/** PostgreSQL may abort a transaction on deadlock or serialization failure; it changed nothing, so run it again. */
const MAX_ATTEMPTS = 5;

/** The MetadataStore over Kysely: plumbing only (errors, transactions); the SQL lives in queries/. */
export class SqlMetadataStore implements MetadataStore {
  readonly db: Kysely<any>;
  readonly #db: Kysely<Database>;
  readonly #q: Q;
  /** SQLite only: PostgreSQL commits concurrently on its pool and groups WAL flushes itself. */
  readonly #group: GroupCommit | undefined;
  #migrated: Promise<void> | undefined;

  constructor(db: Kysely<Database>, readonly dialect: 'sqlite' | 'postgres') {
    this.#db = db;
    this.db = db as Kysely<any>;
    this.#q = { db, pg: dialect === 'postgres' };
    this.#group = dialect === 'sqlite' ? new GroupCommit(db) : undefined;
  }

  async #run<T>(fn: (q: Q) => Promise<T>, map?: ErrorMap): Promise<T> {
    try {
      return await fn(this.#q);
    } catch (err) {
      throw translate(err, map);
    }
  }

  /** Runs `fn` in one transaction, again if the database aborted it for a deadlock or serialization failure. */
  #tx<T>(fn: (q: Q) => Promise<T>, map?: ErrorMap): Promise<T> {
    return this.#run(async () => {
      for (let attempt = 1; ; attempt++) {
        try {
          if (this.#group) return await this.#group.run(fn);
          return await this.#db.transaction().execute((trx) => fn({ db: trx, pg: this.#q.pg }));
        } catch (err) {
          if (classify(err) !== 'retry' || attempt >= MAX_ATTEMPTS) throw err;
          await new Promise((resolve) => setTimeout(resolve, Math.random() * 10 * attempt));
        }
      }
    }, map);
  }

  migrate(): Promise<void> {
    const run = this.#run((q) => migrateCore(q.db, q.pg));
    this.#migrated = run;
    run.catch(() => { if (this.#migrated === run) this.#migrated = undefined; }); // a later call tries again
    return run;
  }

  async migrateExtension(namespace: string, migrations: readonly ExtensionMigration[]): Promise<void> {
    await (this.#migrated ?? this.migrate()); // the record table is a core one
    await this.#run((q) => migrateExtension(q.db, q.pg, namespace, migrations));
  }

  async close(): Promise<void> {
    await this.#db.destroy();
  }

  // Tenants
  insertTenant(row: TenantRow) { return this.#run((q) => tenants.insertTenant(q, row), TENANT_CONFLICT); }
  findTenant(by: tenants.TenantLookup) { return this.#run((q) => tenants.findTenant(q, by)); }
  listTenants() { return this.#run((q) => tenants.listTenants(q)); }
  updateTenant(id: string, patch: Parameters<MetadataStore['updateTenant']>[1]) {
    return this.#run((q) => tenants.updateTenant(q, id, patch), TENANT_CONFLICT);
  }

  // Buckets
  insertBucket(row: BucketRow) {
    return this.#run((q) => buckets.insertBucket(q, row), {
      unique: ['BucketAlreadyOwnedByYou', 'Your previous request to create the named bucket succeeded and you already own it'],
      'foreign-key': ['NoSuchTenant', 'The specified tenant does not exist'],
    });
  }
  getBucket(tenantId: string, name: string) { return this.#run((q) => buckets.getBucket(q, tenantId, name)); }
  getBucketById(id: string) { return this.#run((q) => buckets.getBucketById(q, id)); }
  findBucketsByName(name: string) { return this.#run((q) => buckets.findBucketsByName(q, name)); }
  listBuckets(tenantId: string) { return this.#run((q) => buckets.listBuckets(q, tenantId)); }
  updateBucketSettings(bucketId: string, settings: Record<string, unknown>) {
    return this.#run((q) => buckets.updateBucketSettings(q, bucketId, settings));
  }
  deleteBucketIfEmpty(bucketId: string) { return this.#tx((q) => buckets.deleteBucketIfEmpty(q, bucketId)); }
  tenantUsage(tenantId: string) { return this.#run((q) => buckets.tenantUsage(q, tenantId)); }

  // Blobs
  insertBlob(row: BlobRow) { return this.#run((q) => blobs.insertBlob(q, row), { unique: ['InvalidArgument', 'A blob with this id already exists'] }); }
  getBlobs(ids: readonly string[]) { return this.#run((q) => blobs.getBlobs(q, ids)); }
  updateBlobPlacement(id: string, fragments: FragmentPlacement[], written?: { plainSize: number; cipherSize: number; header: Buffer }) {
    return this.#run((q) => blobs.updateBlobPlacement(q, id, fragments, written));
  }
  listBlobs(options: { afterId?: string; limit: number; states?: BlobState[] }) { return this.#run((q) => blobs.listBlobs(q, options)); }
  listAbandonedBlobs(olderThan: Date, limit: number) { return this.#run((q) => blobs.listAbandonedBlobs(q, olderThan, limit)); }
  /**
   * Every overwrite releases the blob it replaced. On SQLite a lone write would be one more commit and fdatasync,
   * holding the connection meanwhile; in the group commit it shares the next batch's.
   */
  deleteBlob(id: string) { return this.#group ? this.#tx((q) => blobs.deleteBlob(q, id)) : this.#run((q) => blobs.deleteBlob(q, id)); }
  async *listFragmentNames(node: string): AsyncIterable<string> {
    try {
      yield* blobs.listFragmentNames(this.#q, node);
    } catch (err) {
      throw translate(err);
    }
  }

  // Objects
  commitObject(row: ObjectRow, options: { commitBlobIds: readonly string[]; supersedeReason: string; newBlobs?: readonly BlobRow[] }): Promise<CommitResult> {
    return this.#tx((q) => objects.commitObject(q, row, options), { ...FILE_ID_TAKEN, 'foreign-key': ['NoSuchBucket', 'The specified bucket does not exist'] });
  }
  getLiveObject(bucketId: string, key: string) { return this.#run((q) => objects.getLiveObject(q, bucketId, key)); }
  getBucketAndLiveObject(tenantId: string, bucketName: string, key: string, options?: { withBlob?: boolean }) {
    return this.#run((q) => objects.getBucketAndLiveObject(q, tenantId, bucketName, key, options?.withBlob ?? false));
  }
  getObject(fileId: string) { return this.#run((q) => objects.getObject(q, fileId)); }
  listObjects(bucketId: string, options: { prefix?: string; startAfter?: string; limit: number }) {
    return this.#run((q) => objects.listObjects(q, bucketId, options));
  }
  deleteObject(bucketId: string, key: string, expectedFileId?: string) {
    return this.#tx((q) => objects.deleteObject(q, bucketId, key, expectedFileId));
  }
  listObjectsInPhase(phase: ObjectPhase, options: { afterFileId?: string; limit: number }) {
    return this.#run((q) => objects.listObjectsInPhase(q, phase, options));
  }
  updateObjectPhase(fileId: string, phase: ObjectPhase, replicationSafeAt?: Date | null) {
    return this.#run((q) => objects.updateObjectPhase(q, fileId, phase, replicationSafeAt));
  }
  updateObjectAttributes(fileId: string, attributes: ObjectRow['attributes']) {
    return this.#run((q) => objects.updateObjectAttributes(q, fileId, attributes));
  }

  // Multipart uploads
  insertUpload(row: UploadRow) {
    return this.#run((q) => multipart.insertUpload(q, row), {
      unique: ['InvalidArgument', 'An upload with this id already exists'],
      'foreign-key': ['NoSuchBucket', 'The specified bucket does not exist'],
    });
  }
  getUpload(uploadId: string) { return this.#run((q) => multipart.getUpload(q, uploadId)); }
  listUploads(bucketId: string, options: { prefix?: string; keyMarker?: string; uploadIdMarker?: string; limit: number }) {
    return this.#run((q) => multipart.listUploads(q, bucketId, options));
  }
  putPart(row: PartRow, options?: { newBlob?: BlobRow }) {
    return this.#tx((q) => multipart.putPart(q, row, options), { 'foreign-key': ['NoSuchUpload', 'The specified multipart upload does not exist'] });
  }
  listParts(uploadId: string, options: { afterPartNumber?: number; limit: number }) { return this.#run((q) => multipart.listParts(q, uploadId, options)); }
  completeUpload(uploadId: string, row: ObjectRow, options: { partNumbers: readonly number[]; supersedeReason: string }): Promise<CommitResult> {
    return this.#tx((q) => multipart.completeUpload(q, uploadId, row, options), FILE_ID_TAKEN);
  }
  deleteUpload(uploadId: string) { return this.#tx((q) => multipart.deleteUpload(q, uploadId)); }
  listExpiredUploads(olderThan: Date, limit: number) { return this.#run((q) => multipart.listExpiredUploads(q, olderThan, limit)); }
}
