/**
 * The shapes of SigV4 verification (AWS "Signature Version 4 for S3"): what an adapter hands in, what it gets back.
 * Protocol-neutral: no Express, no HTTP server types. See docs/sigv4.md.
 */

export interface SigV4Request {
  method: string;
  /** The path exactly as received on the wire (still percent-encoded, before any decoding), without the query. */
  rawPath: string;
  /** The raw query string without '?', as received (may be ''). */
  rawQuery: string;
  /** Lower-cased header names; repeated headers joined with ',' (see `sigv4HeadersFromRaw`). */
  headers: Record<string, string | undefined>;
}

export interface SigV4Options {
  /** Default 'us-east-1'; any region in the credential scope is accepted unless `strictRegion` is set. */
  region?: string;
  /** Reject credential scopes naming another region than `region` (AuthorizationHeaderMalformed). */
  strictRegion?: boolean;
  /** Default 's3'; the credential scope must name it. Canonicalisation follows S3's rules whatever the name. */
  service?: string;
  /** Default 900. */
  clockSkewSeconds?: number;
  /** Default 604800 (7 days), the most S3 allows. */
  maxPresignExpirySeconds?: number;
  now?: () => Date;
}

export type PayloadMode =
  | { kind: 'unsigned' } // UNSIGNED-PAYLOAD (and presigned URLs)
  | { kind: 'sha256'; hex: string } // body must hash to this; verified while streaming
  | { kind: 'streaming-signed'; trailer: boolean } // STREAMING-AWS4-HMAC-SHA256-PAYLOAD(-TRAILER)
  | { kind: 'streaming-unsigned-trailer' }; // STREAMING-UNSIGNED-PAYLOAD-TRAILER

/** What chunk and trailer signatures chain from. Holds key material: never log it. */
export interface SigningContext {
  /** The request timestamp, ISO 8601 basic (`20130524T000000Z`). */
  amzDate: string;
  /** The credential scope, `<yyyymmdd>/<region>/<service>/aws4_request`. */
  scope: string;
  region: string;
  service: string;
  /** HMAC key derived from the secret for the scope's date, region and service. */
  signingKey: Buffer;
  /** The request's own signature (lower-case hex): the first link of the chunk signature chain. */
  seedSignature: string;
}

export interface SigV4Result {
  accessKey: string;
  secretKey: string;
  /** The tenant id or whatever the lookup returned, passed through. */
  principal: unknown;
  presigned: boolean;
  payload: PayloadMode;
  /** Needed to verify chunk signatures: date, scope, signing key, seed signature. */
  signingContext: SigningContext;
  /** Value of x-amz-decoded-content-length for streaming uploads, when present. */
  decodedContentLength?: number;
}

export type SigV4Lookup = (accessKey: string) => Promise<{ secretKey: string; principal: unknown } | undefined>;

export const ALGORITHM = 'AWS4-HMAC-SHA256';
export const UNSIGNED_PAYLOAD = 'UNSIGNED-PAYLOAD';
export const STREAMING_SIGNED = 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD';
export const STREAMING_SIGNED_TRAILER = 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER';
export const STREAMING_UNSIGNED_TRAILER = 'STREAMING-UNSIGNED-PAYLOAD-TRAILER';
/** SHA-256 of the empty string, hex. */
export const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
export const MAX_PRESIGN_EXPIRY_SECONDS = 604800;
