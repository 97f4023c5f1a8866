import type { Selectable } from 'kysely';
import type { BlobRow, BlobState, BucketRow, ObjectPhase, ObjectRow, ObjectState, PartRow, TenantRow, UploadRow } from '@omnigate/core';
import type { BlobsTable, BucketsTable, ObjectsTable, PartsTable, TenantsTable, UploadsTable } from './schema.js';

/** Conversions between records and rows: bigints to numbers, JSON text or jsonb to values, epoch ms to Dates. */

export function num(value: number | string | bigint): number {
  return typeof value === 'number' ? value : Number(value);
}

function numOrNull(value: number | string | bigint | null): number | null {
  return value === null ? null : num(value);
}

/** pg parses jsonb itself; SQLite hands back the text. */
export function fromJson<T>(value: unknown): T {
  return (typeof value === 'string' ? JSON.parse(value) : value) as T;
}

export function toJson(value: unknown): string {
  return JSON.stringify(value);
}

export function ms(date: Date): number {
  return date.getTime();
}

function date(value: number | string | bigint): Date {
  return new Date(num(value));
}

function dateOrNull(value: number | string | bigint | null): Date | null {
  return value === null ? null : date(value);
}

export function toTenant(r: Selectable<TenantsTable>): TenantRow {
  return {
    id: r.id, name: r.name, accessKey: r.access_key, sealedSecret: Buffer.from(r.sealed_secret), apiKeyHash: r.api_key_hash,
    quotaBytes: numOrNull(r.quota_bytes), settings: fromJson(r.settings), createdAt: date(r.created_at),
  };
}

export function fromTenant(t: TenantRow) {
  return {
    id: t.id, name: t.name, access_key: t.accessKey, sealed_secret: t.sealedSecret, api_key_hash: t.apiKeyHash,
    quota_bytes: t.quotaBytes, settings: toJson(t.settings), created_at: ms(t.createdAt),
  };
}

export function toBucket(r: Selectable<BucketsTable>): BucketRow {
  return { id: r.id, tenantId: r.tenant_id, name: r.name, settings: fromJson(r.settings), createdAt: date(r.created_at) };
}

export function fromBucket(b: BucketRow) {
  return { id: b.id, tenant_id: b.tenantId, name: b.name, settings: toJson(b.settings), created_at: ms(b.createdAt) };
}

export function toBlob(r: Selectable<BlobsTable>): BlobRow {
  return {
    id: r.id, state: r.state as BlobState, refCount: num(r.ref_count), plainSize: num(r.plain_size), cipherSize: num(r.cipher_size),
    header: Buffer.from(r.header), wrappedKey: Buffer.from(r.wrapped_key), kekId: r.kek_id,
    dataShards: r.data_shards, parityShards: r.parity_shards, shardSize: r.shard_size,
    fragments: fromJson(r.fragments), inline: r.inline_data === null ? null : Buffer.from(r.inline_data), createdAt: date(r.created_at),
  };
}

export function fromBlob(b: BlobRow) {
  return {
    id: b.id, state: b.state, ref_count: b.refCount, plain_size: b.plainSize, cipher_size: b.cipherSize,
    header: b.header, wrapped_key: b.wrappedKey, kek_id: b.kekId,
    data_shards: b.dataShards, parity_shards: b.parityShards, shard_size: b.shardSize,
    fragments: toJson(b.fragments), inline_data: b.inline ?? null, created_at: ms(b.createdAt),
  };
}

export function toObject(r: Selectable<ObjectsTable>): ObjectRow {
  return {
    fileId: r.file_id, tenantId: r.tenant_id, bucketId: r.bucket_id, key: r.key,
    state: r.state as ObjectState, phase: r.phase as ObjectPhase, cancelledReason: r.cancelled_reason,
    size: num(r.size), etag: r.etag, sha256: r.sha256, contentType: r.content_type,
    attributes: fromJson(r.attributes), extents: fromJson(r.extents), partsCount: r.parts_count,
    createdAt: date(r.created_at), updatedAt: date(r.updated_at), replicationSafeAt: dateOrNull(r.replication_safe_at),
  };
}

export function fromObject(o: ObjectRow) {
  return {
    file_id: o.fileId, tenant_id: o.tenantId, bucket_id: o.bucketId, key: o.key,
    state: o.state, phase: o.phase, cancelled_reason: o.cancelledReason,
    size: o.size, etag: o.etag, sha256: o.sha256, content_type: o.contentType,
    attributes: toJson(o.attributes), extents: toJson(o.extents), parts_count: o.partsCount,
    created_at: ms(o.createdAt), updated_at: ms(o.updatedAt),
    replication_safe_at: o.replicationSafeAt ? ms(o.replicationSafeAt) : null,
  };
}

export function toUpload(r: Selectable<UploadsTable>): UploadRow {
  return {
    uploadId: r.upload_id, tenantId: r.tenant_id, bucketId: r.bucket_id, key: r.key,
    contentType: r.content_type, attributes: fromJson(r.attributes), createdAt: date(r.created_at),
  };
}

export function fromUpload(u: UploadRow) {
  return {
    upload_id: u.uploadId, tenant_id: u.tenantId, bucket_id: u.bucketId, key: u.key,
    content_type: u.contentType, attributes: toJson(u.attributes), created_at: ms(u.createdAt),
  };
}

export function toPart(r: Selectable<PartsTable>): PartRow {
  return {
    uploadId: r.upload_id, partNumber: r.part_number, blobId: r.blob_id, size: num(r.size), etag: r.etag,
    checksums: fromJson(r.checksums), createdAt: date(r.created_at),
  };
}

export function fromPart(p: PartRow) {
  return {
    upload_id: p.uploadId, part_number: p.partNumber, blob_id: p.blobId, size: p.size, etag: p.etag,
    checksums: toJson(p.checksums), created_at: ms(p.createdAt),
  };
}
