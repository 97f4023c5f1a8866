import { randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import { StorageError } from '../errors.js';
import type { BlobRow, BucketRow, ObjectAttributes, ObjectRow } from '../types.js';
import type { BodySource } from './blob-io.js';
import { checkConditions, type Conditions } from './conditions.js';
import { StorageContext } from './context.js';
import { listPage, type ListOptions } from './listing.js';
import { MaintenanceService } from './maintenance.js';
import { MultipartService } from './multipart.js';
import { toObjectInfo, type ObjectInfo } from './object-info.js';
import { resolveStorageOptions, type ResolvedStorageOptions, type StorageOptions } from './options.js';
import { resolveRange, type ByteRange, type ResolvedRange } from './ranges.js';
import { TenantService, type Tenant } from './tenants.js';
import { assertBucketName, assertMetadata, assertObjectKey } from './validation.js';

export interface BucketInfo {
  name: string;
  createdAt: Date;
  settings: Record<string, unknown>;
}

export interface PutObjectOptions {
  /** Declared plaintext size (Content-Length); the body must match it. Omit for streams of unknown length. */
  size?: number;
  contentType?: string;
  metadata?: Record<string, string>;
  headers?: Record<string, string>;
  tags?: Record<string, string>;
  /** The body is ciphertext in Omnigate's segmented format, sealed by the client under this 32-byte key. */
  clientKey?: Buffer;
  /** Conditions on the object currently at the key (e.g. If-None-Match: * to create only). */
  conditions?: Conditions;
  /** A fileId handed out before the bytes arrived (ZiB registrations); a fresh UUID when omitted. */
  fileId?: string;
  /** Sees every plaintext byte (extra checksums). */
  onPlaintext?: (chunk: Buffer) => void;
  /** Runs after the bytes are stored and before the object becomes visible; throw to refuse it, or add attributes. */
  beforeCommit?: (digest: { md5: Buffer; sha256: Buffer; size: number }) => void | Partial<ObjectAttributes> | Promise<void | Partial<ObjectAttributes>>;
  signal?: AbortSignal;
}

export interface GetObjectOptions {
  range?: ByteRange;
  conditions?: Conditions;
  signal?: AbortSignal;
}

export interface CopyObjectOptions {
  /** COPY keeps the source's content type, metadata, headers and tags; REPLACE takes them from these options. */
  metadataDirective?: 'COPY' | 'REPLACE';
  contentType?: string;
  metadata?: Record<string, string>;
  headers?: Record<string, string>;
  tags?: Record<string, string>;
  sourceConditions?: Conditions;
}

/**
 * The one facade every adapter uses. Objects are streams of bytes encrypted per object and erasure-coded across
 * fragment nodes; every put gets a fresh fileId and supersedes the previous object at its key.
 */
export class Storage {
  readonly tenants: TenantService;
  readonly multipart: MultipartService;
  readonly maintenance: MaintenanceService;
  private readonly ctx: StorageContext;

  private constructor(readonly options: ResolvedStorageOptions) {
    this.ctx = new StorageContext(options);
    this.tenants = new TenantService(options.metadata, options.kek, options.credentialCacheMs);
    this.multipart = new MultipartService(this.ctx);
    this.maintenance = new MaintenanceService(this.ctx);
  }

  /** Validates options, migrates metadata and sweeps what a crash left behind. */
  static async open(options: StorageOptions): Promise<Storage> {
    const storage = new Storage(resolveStorageOptions(options));
    await storage.options.metadata.migrate();
    await storage.maintenance.sweep();
    return storage;
  }

  async close(): Promise<void> {
    await Promise.all(this.options.nodes.map((n) => n.close()));
    await this.options.metadata.close();
  }

  // Buckets

  async createBucket(tenant: Tenant, name: string, settings: Record<string, unknown> = {}): Promise<BucketInfo> {
    assertBucketName(name, this.options.reservedBucketNames);
    const row: BucketRow = { id: randomUUID(), tenantId: tenant.id, name, settings, createdAt: new Date() };
    await this.options.metadata.insertBucket(row);
    return toBucketInfo(row);
  }

  async headBucket(tenant: Tenant, name: string): Promise<BucketInfo> {
    return toBucketInfo(await this.ctx.bucket(tenant, name));
  }

  async listBuckets(tenant: Tenant): Promise<BucketInfo[]> {
    return (await this.options.metadata.listBuckets(tenant.id)).map(toBucketInfo);
  }

  async updateBucketSettings(tenant: Tenant, name: string, settings: Record<string, unknown>): Promise<void> {
    const bucket = await this.ctx.bucket(tenant, name);
    await this.options.metadata.updateBucketSettings(bucket.id, settings);
  }

  async deleteBucket(tenant: Tenant, name: string): Promise<void> {
    const bucket = await this.ctx.bucket(tenant, name);
    const { result, released } = await this.options.metadata.deleteBucketIfEmpty(bucket.id);
    await this.ctx.blobs.release(released);
    if (result === 'not-empty') throw new StorageError('BucketNotEmpty', 'The bucket you tried to delete is not empty', { bucket: name });
    if (result === 'missing') throw new StorageError('NoSuchBucket', 'The specified bucket does not exist', { bucket: name });
  }

  // Objects

  async putObject(tenant: Tenant, bucketName: string, key: string, body: BodySource, opts: PutObjectOptions = {}): Promise<ObjectInfo> {
    const bucket = await this.ctx.bucket(tenant, bucketName);
    assertObjectKey(key);
    assertMetadata(opts.metadata ?? {});
    const { maxObjectSize, metadata } = this.options;
    if (opts.size !== undefined && (!Number.isSafeInteger(opts.size) || opts.size < 0)) {
      throw new StorageError('InvalidArgument', 'The declared size must be a non-negative integer');
    }
    if (opts.size !== undefined && opts.size > maxObjectSize) {
      throw new StorageError('EntityTooLarge', `Your proposed upload exceeds the maximum allowed size of ${maxObjectSize} bytes`, { max: maxObjectSize });
    }
    if (opts.conditions) await this.checkCurrent(bucket.id, key, opts.conditions);
    if (opts.fileId !== undefined) await this.ctx.assertFreshFileId(opts.fileId);
    await this.ctx.checkQuota(tenant, opts.size ?? 0);

    const written = await this.ctx.blobs.write(body, {
      streamIndex: 0, size: opts.size, maxSize: maxObjectSize, clientKey: opts.clientKey, onPlaintext: opts.onPlaintext, signal: opts.signal,
    });
    const { blob } = written;
    try {
      const extra = await opts.beforeCommit?.({ md5: written.md5, sha256: written.sha256, size: blob.plainSize });
      if (opts.size === undefined) await this.ctx.checkQuota(tenant, blob.plainSize);
      if (opts.conditions) await this.checkCurrent(bucket.id, key, opts.conditions);
      const extents = [{ blobId: blob.id, size: blob.plainSize }];
      const { phase, safeAt } = await this.ctx.phaseOf(extents, [blob]);
      const row = this.ctx.newObjectRow({
        fileId: opts.fileId, tenantId: tenant.id, bucketId: bucket.id, key, size: blob.plainSize,
        etag: written.md5.toString('hex'), sha256: written.sha256.toString('hex'), contentType: opts.contentType,
        attributes: { metadata: opts.metadata ?? {}, headers: opts.headers ?? {}, tags: opts.tags ?? {}, ...extra },
        extents, partsCount: null, phase, safeAt,
      });
      const { released } = await metadata.commitObject(row, {
        commitBlobIds: [blob.id], supersedeReason: `superseded by ${row.fileId}`, newBlobs: written.unrecorded ? [blob] : [],
      });
      await this.ctx.blobs.release(released);
      return toObjectInfo(row, bucket.name);
    } catch (err) {
      await this.ctx.blobs.release([blob]);
      throw err;
    }
  }

  async headObject(tenant: Tenant, bucketName: string, key: string, opts: { conditions?: Conditions } = {}): Promise<ObjectInfo> {
    return (await this.checkedLiveObject(tenant, bucketName, key, opts.conditions, false)).info;
  }

  async getObject(tenant: Tenant, bucketName: string, key: string, opts: GetObjectOptions = {}): Promise<{ info: ObjectInfo; range: ResolvedRange; body: Readable }> {
    const { info, row, blob } = await this.checkedLiveObject(tenant, bucketName, key, opts.conditions, true);
    return this.open(info, row, opts, blob);
  }

  /** The CDN path: the fileId is the capability. Cancelled (superseded) objects are NoSuchKey. */
  async getObjectById(fileId: string, opts: GetObjectOptions = {}): Promise<{ info: ObjectInfo; range: ResolvedRange; body: Readable }> {
    const { info, row } = await this.objectById(fileId);
    if (info.state !== 'live') throw new StorageError('NoSuchKey', 'The specified key does not exist', { fileId });
    checkConditions({ etag: info.etag, lastModified: info.lastModified }, opts.conditions);
    return this.open(info, row, opts);
  }

  /** Any object by fileId, cancelled ones included (their phase and reason are what callers ask for). */
  async headObjectById(fileId: string): Promise<ObjectInfo> {
    return (await this.objectById(fileId)).info;
  }

  async deleteObject(tenant: Tenant, bucketName: string, key: string): Promise<{ deleted: ObjectInfo | undefined }> {
    const bucket = await this.ctx.bucket(tenant, bucketName);
    const { deleted, released } = await this.options.metadata.deleteObject(bucket.id, key);
    await this.ctx.blobs.release(released);
    return { deleted: deleted && toObjectInfo(deleted, bucket.name) };
  }

  /** Deletes each key independently, as S3's DeleteObjects does; a missing key counts as deleted. */
  async deleteObjects(tenant: Tenant, bucketName: string, keys: readonly string[]): Promise<Array<{ key: string; deleted: boolean; error?: StorageError }>> {
    await this.ctx.bucket(tenant, bucketName);
    const results = [];
    for (const key of keys) {
      try {
        const { deleted } = await this.deleteObject(tenant, bucketName, key);
        results.push({ key, deleted: deleted !== undefined });
      } catch (err) {
        results.push({ key, deleted: false, error: err as StorageError });
      }
    }
    return results;
  }

  /** Server-side copy: the new object shares the source's encrypted blobs, so no byte is read or rewritten. */
  async copyObject(tenant: Tenant, source: { bucket: string; key: string }, target: { bucket: string; key: string }, opts: CopyObjectOptions = {}): Promise<ObjectInfo> {
    const sourceBucket = await this.ctx.bucket(tenant, source.bucket);
    const targetBucket = await this.ctx.bucket(tenant, target.bucket);
    assertObjectKey(target.key);
    const src = await this.liveObject(sourceBucket.id, source.key);
    checkConditions({ etag: src.etag, lastModified: src.createdAt }, opts.sourceConditions, true);
    const replace = opts.metadataDirective === 'REPLACE';
    if (replace) assertMetadata(opts.metadata ?? {});
    await this.ctx.checkQuota(tenant, src.size);
    const row = this.ctx.newObjectRow({
      tenantId: tenant.id, bucketId: targetBucket.id, key: target.key, size: src.size, etag: src.etag, sha256: src.sha256,
      contentType: replace ? opts.contentType : src.contentType,
      attributes: replace
        ? { ...src.attributes, metadata: opts.metadata ?? {}, headers: opts.headers ?? {}, tags: opts.tags ?? src.attributes.tags } // checksums describe the shared bytes
        : { ...src.attributes, tags: opts.tags ?? src.attributes.tags },
      extents: src.extents, partsCount: src.partsCount, phase: src.phase === 'cancelled' ? 'distributed' : src.phase, safeAt: src.replicationSafeAt,
    });
    const { released } = await this.options.metadata.commitObject(row, { commitBlobIds: src.extents.map((e) => e.blobId), supersedeReason: `superseded by ${row.fileId}` });
    await this.ctx.blobs.release(released);
    return toObjectInfo(row, targetBucket.name);
  }

  async setObjectTags(tenant: Tenant, bucketName: string, key: string, tags: Record<string, string>): Promise<ObjectInfo> {
    const bucket = await this.ctx.bucket(tenant, bucketName);
    const row = await this.liveObject(bucket.id, key);
    const attributes = { ...row.attributes, tags };
    await this.options.metadata.updateObjectAttributes(row.fileId, attributes);
    return toObjectInfo({ ...row, attributes }, bucket.name);
  }

  async listObjects(tenant: Tenant, bucketName: string, options: ListOptions = {}): Promise<{ objects: ObjectInfo[]; commonPrefixes: string[]; isTruncated: boolean; nextMarker: string | undefined }> {
    const bucket = await this.ctx.bucket(tenant, bucketName);
    const page = await listPage(this.options.metadata, bucket.id, options);
    return { ...page, objects: page.objects.map((row) => toObjectInfo(row, bucket.name)) };
  }

  /** Per-node health: `degraded` when fewer than k+m nodes answer healthy, `down` when fewer than k (no reads). */
  async health(): Promise<{ status: 'ok' | 'degraded' | 'down'; nodes: Array<{ id: string; healthy: boolean; message?: string }> }> {
    const nodes = await Promise.all(this.options.nodes.map(async (node) => {
      const h = await node.health().catch((err: unknown) => ({ healthy: false, message: String(err) }));
      return { id: node.id, ...h };
    }));
    const healthy = nodes.filter((n) => n.healthy).length;
    const { dataShards, parityShards } = this.options;
    return { status: healthy >= dataShards + parityShards ? 'ok' : healthy >= dataShards ? 'degraded' : 'down', nodes };
  }

  /** The requested range of an object whose row (and maybe its blob's, `known`) the caller has already read and checked. */
  private async open(info: ObjectInfo, row: ObjectRow, opts: GetObjectOptions, known?: BlobRow): Promise<{ info: ObjectInfo; range: ResolvedRange; body: Readable }> {
    const range = resolveRange(opts.range, info.size);
    return { info, range, body: await this.ctx.openExtents(row.extents, range.start, range.end, opts.signal, known) };
  }

  private async objectById(fileId: string): Promise<{ info: ObjectInfo; row: ObjectRow }> {
    const row = isUuid(fileId) ? await this.options.metadata.getObject(fileId) : undefined;
    if (!row) throw new StorageError('NoSuchKey', 'The specified key does not exist', { fileId });
    const bucket = await this.options.metadata.getBucketById(row.bucketId);
    return { info: toObjectInfo(row, bucket?.name ?? ''), row };
  }

  /** `withBlob` (a GET) asks the store for the object's blob row in the same query, where it can. */
  private async checkedLiveObject(tenant: Tenant, bucketName: string, key: string, conditions: Conditions | undefined, withBlob: boolean): Promise<{ info: ObjectInfo; row: ObjectRow; blob?: BlobRow }> {
    const { metadata } = this.options;
    let bucket: BucketRow;
    let row: ObjectRow;
    let blob: BlobRow | undefined;
    if (metadata.getBucketAndLiveObject && typeof bucketName === 'string' && typeof key === 'string' && key.length > 0) {
      // One query for bucket and object instead of two; a GET of a single-extent object gets its blob row from it too.
      const found = await metadata.getBucketAndLiveObject(tenant.id, bucketName, key, { withBlob });
      if (!found) throw new StorageError('NoSuchBucket', 'The specified bucket does not exist', { bucket: bucketName });
      if (!found.object) throw new StorageError('NoSuchKey', 'The specified key does not exist', { key });
      ({ bucket, object: row, blob } = found);
    } else {
      bucket = await this.ctx.bucket(tenant, bucketName);
      row = await this.liveObject(bucket.id, key);
    }
    const info = toObjectInfo(row, bucket.name);
    checkConditions({ etag: info.etag, lastModified: info.lastModified }, conditions);
    return { info, row, blob };
  }

  private async liveObject(bucketId: string, key: string) {
    const row = typeof key === 'string' && key.length > 0 ? await this.options.metadata.getLiveObject(bucketId, key) : undefined;
    if (!row) throw new StorageError('NoSuchKey', 'The specified key does not exist', { key });
    return row;
  }

  private async checkCurrent(bucketId: string, key: string, conditions: Conditions): Promise<void> {
    const current = await this.options.metadata.getLiveObject(bucketId, key);
    checkConditions(current && { etag: current.etag, lastModified: current.createdAt }, conditions, true);
  }
}

function toBucketInfo(row: BucketRow): BucketInfo {
  return { name: row.name, createdAt: row.createdAt, settings: row.settings };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
function isUuid(value: string): boolean {
  return typeof value === 'string' && UUID.test(value);
}
