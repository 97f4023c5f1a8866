/**
 * The one protocol-neutral error of Omnigate. Adapters map `code` (never `instanceof`, since two copies of this
 * package may be loaded) to their own wire format in one table each; see docs/errors.md.
 */
export const STORAGE_ERROR_STATUS = {
  AccessDenied: 403,
  AuthorizationHeaderMalformed: 400,
  AuthorizationQueryParametersError: 400,
  BadDigest: 400,
  BucketAlreadyExists: 409,
  BucketAlreadyOwnedByYou: 409,
  BucketNotEmpty: 409,
  EntityTooLarge: 400,
  EntityTooSmall: 400,
  IncompleteBody: 400,
  InsufficientNodes: 503,
  InternalError: 500,
  InvalidAccessKeyId: 403,
  InvalidArgument: 400,
  InvalidBucketName: 400,
  InvalidCiphertext: 400,
  InvalidPart: 400,
  InvalidPartOrder: 400,
  InvalidRange: 416,
  KeyTooLong: 400,
  MetadataTooLarge: 400,
  NoSuchBucket: 404,
  NoSuchKey: 404,
  NoSuchTenant: 404,
  NoSuchUpload: 404,
  NotImplemented: 501,
  NotModified: 304,
  PreconditionFailed: 412,
  QuotaExceeded: 403,
  RequestAborted: 499,
  RequestTimeTooSkewed: 403,
  SignatureDoesNotMatch: 403,
  SlowDown: 503,
  XAmzContentSHA256Mismatch: 400,
} as const;

export type StorageErrorCode = keyof typeof STORAGE_ERROR_STATUS;
export const STORAGE_ERROR_CODES = Object.keys(STORAGE_ERROR_STATUS) as StorageErrorCode[];

export class StorageError extends Error {
  readonly code: StorageErrorCode;
  readonly status: number;
  readonly details: Record<string, unknown> | undefined;
  /** Marks the object so `isStorageError` works across package copies. */
  readonly isStorageError = true;

  constructor(code: StorageErrorCode, message: string, details?: Record<string, unknown>, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StorageError';
    this.code = code;
    this.status = STORAGE_ERROR_STATUS[code];
    this.details = details;
  }
}

export function isStorageError(err: unknown): err is StorageError {
  return typeof err === 'object' && err !== null && (err as { isStorageError?: unknown }).isStorageError === true
    && typeof (err as { code?: unknown }).code === 'string' && (err as { code: string }).code in STORAGE_ERROR_STATUS;
}

/** Any thrown value as a StorageError; unknown failures become InternalError without leaking their message. */
export function toStorageError(err: unknown): StorageError {
  if (isStorageError(err)) return err;
  if (typeof err === 'object' && err !== null && (err as { name?: string }).name === 'AbortError') {
    return new StorageError('RequestAborted', 'The request was aborted', undefined, { cause: err });
  }
  return new StorageError('InternalError', 'We encountered an internal error. Please try again.', undefined, { cause: err });
}
