/**
 * The ZiB adapter's options, validated once at construction and frozen (STYLE §9). Nothing here reads the
 * environment: `omnigate serve` composes these from its config.
 */
export interface ZibWebhookOptions {
  /** First retry delay; each further retry doubles it (default 10 s). */
  retryBaseMs?: number;
  /** Longest delay between two attempts (default 1 h). */
  retryMaxMs?: number;
  /** Attempts before a delivery is given up as `failed` (default 12, about a day with the defaults). */
  maxAttempts?: number;
  /** How often the outbox and the file watcher run when nothing wakes them (default 1 s). */
  pollIntervalMs?: number;
  /** Time allowed for one delivery attempt (default 10 s). */
  timeoutMs?: number;
  /** How often the file watcher looks at the next batch of 100 registrations (default 5 s). */
  watchIntervalMs?: number;
}

export interface ZibAdapterOptions {
  /** Uploads of at least this many bytes are multipart (default 16 MiB). */
  multipartThreshold?: number;
  /** Plaintext bytes per multipart part, a multiple of 64 KiB (default 8 MiB; raised when 10,000 parts would not hold the file). */
  partSize?: number;
  /** How long a registration may be used (default 24 h). */
  registrationTtlMs?: number;
  /** `Cache-Control` max-age of CDN responses, in seconds (default 86,400). */
  cdnMaxAgeSeconds?: number;
  /** Absolute URL of this router's mount point, when URLs must not derive from the request. */
  publicBaseUrl?: string;
  webhooks?: ZibWebhookOptions;
  /** Start the webhook outbox worker and file watcher (default true). */
  startWorker?: boolean;
  /** Cap on JSON request bodies (default 64 KiB). */
  maxJsonBytes?: number;
  /** Where unexpected (InternalError) failures and dead webhooks are reported; never sent to clients. */
  logger?: { error(obj: object, msg?: string): void; warn?(obj: object, msg?: string): void };
  /** The clock, in ms since the epoch (tests). */
  now?: () => number;
}

export interface ResolvedZibOptions {
  readonly multipartThreshold: number;
  readonly partSize: number;
  readonly segmentSize: number;
  readonly registrationTtlMs: number;
  readonly cdnMaxAgeSeconds: number;
  readonly publicBaseUrl: string | undefined;
  readonly webhooks: Readonly<Required<ZibWebhookOptions>>;
  readonly startWorker: boolean;
  readonly maxJsonBytes: number;
  readonly logger: { error(obj: object, msg?: string): void; warn(obj: object, msg?: string): void };
  readonly now: () => number;
}

const MiB = 1024 * 1024;
/** The segment size registrations announce: the core's default (docs/format.md). */
export const SEGMENT_SIZE = 65536;

export function resolveZibOptions(options: ZibAdapterOptions): ResolvedZibOptions {
  const fail = (message: string): never => {
    throw new TypeError(`Invalid ZiB adapter options: ${message}`);
  };
  const positive = (value: number | undefined, fallback: number, name: string): number => {
    const v = value ?? fallback;
    if (!Number.isSafeInteger(v) || v <= 0) fail(`${name} must be a positive integer`);
    return v;
  };
  const partSize = positive(options.partSize, 8 * MiB, 'partSize');
  if (partSize % SEGMENT_SIZE !== 0) fail(`partSize must be a multiple of ${SEGMENT_SIZE}`);
  let publicBaseUrl: string | undefined;
  if (options.publicBaseUrl !== undefined) {
    const url = URL.canParse(options.publicBaseUrl) ? new URL(options.publicBaseUrl) : undefined;
    if (!url || !/^https?:$/.test(url.protocol) || url.search || url.hash) fail('publicBaseUrl must be an absolute http(s) URL without query or fragment');
    publicBaseUrl = options.publicBaseUrl.replace(/\/+$/, '');
  }
  const w = options.webhooks ?? {};
  const logger = options.logger ?? { error() {} };
  return Object.freeze({
    multipartThreshold: positive(options.multipartThreshold, 16 * MiB, 'multipartThreshold'),
    partSize,
    segmentSize: SEGMENT_SIZE,
    registrationTtlMs: positive(options.registrationTtlMs, 24 * 3600_000, 'registrationTtlMs'),
    cdnMaxAgeSeconds: positive(options.cdnMaxAgeSeconds, 86_400, 'cdnMaxAgeSeconds'),
    publicBaseUrl,
    webhooks: Object.freeze({
      retryBaseMs: positive(w.retryBaseMs, 10_000, 'webhooks.retryBaseMs'),
      retryMaxMs: positive(w.retryMaxMs, 3600_000, 'webhooks.retryMaxMs'),
      maxAttempts: positive(w.maxAttempts, 12, 'webhooks.maxAttempts'),
      pollIntervalMs: positive(w.pollIntervalMs, 1000, 'webhooks.pollIntervalMs'),
      timeoutMs: positive(w.timeoutMs, 10_000, 'webhooks.timeoutMs'),
      watchIntervalMs: positive(w.watchIntervalMs, 5000, 'webhooks.watchIntervalMs'),
    }),
    startWorker: options.startWorker ?? true,
    maxJsonBytes: positive(options.maxJsonBytes, 64 * 1024, 'maxJsonBytes'),
    logger: { error: logger.error.bind(logger), warn: (logger.warn ?? logger.error).bind(logger) },
    now: options.now ?? Date.now,
  });
}
