/**
 * The Netiks adapter's options, validated once at construction and frozen (STYLE §9). Nothing here reads the
 * environment: the CLI composes these from its config.
 */
import { assertBucketName } from '@omnigate/core';

export interface NetiksAdapterOptions {
  /** The bucket that holds a tenant's assets, one per tenant (created on first upload). Default `netiks-assets`. */
  bucket?: string;
  /** Largest asset, bytes (multipart upload and presigned PUT alike). Default: the storage's `maxObjectSize`. */
  maxFileSize?: number;
  /** Lifetime of a presigned PUT URL, seconds (default 900 = 15 minutes, as the Netiks spec promises). */
  presignExpirySeconds?: number;
  /** Most files one `developer-generate-presigned-url` call may ask for (default 100). */
  maxFilesPerPresign?: number;
  /** Absolute URL of this router's mount point (`https://cdn.example.com/netiks`), when URLs must not derive from the request. */
  publicBaseUrl?: string;
  /** Region in the SigV4 credential scope of presigned URLs (default `us-east-1`). */
  region?: string;
  /** Cap on JSON request bodies (default 256 KiB). */
  maxJsonBytes?: number;
  /** Most list results per page (default 100; the default page size is 20). */
  maxPageSize?: number;
  /** Where unexpected (InternalError) failures are reported; never sent to clients. */
  logger?: { error(obj: object, msg?: string): void };
  /** The clock, in ms since the epoch (tests). */
  now?: () => number;
}

export interface ResolvedNetiksOptions {
  readonly bucket: string;
  readonly maxFileSize: number;
  readonly presignExpirySeconds: number;
  readonly maxFilesPerPresign: number;
  readonly publicBaseUrl: string | undefined;
  readonly region: string;
  readonly maxJsonBytes: number;
  readonly maxPageSize: number;
  readonly logger: { error(obj: object, msg?: string): void };
  readonly now: () => number;
}

export const DEFAULT_ASSETS_BUCKET = 'netiks-assets';

export function resolveNetiksOptions(options: NetiksAdapterOptions, storage: { maxObjectSize: number; reservedBucketNames: ReadonlySet<string> }): ResolvedNetiksOptions {
  const fail = (message: string): never => {
    throw new TypeError(`Invalid Netiks adapter options: ${message}`);
  };
  const positive = (value: number | undefined, fallback: number, name: string, max = Number.MAX_SAFE_INTEGER): number => {
    const v = value ?? fallback;
    if (!Number.isSafeInteger(v) || v <= 0 || v > max) fail(`${name} must be a positive integer${max < Number.MAX_SAFE_INTEGER ? ` up to ${max}` : ''}`);
    return v;
  };
  const bucket = options.bucket ?? DEFAULT_ASSETS_BUCKET;
  try {
    assertBucketName(bucket, storage.reservedBucketNames);
  } catch {
    fail(`bucket "${String(bucket)}" is not a valid bucket name`);
  }
  let publicBaseUrl: string | undefined;
  if (options.publicBaseUrl !== undefined) {
    const url = URL.canParse(options.publicBaseUrl) ? new URL(options.publicBaseUrl) : undefined;
    if (!url || !/^https?:$/.test(url.protocol) || url.search || url.hash || url.username || url.password) {
      fail('publicBaseUrl must be an absolute http(s) URL without credentials, query or fragment');
    }
    publicBaseUrl = options.publicBaseUrl.replace(/\/+$/, '');
  }
  const region = options.region ?? 'us-east-1';
  if (typeof region !== 'string' || !/^[a-z0-9-]{1,64}$/.test(region)) fail('region must be 1-64 lower-case letters, digits and hyphens');
  const logger = options.logger ?? { error() {} };
  if (typeof logger.error !== 'function') fail('logger must have an error(obj, msg) method');
  const maxFileSize = positive(options.maxFileSize, storage.maxObjectSize, 'maxFileSize');
  if (maxFileSize > storage.maxObjectSize) fail(`maxFileSize cannot exceed the storage's maxObjectSize (${storage.maxObjectSize})`);
  return Object.freeze({
    bucket,
    maxFileSize,
    presignExpirySeconds: positive(options.presignExpirySeconds, 900, 'presignExpirySeconds', 604800),
    maxFilesPerPresign: positive(options.maxFilesPerPresign, 100, 'maxFilesPerPresign', 1000),
    publicBaseUrl,
    region,
    maxJsonBytes: positive(options.maxJsonBytes, 256 * 1024, 'maxJsonBytes'),
    maxPageSize: positive(options.maxPageSize, 100, 'maxPageSize', 1000),
    logger,
    now: options.now ?? Date.now,
  });
}
