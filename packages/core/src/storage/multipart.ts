import { createHash } from 'node:crypto';
import { pooledRandomBytes } from '../codec/random.js';
import { StorageError } from '../errors.js';
import type { ChecksumType, ObjectAttributes, PartRow, UploadRow } from '../types.js';
import { emptyAttributes } from '../types.js';
import type { BodySource } from './blob-io.js';
import type { StorageContext } from './context.js';
import { toObjectInfo, type ObjectInfo } from './object-info.js';
import type { Tenant } from './tenants.js';
import { assertMetadata, assertObjectKey, assertPartNumber } from './validation.js';
import { normalizeEtag } from './conditions.js';

export interface UploadInfo {
  uploadId: string;
  bucket: string;
  key: string;
  contentType: string;
  attributes: ObjectAttributes;
  createdAt: Date;
}

export interface PartInfo {
  partNumber: number;
  etag: string;
  size: number;
  /** Verified checksums by algorithm, base64; empty when none. */
  checksums: Record<string, string>;
  lastModified: Date;
}

export interface UploadPartOptions {
  size?: number;
  clientKey?: Buffer;
  onPlaintext?: (chunk: Buffer) => void;
  /** Runs after the bytes are stored and before the part replaces any earlier one; throw to refuse it, or return the checksums to keep with it. */
  beforeCommit?: (digest: { md5: Buffer; sha256: Buffer; size: number }) => void | { checksums?: Record<string, string> } | Promise<void | { checksums?: Record<string, string> }>;
  signal?: AbortSignal;
}

export interface CreateUploadOptions {
  contentType?: string;
  metadata?: Record<string, string>;
  headers?: Record<string, string>;
  tags?: Record<string, string>;
  /** A checksum algorithm and type the upload declares (kept in its attributes; the protocol enforces them). */
  checksumAlgorithm?: string;
  checksumType?: ChecksumType;
}

export interface CompleteOptions {
  /** Overrides the deployment's minimum for protocols whose clients choose their own part sizes (QS, ZiB). */
  minPartSize?: number;
  /** A fileId handed out before the upload (ZiB registrations). */
  fileId?: string;
  /** Runs once the chosen parts are checked, before the object commits: throw to refuse, or return its checksums. */
  beforeCommit?: (parts: PartInfo[], upload: UploadInfo) => void | Partial<Pick<ObjectAttributes, 'checksums' | 'checksumType' | 'partChecksums'>>;
}

/**
 * S3 multipart semantics for every protocol: parts are numbered 1..10000, may arrive in any order and be replaced;
 * each part is its own blob, so completing an upload writes no data: the object's extents are the chosen parts.
 * The object's ETag is the MD5 of the parts' binary MD5s, then `-<number of parts>`. A part keeps the checksums its
 * protocol verified; completing checks any the client names against them (InvalidPart) and lets the protocol derive
 * the object's checksum from the chosen parts'.
 */
export class MultipartService {
  constructor(private readonly ctx: StorageContext) {}

  async create(tenant: Tenant, bucketName: string, key: string, opts: CreateUploadOptions = {}): Promise<UploadInfo> {
    const bucket = await this.ctx.bucket(tenant, bucketName);
    assertObjectKey(key);
    assertMetadata(opts.metadata ?? {});
    const row: UploadRow = {
      uploadId: pooledRandomBytes(24).toString('base64url'),
      tenantId: tenant.id, bucketId: bucket.id, key,
      contentType: opts.contentType || 'application/octet-stream',
      attributes: {
        ...emptyAttributes(), metadata: opts.metadata ?? {}, headers: opts.headers ?? {}, tags: opts.tags ?? {},
        ...(opts.checksumAlgorithm ? { checksumAlgorithm: opts.checksumAlgorithm } : {}),
        ...(opts.checksumType ? { checksumType: opts.checksumType } : {}),
      },
      createdAt: new Date(),
    };
    await this.ctx.metadata.insertUpload(row);
    return toUploadInfo(row, bucket.name);
  }

  async get(tenant: Tenant, bucketName: string, key: string, uploadId: string): Promise<UploadInfo> {
    const { upload } = await this.upload(tenant, bucketName, key, uploadId);
    return toUploadInfo(upload, bucketName);
  }

  async uploadPart(tenant: Tenant, bucketName: string, key: string, uploadId: string, partNumber: number, body: BodySource, opts: UploadPartOptions = {}): Promise<PartInfo> {
    assertPartNumber(partNumber);
    await this.upload(tenant, bucketName, key, uploadId);
    const { maxPartSize } = this.ctx.options;
    if (opts.size !== undefined && opts.size > maxPartSize) {
      throw new StorageError('EntityTooLarge', `A part may be at most ${maxPartSize} bytes`, { max: maxPartSize });
    }
    const written = await this.ctx.blobs.write(body, {
      streamIndex: partNumber, size: opts.size, maxSize: maxPartSize, clientKey: opts.clientKey, onPlaintext: opts.onPlaintext, signal: opts.signal,
    });
    const { blob } = written;
    try {
      const extra = await opts.beforeCommit?.({ md5: written.md5, sha256: written.sha256, size: blob.plainSize });
      const part: PartRow = {
        uploadId, partNumber, blobId: blob.id, size: blob.plainSize, etag: written.md5.toString('hex'), checksums: extra?.checksums ?? {}, createdAt: new Date(),
      };
      const { released } = await this.ctx.metadata.putPart(part, written.unrecorded ? { newBlob: blob } : {});
      await this.ctx.blobs.release(released);
      return toPartInfo(part);
    } catch (err) {
      await this.ctx.blobs.release([blob]);
      throw err;
    }
  }

  async listParts(tenant: Tenant, bucketName: string, key: string, uploadId: string, opts: { partNumberMarker?: number; maxParts?: number } = {}): Promise<{ upload: UploadInfo; parts: PartInfo[]; isTruncated: boolean; nextPartNumberMarker: number | undefined }> {
    const { upload } = await this.upload(tenant, bucketName, key, uploadId);
    const limit = Math.max(0, Math.min(opts.maxParts ?? 1000, 1000));
    const rows = await this.ctx.metadata.listParts(uploadId, { afterPartNumber: opts.partNumberMarker, limit: limit + 1 });
    const isTruncated = rows.length > limit;
    const parts = rows.slice(0, limit).map(toPartInfo);
    return { upload: toUploadInfo(upload, bucketName), parts, isTruncated, nextPartNumberMarker: isTruncated ? parts.at(-1)?.partNumber : undefined };
  }

  /** `chosen[].checksums`, when given, must equal the part's stored ones of those algorithms, like its ETag. */
  async complete(tenant: Tenant, bucketName: string, key: string, uploadId: string, chosen: ReadonlyArray<{ partNumber: number; etag?: string; checksums?: Record<string, string> }>, opts: CompleteOptions = {}): Promise<ObjectInfo> {
    const { upload, bucketId } = await this.upload(tenant, bucketName, key, uploadId);
    if (opts.fileId !== undefined) await this.ctx.assertFreshFileId(opts.fileId);
    if (chosen.length === 0) throw new StorageError('InvalidArgument', 'You must specify at least one part');
    const stored = new Map<number, PartRow>();
    for (let after = 0; ;) {
      const rows = await this.ctx.metadata.listParts(uploadId, { afterPartNumber: after, limit: 1000 });
      for (const row of rows) stored.set(row.partNumber, row);
      if (rows.length < 1000) break;
      after = rows.at(-1)!.partNumber;
    }
    const parts: PartRow[] = [];
    chosen.forEach((want, i) => {
      assertPartNumber(want.partNumber);
      if (i > 0 && want.partNumber <= chosen[i - 1]!.partNumber) {
        throw new StorageError('InvalidPartOrder', 'The list of parts was not in ascending order. Parts must be ordered by part number.');
      }
      const part = stored.get(want.partNumber);
      if (!part || (want.etag !== undefined && normalizeEtag(want.etag) !== part.etag)
        || Object.entries(want.checksums ?? {}).some(([algorithm, value]) => part.checksums[algorithm] !== value)) {
        throw new StorageError('InvalidPart', 'One or more of the specified parts could not be found. The part may not have been uploaded, or the specified entity tag may not match the part\'s entity tag.', { partNumber: want.partNumber });
      }
      parts.push(part);
    });
    const minPartSize = opts.minPartSize ?? this.ctx.options.minPartSize;
    parts.slice(0, -1).forEach((part) => {
      if (part.size < minPartSize) {
        throw new StorageError('EntityTooSmall', 'Your proposed upload is smaller than the minimum allowed object size.', { partNumber: part.partNumber, minSizeAllowed: minPartSize, proposedSize: part.size });
      }
    });
    const size = parts.reduce((sum, p) => sum + p.size, 0);
    const { metadata, headers, tags } = upload.attributes;
    const attributes: ObjectAttributes = { metadata, headers, tags, checksums: {}, ...opts.beforeCommit?.(parts.map(toPartInfo), toUploadInfo(upload, bucketName)) };
    await this.ctx.checkQuota(tenant, size);
    const md5s = Buffer.concat(parts.map((p) => Buffer.from(p.etag, 'hex')));
    const extents = parts.map((p) => ({ blobId: p.blobId, size: p.size }));
    const { phase, safeAt } = await this.ctx.phaseOf(extents);
    const row = this.ctx.newObjectRow({
      fileId: opts.fileId, tenantId: tenant.id, bucketId, key, size,
      etag: `${createHash('md5').update(md5s).digest('hex')}-${parts.length}`, sha256: null,
      contentType: upload.contentType, attributes, extents, partsCount: parts.length, phase, safeAt,
    });
    const { released } = await this.ctx.metadata.completeUpload(uploadId, row, { partNumbers: parts.map((p) => p.partNumber), supersedeReason: `superseded by ${row.fileId}` });
    await this.ctx.blobs.release(released);
    return toObjectInfo(row, bucketName);
  }

  async abort(tenant: Tenant, bucketName: string, key: string, uploadId: string): Promise<void> {
    await this.upload(tenant, bucketName, key, uploadId);
    const { deleted, released } = await this.ctx.metadata.deleteUpload(uploadId);
    await this.ctx.blobs.release(released);
    if (!deleted) throw noSuchUpload(uploadId);
  }

  async list(tenant: Tenant, bucketName: string, opts: { prefix?: string; keyMarker?: string; uploadIdMarker?: string; maxUploads?: number } = {}): Promise<{ uploads: UploadInfo[]; isTruncated: boolean; nextKeyMarker?: string; nextUploadIdMarker?: string }> {
    const bucket = await this.ctx.bucket(tenant, bucketName);
    const limit = Math.max(0, Math.min(opts.maxUploads ?? 1000, 1000));
    const rows = await this.ctx.metadata.listUploads(bucket.id, { prefix: opts.prefix, keyMarker: opts.keyMarker, uploadIdMarker: opts.uploadIdMarker, limit: limit + 1 });
    const isTruncated = rows.length > limit;
    const uploads = rows.slice(0, limit).map((r) => toUploadInfo(r, bucket.name));
    const last = uploads.at(-1);
    return { uploads, isTruncated, ...(isTruncated && last ? { nextKeyMarker: last.key, nextUploadIdMarker: last.uploadId } : {}) };
  }

  private async upload(tenant: Tenant, bucketName: string, key: string, uploadId: string): Promise<{ upload: UploadRow; bucketId: string }> {
    const bucket = await this.ctx.bucket(tenant, bucketName);
    const upload = typeof uploadId === 'string' && uploadId.length <= 128 ? await this.ctx.metadata.getUpload(uploadId) : undefined;
    if (!upload || upload.bucketId !== bucket.id || upload.key !== key) throw noSuchUpload(uploadId);
    return { upload, bucketId: bucket.id };
  }
}

function noSuchUpload(uploadId: string): StorageError {
  return new StorageError('NoSuchUpload', 'The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.', { uploadId });
}

function toUploadInfo(row: UploadRow, bucket: string): UploadInfo {
  return { uploadId: row.uploadId, bucket, key: row.key, contentType: row.contentType, attributes: row.attributes, createdAt: row.createdAt };
}

function toPartInfo(row: PartRow): PartInfo {
  return { partNumber: row.partNumber, etag: row.etag, size: row.size, checksums: row.checksums, lastModified: row.createdAt };
}
