import type { Kysely } from 'kysely';
import type { BlobRow, BlobState, BucketRow, FragmentPlacement, ObjectPhase, ObjectRow, PartRow, TenantRow, UploadRow } from '../types.js';

/**
 * Everything the core remembers besides fragment bytes. Implemented once (packages/metadata-sql, Kysely) and run on
 * SQLite and PostgreSQL; every implementation passes @omnigate/conformance's metadataStoreSuite().
 *
 * Contract:
 * - Object keys compare byte-wise (UTF-8 binary order), as S3 lists them.
 * - Each method that changes more than one row is one transaction: it happens entirely or not at all.
 * - Blob reference counts: a blob is referenced by live objects, cancelled-but-kept objects never (their blobs are
 *   released on supersede), and multipart parts. A method that drops the last reference moves the blob to state
 *   `deleting` and returns its row in `released`, so the caller deletes its fragments and then `deleteBlob()`s it.
 * - Conflicts are StorageErrors: BucketAlreadyOwnedByYou, NoSuchBucket, NoSuchUpload, InvalidPart...
 */
export interface MetadataStore {
  readonly dialect: 'sqlite' | 'postgres';

  /** Creates or upgrades the core tables. Idempotent; safe to run from several gateway instances. */
  migrate(): Promise<void>;
  /** Runs an adapter's own migrations once each, in order, recorded under `namespace`. */
  migrateExtension(namespace: string, migrations: readonly ExtensionMigration[]): Promise<void>;
  /** Query builder for adapters' own tables (names prefixed with their namespace). */
  readonly db: Kysely<any>;
  close(): Promise<void>;

  // Tenants
  insertTenant(row: TenantRow): Promise<void>;
  findTenant(by: { id: string } | { accessKey: string } | { apiKeyHash: string } | { name: string }): Promise<TenantRow | undefined>;
  listTenants(): Promise<TenantRow[]>;
  updateTenant(id: string, patch: Partial<Pick<TenantRow, 'name' | 'accessKey' | 'sealedSecret' | 'apiKeyHash' | 'quotaBytes' | 'settings'>>): Promise<void>;

  // Buckets: names are unique per tenant.
  insertBucket(row: BucketRow): Promise<void>;
  getBucket(tenantId: string, name: string): Promise<BucketRow | undefined>;
  getBucketById(id: string): Promise<BucketRow | undefined>;
  /** Every tenant's bucket of this name (an S3 CORS preflight names no tenant). Optional: callers may scan instead. */
  findBucketsByName?(name: string): Promise<BucketRow[]>;
  listBuckets(tenantId: string): Promise<BucketRow[]>;
  updateBucketSettings(bucketId: string, settings: Record<string, unknown>): Promise<void>;
  /** Deletes the bucket only if it holds no live object; pending multipart uploads are aborted with it. */
  deleteBucketIfEmpty(bucketId: string): Promise<{ result: 'deleted' | 'not-empty' | 'missing'; released: BlobRow[] }>;
  /** Sum of live object sizes of a tenant, for quotas. */
  tenantUsage(tenantId: string): Promise<{ bytes: number; objects: number }>;

  // Blobs
  /** Records a blob about to be written (state `pending`, refCount 0) so a crash leaves a trace to sweep. */
  insertBlob(row: BlobRow): Promise<void>;
  getBlobs(ids: readonly string[]): Promise<BlobRow[]>;
  /** Records where a blob's fragments are (after repair), or, when `written` is given, what a finished write produced. */
  updateBlobPlacement(id: string, fragments: FragmentPlacement[], written?: { plainSize: number; cipherSize: number; header: Buffer }): Promise<void>;
  /** Blobs in id order after `afterId`, for repair and scrub. */
  listBlobs(options: { afterId?: string; limit: number; states?: BlobState[] }): Promise<BlobRow[]>;
  /** Pending blobs created before `olderThan` and all `deleting` blobs: what the start-up sweep cleans. */
  listAbandonedBlobs(olderThan: Date, limit: number): Promise<BlobRow[]>;
  /** Deletes a blob row once its fragments are gone. Only `pending` or `deleting` blobs may be deleted. */
  deleteBlob(id: string): Promise<void>;
  /** Every fragment name any blob row mentions, for the orphan sweep. */
  listFragmentNames(node: string): AsyncIterable<string>;

  // Objects
  /**
   * Makes `row` the live object of (bucket, key) in one transaction: marks `commitBlobIds` committed with one more
   * reference each, cancels the previous live object (phase `cancelled`, `cancelledReason`) and releases its blobs.
   * `newBlobs` (inline blobs never recorded as pending) are inserted in the same transaction first.
   */
  commitObject(row: ObjectRow, options: { commitBlobIds: readonly string[]; supersedeReason: string; newBlobs?: readonly BlobRow[] }): Promise<CommitResult>;
  getLiveObject(bucketId: string, key: string): Promise<ObjectRow | undefined>;
  /**
   * A tenant's bucket by name and the live object at `key` in it, in one query (every GET and HEAD needs both);
   * undefined when there is no such bucket. With `withBlob` (a GET), `blob` is also the row of the object's blob when
   * the object has exactly one extent and that blob is `committed`; otherwise it is absent and callers use getBlobs.
   * Optional: callers use getBucket and getLiveObject instead.
   */
  getBucketAndLiveObject?(tenantId: string, bucketName: string, key: string, options?: { withBlob?: boolean }): Promise<{ bucket: BucketRow; object: ObjectRow | undefined; blob?: BlobRow } | undefined>;
  getObject(fileId: string): Promise<ObjectRow | undefined>;
  /** Live objects with `key > startAfter` and the prefix, in byte-wise key order. */
  listObjects(bucketId: string, options: { prefix?: string; startAfter?: string; limit: number }): Promise<ObjectRow[]>;
  /** Removes the live object of (bucket, key) and releases its blobs; `expectedFileId` guards against races. */
  deleteObject(bucketId: string, key: string, expectedFileId?: string): Promise<{ deleted: ObjectRow | undefined; released: BlobRow[] }>;
  /** Live objects in `phase`, in fileId order after `afterFileId` (repair finds the objects it may have made safe). */
  listObjectsInPhase(phase: ObjectPhase, options: { afterFileId?: string; limit: number }): Promise<ObjectRow[]>;
  updateObjectPhase(fileId: string, phase: ObjectPhase, replicationSafeAt?: Date | null): Promise<void>;
  updateObjectAttributes(fileId: string, attributes: ObjectRow['attributes']): Promise<void>;

  // Multipart uploads
  insertUpload(row: UploadRow): Promise<void>;
  getUpload(uploadId: string): Promise<UploadRow | undefined>;
  listUploads(bucketId: string, options: { prefix?: string; keyMarker?: string; uploadIdMarker?: string; limit: number }): Promise<UploadRow[]>;
  /** Adds or replaces a part: commits its blob (+1 reference) and releases the replaced part's blob; `newBlob` as in commitObject. */
  putPart(row: PartRow, options?: { newBlob?: BlobRow }): Promise<{ released: BlobRow[] }>;
  listParts(uploadId: string, options: { afterPartNumber?: number; limit: number }): Promise<PartRow[]>;
  /**
   * Turns the upload into the live object `row` (whose extents are the chosen parts' blobs, in order): the object
   * takes over the chosen parts' references, unchosen parts are released, the upload and its parts disappear, and
   * the previous live object is cancelled, all in one transaction. Rejects NoSuchUpload if it is gone.
   */
  completeUpload(uploadId: string, row: ObjectRow, options: { partNumbers: readonly number[]; supersedeReason: string }): Promise<CommitResult>;
  /** Deletes the upload and its parts, releasing their blobs. */
  deleteUpload(uploadId: string): Promise<{ deleted: boolean; released: BlobRow[] }>;
  /** Uploads created before `olderThan`, for expiry. */
  listExpiredUploads(olderThan: Date, limit: number): Promise<UploadRow[]>;
}

export interface CommitResult {
  superseded: ObjectRow | undefined;
  released: BlobRow[];
}

export interface ExtensionMigration {
  name: string;
  up(db: Kysely<any>): Promise<void>;
}
