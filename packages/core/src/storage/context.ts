import { randomUUID } from 'node:crypto';
import { PassThrough, type Readable, type Writable } from 'node:stream';
import { StorageError } from '../errors.js';
import type { BlobRow, BucketRow, ObjectAttributes, ObjectExtent, ObjectRow } from '../types.js';
import { emptyAttributes } from '../types.js';
import { BlobIO } from './blob-io.js';
import type { ResolvedStorageOptions } from './options.js';
import type { Tenant } from './tenants.js';

/** What the Storage facade's services share: options, metadata and blob I/O, and the lookups every call starts with. */
export class StorageContext {
  readonly blobs: BlobIO;

  constructor(readonly options: ResolvedStorageOptions) {
    this.blobs = new BlobIO(options);
  }

  get metadata() {
    return this.options.metadata;
  }

  async bucket(tenant: Tenant, name: string): Promise<BucketRow> {
    const bucket = typeof name === 'string' ? await this.metadata.getBucket(tenant.id, name) : undefined;
    if (!bucket) throw new StorageError('NoSuchBucket', 'The specified bucket does not exist', { bucket: name });
    return bucket;
  }

  /** Refuses a write that would take the tenant past its quota. */
  async checkQuota(tenant: Tenant, extraBytes: number): Promise<void> {
    if (tenant.quotaBytes === null) return;
    const usage = await this.metadata.tenantUsage(tenant.id);
    if (usage.bytes + extraBytes > tenant.quotaBytes) {
      throw new StorageError('QuotaExceeded', `This upload would exceed the tenant's quota of ${tenant.quotaBytes} bytes`, { quotaBytes: tenant.quotaBytes, usedBytes: usage.bytes });
    }
  }

  /** `safe` once every fragment of every extent is stored; `distributed` while repair still owes some. */
  async phaseOf(extents: readonly ObjectExtent[], known?: readonly BlobRow[]): Promise<{ phase: 'safe' | 'distributed'; safeAt: Date | null }> {
    const blobs = known ?? await this.metadata.getBlobs(extents.map((e) => e.blobId));
    const complete = blobs.every((b) => b.fragments.every((f) => f !== null));
    return complete ? { phase: 'safe', safeAt: new Date() } : { phase: 'distributed', safeAt: null };
  }

  /**
   * Plaintext [start, end) of an object. A range inside one extent (any read of a single-part object) is that
   * blob's own stream, with no PassThrough and pipeline in between; several extents go through `readExtents`.
   * `known` is a blob row the caller already read with the object's; it saves the lookup when it is that extent's blob.
   */
  async openExtents(extents: readonly ObjectExtent[], start: number, end: number, signal?: AbortSignal, known?: BlobRow): Promise<Readable> {
    const slices = slicesOf(extents, start, end);
    if (slices.length !== 1) return this.readExtents(slices, signal);
    const { blobId, from, to } = slices[0]!;
    const [blob] = known?.id === blobId ? [known] : await this.metadata.getBlobs([blobId]);
    if (!blob) throw new StorageError('InternalError', 'Object data is missing its blob record', { blobId });
    return this.blobs.read(blob, from, to, signal);
  }

  /**
   * Several extents' slices (one per multipart part) as one stream. They are piped into one PassThrough rather than
   * async-iterated: iterating a byte stream concatenates its buffered chunks (a copy each). `pipe` (not `pipeline`)
   * because it removes its listeners from `out` when each extent ends; `pipeline` with `end: false` leaves its own
   * on `out`, one set per extent.
   */
  private readExtents(slices: readonly ExtentSlice[], signal?: AbortSignal): Readable {
    const { metadata, blobs } = this;
    const out = new PassThrough({ highWaterMark: 1024 * 1024 });
    (async () => {
      const rows = new Map((await metadata.getBlobs(slices.map((s) => s.blobId))).map((b) => [b.id, b]));
      for (const { blobId, from, to } of slices) {
        const blob = rows.get(blobId);
        if (!blob) throw new StorageError('InternalError', 'Object data is missing its blob record', { blobId });
        await pipeWithoutEnd(blobs.read(blob, from, to, signal), out);
      }
      out.end();
    })().catch((err: unknown) => out.destroy(err as Error));
    return out;
  }

  /**
   * Checks a fileId handed out before the upload (ZiB's registration): a UUID no object row has used yet.
   * The objects table's primary key still guards against a race at commit.
   */
  async assertFreshFileId(fileId: string): Promise<void> {
    if (typeof fileId !== 'string' || !/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(fileId)) {
      throw new StorageError('InvalidArgument', 'A pre-allocated fileId must be a lower-case UUID');
    }
    if (await this.metadata.getObject(fileId)) throw new StorageError('InvalidArgument', 'That fileId is already in use', { fileId });
  }

  newObjectRow(fields: {
    fileId?: string; tenantId: string; bucketId: string; key: string; size: number; etag: string; sha256: string | null;
    contentType?: string; attributes?: Partial<ObjectAttributes>; extents: ObjectExtent[]; partsCount: number | null;
    phase: ObjectRow['phase']; safeAt: Date | null;
  }): ObjectRow {
    const now = new Date();
    return {
      // Random (v4), unlike blob ids: a fileId is a capability where a protocol serves objects by it (ZiB's CDN).
      fileId: fields.fileId ?? randomUUID(),
      tenantId: fields.tenantId,
      bucketId: fields.bucketId,
      key: fields.key,
      state: 'live',
      phase: fields.phase,
      cancelledReason: null,
      size: fields.size,
      etag: fields.etag,
      sha256: fields.sha256,
      contentType: fields.contentType || 'application/octet-stream',
      attributes: { ...emptyAttributes(), ...fields.attributes },
      extents: fields.extents,
      partsCount: fields.partsCount,
      createdAt: now,
      updatedAt: now,
      replicationSafeAt: fields.safeAt,
    };
  }
}

/** The part of one extent that plaintext [start, end) of the whole object covers, in that blob's own offsets. */
interface ExtentSlice {
  blobId: string;
  from: number;
  to: number;
}

/** The non-empty slices of the extents that [start, end) touches, in order. */
function slicesOf(extents: readonly ObjectExtent[], start: number, end: number): ExtentSlice[] {
  const slices: ExtentSlice[] = [];
  let offset = 0;
  for (const extent of extents) {
    const from = Math.max(start, offset) - offset;
    const to = Math.min(end, offset + extent.size) - offset;
    offset += extent.size;
    if (from < to) slices.push({ blobId: extent.blobId, from, to });
  }
  return slices;
}

/** Pipes `src` into `out` without ending `out`; settles when `src` ends, and fails (destroying `src`) if either side fails. */
function pipeWithoutEnd(src: Readable, out: Writable): Promise<void> {
  return new Promise((resolve, reject) => {
    const settle = (err?: Error | null) => {
      src.off('end', onEnd);
      src.off('error', settle);
      out.off('close', onClose);
      if (!err) return resolve();
      src.destroy();
      reject(err);
    };
    const onEnd = () => settle();
    const onClose = () => settle(out.errored ?? new StorageError('RequestAborted', 'The reader went away'));
    src.once('end', onEnd);
    src.once('error', settle);
    out.once('close', onClose);
    src.pipe(out, { end: false });
  });
}
