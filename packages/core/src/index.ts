export * from './errors.js';
export * from './types.js';
export type * from './contracts/metadata-store.js';
export type * from './contracts/fragment-store.js';
export { Storage } from './storage/storage.js';
export type { BucketInfo, PutObjectOptions, GetObjectOptions, CopyObjectOptions } from './storage/storage.js';
export type { StorageOptions, StorageLogger } from './storage/options.js';
export type { ObjectInfo } from './storage/object-info.js';
export type { Tenant, TenantCredentials } from './storage/tenants.js';
export { hashApiKey, constantTimeEqual } from './storage/tenants.js';
export type { UploadInfo, PartInfo, UploadPartOptions, CreateUploadOptions, CompleteOptions } from './storage/multipart.js';
export type { ListOptions } from './storage/listing.js';
export type { SweepReport, RepairReport } from './storage/maintenance.js';
export type { BodySource } from './storage/blob-io.js';
export { parseHttpRange, resolveRange, type ByteRange, type ResolvedRange } from './storage/ranges.js';
export { checkConditions, etagListMatches, normalizeEtag, type Conditions } from './storage/conditions.js';
export { assertBucketName, assertObjectKey, MAX_KEY_BYTES, MAX_METADATA_BYTES } from './storage/validation.js';
export { LocalDirFragmentStore } from './fragments/local-dir-store.js';
export * as segmentedAead from './codec/segmented-aead.js';
export { generateKey, kekIdOf, wrapKey, unwrapKey } from './codec/key-wrap.js';
export { pooledRandomBytes } from './codec/random.js';
// SigV4 (auth/): request verification, aws-chunked payload decoding, presigned URLs. See docs/sigv4.md.
export { verifySigV4, hasSigV4, createPayloadDecoder, presignUrl, sigv4HeadersFromRaw, MAX_SIGNED_CHUNK_SIZE } from './auth/index.js';
export type { SigV4Request, SigV4Options, SigV4Result, SigV4Lookup, PayloadMode, SigningContext, PayloadDecoder, PresignUrlOptions } from './auth/index.js';
// Content addressing (content/): Kubo-compatible CIDv0 (`ipfs add` defaults) and the fileId → CID index.
export { computeCid, toCidV0, type ComputeCidOptions } from './content/cid.js';
export { ContentIndex, type ContentRecord } from './content/content-index.js';
