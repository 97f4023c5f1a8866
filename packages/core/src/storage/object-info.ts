import type { ObjectAttributes, ObjectPhase, ObjectRow, ObjectState } from '../types.js';

/** What adapters get back about an object: the row minus internal placement, plus its bucket's name. */
export interface ObjectInfo extends ObjectAttributes {
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
    lastModified: row.createdAt,
    state: row.state,
    phase: row.phase,
    cancelledReason: row.cancelledReason,
    partsCount: row.partsCount,
    replicationSafeAt: row.replicationSafeAt,
  };
}
