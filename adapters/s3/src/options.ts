/**
 * The S3 adapter's options, validated once at construction and frozen (STYLE §9). Nothing here reads the
 * environment: the CLI composes these from its config.
 */
export interface S3AdapterOptions {
  /** The region this endpoint claims (GetBucketLocation, x-amz-bucket-region, the SigV4 credential scope). */
  region?: string;
  /**
   * First path segments owned by other protocols on the same port (`/zib`, `/health`...): refused as bucket
   * names with InvalidBucketName, and never resolved as a path-style bucket.
   */
  reservedFirstSegments?: readonly string[];
  /**
   * Host suffixes for virtual-hosted-style addressing: with `s3.localhost`, `photos.s3.localhost` addresses the
   * bucket `photos`, while `s3.localhost` itself is path-style. Any other host is path-style.
   */
  virtualHostSuffixes?: readonly string[];
  /**
   * Honour `X-Forwarded-Host` (addressing and the signed Host header) from a reverse proxy. Only enable behind a
   * proxy that sets it: SigV4 signs the Host the client saw.
   */
  trustProxy?: boolean;
  /** How far a signed request's date may be from ours (AWS: 15 minutes). */
  clockSkewSeconds?: number;
  /** Cap on XML request bodies (CompleteMultipartUpload, DeleteObjects, CORS, Tagging). */
  maxXmlBodyBytes?: number;
  /** Where unexpected (InternalError) failures are reported; never sent to clients. */
  logger?: { error(obj: object, msg?: string): void };
}

export interface ResolvedS3Options {
  readonly region: string;
  readonly reservedFirstSegments: ReadonlySet<string>;
  readonly virtualHostSuffixes: readonly string[];
  readonly trustProxy: boolean;
  readonly clockSkewSeconds: number;
  readonly maxXmlBodyBytes: number;
  readonly logger: { error(obj: object, msg?: string): void };
}

export const DEFAULT_RESERVED_FIRST_SEGMENTS = Object.freeze(['zib', 'netiks', 'qs', 'djib', 'ipfs', 'health', 'metrics']);

const REGION = /^[a-z0-9-]{1,64}$/;
const HOST_SUFFIX = /^(?=.{1,253}$)[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/;
const silent = { error() {} };

export function resolveS3Options(options: S3AdapterOptions = {}): ResolvedS3Options {
  const fail = (message: string): never => {
    throw new TypeError(`Invalid S3 adapter options: ${message}`);
  };
  const region = options.region ?? 'us-east-1';
  if (typeof region !== 'string' || !REGION.test(region)) fail('region must be 1-64 lower-case letters, digits and hyphens');
  const reserved = options.reservedFirstSegments ?? DEFAULT_RESERVED_FIRST_SEGMENTS;
  if (!Array.isArray(reserved) || reserved.some((s) => typeof s !== 'string' || s.length === 0 || s.includes('/'))) {
    fail('reservedFirstSegments must be an array of non-empty path segments');
  }
  const suffixes = (options.virtualHostSuffixes ?? []).map((s) => (typeof s === 'string' ? s.toLowerCase().replace(/^\./, '') : s));
  if (suffixes.some((s) => typeof s !== 'string' || !HOST_SUFFIX.test(s))) fail('virtualHostSuffixes must be host names such as "s3.localhost"');
  const clockSkewSeconds = options.clockSkewSeconds ?? 900;
  if (!Number.isInteger(clockSkewSeconds) || clockSkewSeconds < 1) fail('clockSkewSeconds must be a positive integer');
  const maxXmlBodyBytes = options.maxXmlBodyBytes ?? 1024 * 1024;
  if (!Number.isInteger(maxXmlBodyBytes) || maxXmlBodyBytes < 1024) fail('maxXmlBodyBytes must be an integer of at least 1024');
  const logger = options.logger ?? silent;
  if (typeof logger.error !== 'function') fail('logger must have an error(obj, msg) method');
  return Object.freeze({
    region,
    reservedFirstSegments: new Set(reserved),
    // Longest first, so `a.s3.example.com` wins over `example.com`.
    virtualHostSuffixes: Object.freeze([...suffixes].sort((a, b) => b.length - a.length)),
    trustProxy: options.trustProxy === true,
    clockSkewSeconds,
    maxXmlBodyBytes,
    logger,
  });
}
