// Types for zib-sdk.js (CommonJS `module.exports = ZiBStorage`; see README.md). Field names follow the wire
// contract, adapters/zib/PROTOCOL.md.

declare namespace ZiBStorage {
  type Stage = 'encrypting' | 'uploading' | 'completing';
  interface ProgressEvent { stage: Stage; progress: number }
  interface Encryption { format: 'OGS1'; key: string; segment_size: number }
  interface RegistrationBase {
    file_id: string; cdn_url: string; bucket?: string; key?: string; file_size?: number; content_type?: string;
    expires_at?: string; encryption: Encryption; [extra: string]: unknown;
  }
  interface SingleRegistration extends RegistrationBase { type: 'single'; upload_url: string }
  interface MultipartRegistration extends RegistrationBase {
    type: 'multipart'; upload_id: string; part_size: number; part_count?: number;
    parts: Array<{ part_number: number; upload_url: string }>; complete_url: string;
  }
  /** The object POST /v1/api/upload/initiate returns: pass it whole. */
  type Registration = SingleRegistration | MultipartRegistration;
  type FileLike = Blob | ArrayBuffer | ArrayBufferView;
  interface UploadOptions {
    onProgress?: (event: ProgressEvent) => void;
    signal?: AbortSignal;
    /** Multipart parts sealed and sent at once (default 3). */
    concurrency?: number;
    /** Extra attempts per request after a network error or a 5xx/408/429 answer (default 2). */
    retries?: number;
    /** Streaming request bodies (default: in Node only). */
    streaming?: boolean;
    /** TEST ONLY: a fixed nonce prefix. Never in real uploads. */
    _noncePrefix?: Uint8Array | ((streamIndex: number) => Uint8Array);
  }
  interface UploadResult { file_id: string; cdn_url: string }
  interface Options { accessKey: string; secretKey: string; endpoint?: string; baseUrl?: string; cdnUrl?: string }
  interface InitiateParams {
    bucket: string; key: string; file_size: number; content_type?: string;
    pipeline?: Record<string, unknown>; capabilities?: string[];
  }
  interface ListObjectsOptions { prefix?: string; delimiter?: string; marker?: string; maxKeys?: number }
  interface BucketEntry { name: string; creation_date?: string }
  interface ObjectEntry { key: string; size: number; etag: string; last_modified?: string }
  interface ObjectList { objects: ObjectEntry[]; common_prefixes: string[]; is_truncated?: boolean; next_marker?: string }
  interface XmlElement { name: string; children: XmlElement[]; text: string }
  interface ZiBError extends Error { name: 'ZiBError'; code: string; status?: number; retryable: boolean }
  interface SealOptions { key: Uint8Array | string; segmentSize?: number; streamIndex?: number; noncePrefix?: Uint8Array }
  interface SealedStream { size: number; next(): Promise<IteratorResult<Uint8Array, undefined>>; cancel(): void }
  /** `import { ZiBStorage } from '@omnigate/zib-sdk'`. */
  const ZiBStorage: ZiBStorageClass;
}

type ZiBStorageClass = typeof ZiBStorage;

declare class ZiBStorage {
  constructor(options: ZiBStorage.Options);
  readonly endpoint: string;
  readonly cdnBase: string;
  /** S3-compatible ListAllMyBucketsResult XML, as documented. */
  listBuckets(options?: { parse?: false }): Promise<string>;
  listBuckets(options: { parse: true }): Promise<ZiBStorage.BucketEntry[]>;
  /** One page of S3-compatible ListBucketResult XML, as documented. */
  listObjects(bucket: string, options?: ZiBStorage.ListObjectsOptions & { parse?: false }): Promise<string>;
  /** Every object, all pages followed. */
  listObjects(bucket: string, options: ZiBStorage.ListObjectsOptions & { parse: true }): Promise<ZiBStorage.ObjectList>;
  deleteObject(bucket: string, key: string): Promise<void>;
  getCdnUrl(fileId: string): string;
  initiateUpload(params: ZiBStorage.InitiateParams): Promise<ZiBStorage.Registration>;
  upload(file: ZiBStorage.FileLike, params: Omit<ZiBStorage.InitiateParams, 'file_size'>, options?: ZiBStorage.UploadOptions): Promise<ZiBStorage.UploadResult>;

  static uploadDirect(file: ZiBStorage.FileLike, registration: ZiBStorage.Registration, options?: ZiBStorage.UploadOptions): Promise<ZiBStorage.UploadResult>;
  static ZiBError: { new (message: string, code: string, status?: number, retryable?: boolean): ZiBStorage.ZiBError; prototype: ZiBStorage.ZiBError };
  static parseXml(xml: string): ZiBStorage.XmlElement;
  static parseBucketList(xml: string): ZiBStorage.BucketEntry[];
  static parseObjectList(xml: string): ZiBStorage.ObjectList;
  static readonly version: string;
  /** The OGS1 sealer alone, for tests and benchmarks; applications use uploadDirect. */
  static _format: {
    cipherSize(plainSize: number, segmentSize: number): number;
    seal(data: ZiBStorage.FileLike, options: ZiBStorage.SealOptions): Promise<Uint8Array>;
    sealStream(data: ZiBStorage.FileLike, options: ZiBStorage.SealOptions): Promise<ZiBStorage.SealedStream>;
  };
}

export = ZiBStorage;
