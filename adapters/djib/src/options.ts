/** The Djib adapter's options, validated once at construction and frozen (STYLE §9). Nothing here reads the environment. */
import type { ContentIndex, Tenant } from '@omnigate/core';

/** Where verification emails go out (nodemailer). */
export interface DjibMailOptions {
  /** An SMTP URL, `smtp://user:pass@host:587` or `smtps://…` (nodemailer's connection URL). */
  smtpUrl: string;
  /** The From address, e.g. `Omnigate <no-reply@example.com>`. */
  from: string;
}

export interface DjibAdapterOptions {
  /** The tenant whose drive users the wallets are: one bucket per wallet inside it (required). */
  tenant: Tenant;
  /** Bound into every handshake message so a signature for another server is useless here (default 'omnigate'). */
  serverId?: string;
  /** How long a handshake nonce may be signed and used (default 5 min). */
  nonceTtlMs?: number;
  /** Lifetime of an access token (default 24 h). */
  tokenTtlMs?: number;
  /** Total size of each wallet's drive in bytes, trash included (default 5 GiB). */
  driveSizeBytes?: number;
  /** Cap on a JSON-RPC request body (default 1 MiB). */
  maxJsonBytes?: number;
  /** Absolute URL of this router's mount (`https://host/djib`), when links must not derive from the request. */
  publicBaseUrl?: string;
  /** Base of public links, `<url>/<cid>` (default: `<request origin>/ipfs`, the server's gateway). */
  publicNetworkUrl?: string;
  /** The CID index the `/ipfs` gateway serves from (default: opened on the storage's metadata store). */
  contentIndex?: ContentIndex;
  /** SMTP for verification emails; without it resendVerificationEmail answers EmailUnavailable. */
  mail?: DjibMailOptions;
  /** How long an email confirmation link works (default 24 h). */
  confirmTtlMs?: number;
  /** Where unexpected failures are reported; never sent to clients. */
  logger?: { error(obj: object, msg?: string): void };
  /** The clock, in ms since the epoch (tests). */
  now?: () => number;
}

export interface ResolvedDjibOptions {
  readonly tenant: Tenant;
  readonly serverId: string;
  readonly nonceTtlMs: number;
  readonly tokenTtlMs: number;
  readonly driveSizeBytes: number;
  readonly maxJsonBytes: number;
  readonly publicBaseUrl: string | undefined;
  readonly publicNetworkUrl: string | undefined;
  readonly contentIndex: ContentIndex | undefined;
  readonly mail: Readonly<DjibMailOptions> | undefined;
  readonly confirmTtlMs: number;
  readonly logger: { error(obj: object, msg?: string): void };
  readonly now: () => number;
}

export function resolveDjibOptions(options: DjibAdapterOptions): ResolvedDjibOptions {
  const fail = (message: string): never => {
    throw new TypeError(`Invalid Djib adapter options: ${message}`);
  };
  const positive = (value: number | undefined, fallback: number, name: string): number => {
    const v = value ?? fallback;
    if (!Number.isSafeInteger(v) || v <= 0) fail(`${name} must be a positive integer`);
    return v;
  };
  if (!options || typeof options.tenant?.id !== 'string') fail('tenant is required');
  const serverId = options.serverId ?? 'omnigate';
  if (typeof serverId !== 'string' || !/^[\x21-\x7e]{1,128}$/.test(serverId)) fail('serverId must be 1-128 printable ASCII characters');
  const baseUrl = (value: string | undefined, name: string): string | undefined => {
    if (value === undefined) return undefined;
    if (typeof value !== 'string' || !URL.canParse(value) || !/^https?:/.test(value)) fail(`${name} must be an absolute http(s) URL`);
    return value.replace(/\/+$/, '');
  };
  const publicBaseUrl = baseUrl(options.publicBaseUrl, 'publicBaseUrl');
  const publicNetworkUrl = baseUrl(options.publicNetworkUrl, 'publicNetworkUrl');
  let mail: DjibMailOptions | undefined;
  if (options.mail !== undefined) {
    const { smtpUrl, from } = options.mail;
    if (typeof smtpUrl !== 'string' || !/^smtps?:\/\//.test(smtpUrl) || !URL.canParse(smtpUrl)) fail('mail.smtpUrl must be an smtp:// or smtps:// URL');
    if (typeof from !== 'string' || !from.includes('@')) fail('mail.from must be an email address');
    mail = Object.freeze({ smtpUrl, from });
  }
  return Object.freeze({
    tenant: options.tenant,
    serverId,
    nonceTtlMs: positive(options.nonceTtlMs, 5 * 60_000, 'nonceTtlMs'),
    tokenTtlMs: positive(options.tokenTtlMs, 24 * 3600_000, 'tokenTtlMs'),
    driveSizeBytes: positive(options.driveSizeBytes, 5 * 1024 ** 3, 'driveSizeBytes'),
    maxJsonBytes: positive(options.maxJsonBytes, 1024 * 1024, 'maxJsonBytes'),
    publicBaseUrl,
    publicNetworkUrl,
    contentIndex: options.contentIndex,
    mail,
    confirmTtlMs: positive(options.confirmTtlMs, 24 * 3600_000, 'confirmTtlMs'),
    logger: options.logger ?? { error() {} },
    now: options.now ?? Date.now,
  });
}
