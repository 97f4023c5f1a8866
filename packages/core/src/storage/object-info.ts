import type { ObjectAttributes, ObjectPhase, ObjectRow, ObjectState } from '../types.js';

/** What adapters get back about an object: the row minus internal placement (and an upload's declared checksum algorithm), plus its bucket's name. */
export interface ObjectInfo extends Omit<ObjectAttributes, 'checksumAlgorithm'> {
  fileId: string;
  tenantId: string;
  bucket: string;
  key: string;
  size: number;
  etag: string;
  sha256: string | null;
  contentType: string;
  lastModified: Date;
  state: ObjectState;
  phase: ObjectPhase;
  cancelledReason: string | null;
  partsCount: number | null;
  /** A multipart object's part sizes in part order (S3 reads one part with `?partNumber=N`); absent otherwise. */
  partSizes?: number[];
  replicationSafeAt: Date | null;
}

export function toObjectInfo(row: ObjectRow, bucket: string): ObjectInfo {
  return {
    fileId: row.fileId,
    tenantId: row.tenantId,
    bucket,
    key: row.key,
    size: row.size,
    etag: row.etag,
    sha256: row.sha256,
    contentType: row.contentType,
    metadata: row.attributes.metadata,
    headers: row.attributes.headers,
    tags: row.attributes.tags,
    checksums: row.attributes.checksums,
    ...(row.attributes.checksumType ? { checksumType: row.attributes.checksumType } : {}),
    ...(row.attributes.partChecksums ? { partChecksums: row.attributes.partChecksums } : {}),
    lastModified: row.createdAt,
    state: row.state,
    phase: row.phase,
    cancelledReason: row.cancelledReason,
    partsCount: row.partsCount,
    // Completing an upload makes one extent per chosen part, in order.
    ...(row.partsCount !== null && row.extents.length === row.partsCount ? { partSizes: row.extents.map((e) => e.size) } : {}),
    replicationSafeAt: row.replicationSafeAt,
  };
}
