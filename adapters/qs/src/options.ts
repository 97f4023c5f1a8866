/**
 * The QS adapter's options, validated once at construction and frozen (STYLE §9). Nothing here reads the
 * environment: the CLI composes these from its config.
 */
import { randomBytes } from 'node:crypto';
import type { ContentIndex } from '@omnigate/core';

/** The ceilings of every session's rules; a session may only tighten them. */
export interface QsDefaultRules {
  /** Largest file a session may upload, in bytes (default: the storage's maxObjectSize). */
  maxFileSize?: number;
  /** Bytes a session may store in all (default 50 GiB). */
  maxTotalBytes?: number;
  /** Files (completed or in progress) a session may hold (default 1000). */
  maxFiles?: number;
  /** Longest a session lives (its `allowedUntil` is at most this far ahead; default 24 h). */
  sessionTtlMs?: number;
  /** Whether a session's files are public (served by /ipfs/<cid>) unless it says otherwise (default false). */
  public?: boolean;
}

export interface QsAdapterOptions {
  defaultRules?: QsDefaultRules;
  /** Whether sessions and files may be made public at all (default true). */
  allowPublic?: boolean;
  /** Lifetime of one bearer token, capped by its session's `allowedUntil` (default 12 h). */
  tokenTtlMs?: number;
  /**
   * HMAC-SHA256 key of pre-signed download URLs, at least 32 bytes. Give the same key to every gateway instance
   * and across restarts; without it a random key is made per process and links die with the process.
   */
  downloadSigningKey?: Buffer;
  /** Lifetime of a pre-signed download URL (default 15 min). */
  downloadLinkTtlMs?: number;
  /** Absolute URL of this router's mount point (`https://files.example.com/qs`), when links must not derive from the request. */
  publicBaseUrl?: string;
  /** The CID index shared with the /ipfs gateway; opened from the storage's metadata store when not given. */
  contentIndex?: ContentIndex;
  /** Cap on JSON request bodies (default 64 KiB). */
  maxJsonBytes?: number;
  /** Where unexpected (InternalError) failures are reported; never sent to clients. */
  logger?: { error(obj: object, msg?: string): void };
  /** The clock, in ms since the epoch (tests). */
  now?: () => number;
}

export interface ResolvedQsOptions {
  readonly defaultRules: Readonly<Required<QsDefaultRules>>;
  readonly allowPublic: boolean;
  readonly tokenTtlMs: number;
  readonly downloadSigningKey: Buffer;
  readonly downloadLinkTtlMs: number;
  readonly publicBaseUrl: string | undefined;
  readonly contentIndex: ContentIndex | undefined;
  readonly maxJsonBytes: number;
  readonly logger: { error(obj: object, msg?: string): void };
  readonly now: () => number;
}

const GiB = 1024 ** 3;
const HOUR = 3600_000;

export function resolveQsOptions(options: QsAdapterOptions, storageMaxObjectSize: number): ResolvedQsOptions {
  const fail = (message: string): never => {
    throw new TypeError(`Invalid QS adapter options: ${message}`);
  };
  const positive = (value: number | undefined, fallback: number, name: string): number => {
    const v = value ?? fallback;
    if (!Number.isSafeInteger(v) || v <= 0) fail(`${name} must be a positive integer`);
    return v;
  };
  const d = options.defaultRules ?? {};
  const defaultRules = Object.freeze({
    maxFileSize: positive(d.maxFileSize, storageMaxObjectSize, 'defaultRules.maxFileSize'),
    maxTotalBytes: positive(d.maxTotalBytes, 50 * GiB, 'defaultRules.maxTotalBytes'),
    maxFiles: positive(d.maxFiles, 1000, 'defaultRules.maxFiles'),
    sessionTtlMs: positive(d.sessionTtlMs, 24 * HOUR, 'defaultRules.sessionTtlMs'),
    public: d.public ?? false,
  });
  if (typeof defaultRules.public !== 'boolean') fail('defaultRules.public must be a boolean');
  const allowPublic = options.allowPublic ?? true;
  if (defaultRules.public && !allowPublic) fail('defaultRules.public needs allowPublic');
  const key = options.downloadSigningKey ?? randomBytes(32);
  if (!Buffer.isBuffer(key) || key.length < 32) fail('downloadSigningKey must be a Buffer of at least 32 bytes');
  let publicBaseUrl: string | undefined;
  if (options.publicBaseUrl !== undefined) {
    const url = URL.canParse(options.publicBaseUrl) ? new URL(options.publicBaseUrl) : undefined;
    if (!url || !/^https?:$/.test(url.protocol) || url.search || url.hash) fail('publicBaseUrl must be an absolute http(s) URL without query or fragment');
    publicBaseUrl = options.publicBaseUrl.replace(/\/+$/, '');
  }
  return Object.freeze({
    defaultRules,
    allowPublic,
    tokenTtlMs: positive(options.tokenTtlMs, 12 * HOUR, 'tokenTtlMs'),
    downloadSigningKey: Buffer.from(key),
    downloadLinkTtlMs: positive(options.downloadLinkTtlMs, 15 * 60_000, 'downloadLinkTtlMs'),
    publicBaseUrl,
    contentIndex: options.contentIndex,
    maxJsonBytes: positive(options.maxJsonBytes, 64 * 1024, 'maxJsonBytes'),
    logger: options.logger ?? { error() {} },
    now: options.now ?? Date.now,
  });
}
