/** Records shared by the core, its MetadataStore implementations and adapters. Times are `Date`, sizes bytes. */

export type ObjectPhase = 'pending' | 'uploading' | 'distributed' | 'safe' | 'cancelled';
export type ObjectState = 'live' | 'cancelled';
export type BlobState = 'pending' | 'committed' | 'deleting';

export interface TenantRow {
  id: string;
  name: string;
  accessKey: string;
  /** The SigV4 secret, sealed with the deployment KEK (it must be recoverable to verify signatures). */
  sealedSecret: Buffer;
  /** SHA-256 hex of the API key: API keys are never needed in the clear again. */
  apiKeyHash: string;
  quotaBytes: number | null;
  settings: Record<string, unknown>;
  createdAt: Date;
}

export interface BucketRow {
  id: string;
  tenantId: string;
  name: string;
  settings: Record<string, unknown>;
  createdAt: Date;
}

/** Where shard `i` of every stripe of a blob lives: fragment `name` on node `node`, or null when lost. */
export type FragmentPlacement = { node: string; name: string } | null;

/** One encrypted, erasure-coded byte stream (a whole object, or one multipart part). See docs/format.md. */
export interface BlobRow {
  id: string;
  state: BlobState;
  /** Number of objects and parts that reference this blob; it is deleted when this reaches 0. */
  refCount: number;
  plainSize: number;
  cipherSize: number;
  /** The 16-byte segmented-AEAD stream header (segment size, stream index, nonce prefix). */
  header: Buffer;
  /** The blob's data key, wrapped by the KEK named by `kekId`, bound to the blob id. */
  wrappedKey: Buffer;
  kekId: string;
  dataShards: number;
  parityShards: number;
  shardSize: number;
  fragments: FragmentPlacement[];
  /**
   * The whole ciphertext, when the blob is small enough to live in its metadata row instead of fragments (one
   * durable metadata commit instead of k+m fsynced files; MinIO inlines small objects the same way). `fragments` is
   * then empty.
   */
  inline?: Buffer | null;
  createdAt: Date;
}

export interface ObjectExtent {
  blobId: string;
  size: number;
}

/** Everything an adapter may send back about an object besides its bytes. */
export interface ObjectAttributes {
  /** x-amz-meta-* style user metadata, lower-cased names. */
  metadata: Record<string, string>;
  /** Stored response headers: content-disposition, cache-control, content-encoding, content-language, expires. */
  headers: Record<string, string>;
  tags: Record<string, string>;
  /**
   * Checksums the client sent and we verified, by algorithm (crc32, crc32c, crc64nvme, sha1, sha256), base64. A
   * multipart object's may be derived from its parts' instead (see `checksumType`).
   */
  checksums: Record<string, string>;
  /**
   * How `checksums` covers the object: FULL_OBJECT (also when absent) or COMPOSITE (a checksum of the parts'
   * checksums, `<base64>-<parts>`). On an upload: the type it declared.
   */
  checksumType?: ChecksumType;
  /** On an upload only: the algorithm it declared, which every part gets a checksum of. */
  checksumAlgorithm?: string;
  /** On a multipart object with checksums: each part's checksum in `checksums`' algorithm, in part order. */
  partChecksums?: string[];
}

export type ChecksumType = 'FULL_OBJECT' | 'COMPOSITE';

export interface ObjectRow {
  fileId: string;
  tenantId: string;
  bucketId: string;
  key: string;
  state: ObjectState;
  phase: ObjectPhase;
  cancelledReason: string | null;
  size: number;
  /** Quoted-less hex MD5, or `<md5-of-md5s>-<parts>` for multipart objects. */
  etag: string;
  /** Hex SHA-256 of the plaintext; null for multipart objects (not composable from parts). */
  sha256: string | null;
  contentType: string;
  attributes: ObjectAttributes;
  extents: ObjectExtent[];
  partsCount: number | null;
  createdAt: Date;
  updatedAt: Date;
  replicationSafeAt: Date | null;
}

export interface UploadRow {
  uploadId: string;
  tenantId: string;
  bucketId: string;
  key: string;
  contentType: string;
  attributes: ObjectAttributes;
  createdAt: Date;
}

export interface PartRow {
  uploadId: string;
  partNumber: number;
  blobId: string;
  size: number;
  etag: string;
  /** The part's verified checksums, by algorithm, base64 (as ObjectAttributes.checksums); empty when none. */
  checksums: Record<string, string>;
  createdAt: Date;
}

export function emptyAttributes(): ObjectAttributes {
  return { metadata: {}, headers: {}, tags: {}, checksums: {} };
}
