/**
 * The Netiks adapter's one error mapping: core StorageError codes → Netiks JSON codes and HTTP statuses, and, for
 * the presigned PUT endpoint (an S3-style URL), the S3 code and status its XML `<Error>` carries. Plus the errors
 * only the Netiks protocol has. JSON errors go out as `{ "error": { "code", "message" } }` (see README.md).
 */
import type { StorageErrorCode } from '@omnigate/core';
import { hasMarker, ownErrors, ProtocolError, translateError } from '@omnigate/http';

export interface NetiksErrorSpec {
  code: string;
  status: number;
  /** What the presigned PUT endpoint answers instead, as S3 would: [S3 error code, HTTP status]. */
  s3: readonly [code: string, status: number];
}

/** `Record` over every core code: a code added to the core fails this build until it is mapped here. */
export const STORAGE_TO_NETIKS: Record<StorageErrorCode, NetiksErrorSpec> = {
  AccessDenied: { code: 'AccessDenied', status: 403, s3: ['AccessDenied', 403] },
  AuthorizationHeaderMalformed: { code: 'Unauthorized', status: 401, s3: ['AuthorizationHeaderMalformed', 400] },
  AuthorizationQueryParametersError: { code: 'InvalidArgument', status: 400, s3: ['AuthorizationQueryParametersError', 400] },
  BadDigest: { code: 'BadDigest', status: 400, s3: ['BadDigest', 400] },
  BucketAlreadyExists: { code: 'Conflict', status: 409, s3: ['BucketAlreadyExists', 409] },
  BucketAlreadyOwnedByYou: { code: 'Conflict', status: 409, s3: ['BucketAlreadyOwnedByYou', 409] },
  BucketNotEmpty: { code: 'Conflict', status: 409, s3: ['BucketNotEmpty', 409] },
  EntityTooLarge: { code: 'FileTooLarge', status: 413, s3: ['EntityTooLarge', 400] },
  EntityTooSmall: { code: 'InvalidArgument', status: 400, s3: ['EntityTooSmall', 400] },
  IncompleteBody: { code: 'IncompleteBody', status: 400, s3: ['IncompleteBody', 400] },
  InsufficientNodes: { code: 'ServiceUnavailable', status: 503, s3: ['ServiceUnavailable', 503] },
  InternalError: { code: 'InternalError', status: 500, s3: ['InternalError', 500] },
  InvalidAccessKeyId: { code: 'Unauthorized', status: 401, s3: ['InvalidAccessKeyId', 403] },
  InvalidArgument: { code: 'InvalidArgument', status: 400, s3: ['InvalidArgument', 400] },
  InvalidBucketName: { code: 'InvalidArgument', status: 400, s3: ['InvalidBucketName', 400] },
  InvalidCiphertext: { code: 'InvalidArgument', status: 400, s3: ['InvalidRequest', 400] },
  InvalidPart: { code: 'InvalidArgument', status: 400, s3: ['InvalidPart', 400] },
  InvalidPartOrder: { code: 'InvalidArgument', status: 400, s3: ['InvalidPartOrder', 400] },
  InvalidRange: { code: 'InvalidRange', status: 416, s3: ['InvalidRange', 416] },
  KeyTooLong: { code: 'InvalidArgument', status: 400, s3: ['KeyTooLongError', 400] },
  MetadataTooLarge: { code: 'InvalidArgument', status: 400, s3: ['MetadataTooLarge', 400] },
  // Netiks speaks of assets, not buckets and keys.
  NoSuchBucket: { code: 'AssetNotFound', status: 404, s3: ['NoSuchBucket', 404] },
  NoSuchKey: { code: 'AssetNotFound', status: 404, s3: ['NoSuchKey', 404] },
  NoSuchTenant: { code: 'InvalidApiKey', status: 401, s3: ['InvalidAccessKeyId', 403] },
  NoSuchUpload: { code: 'UploadNotFound', status: 404, s3: ['NoSuchUpload', 404] },
  NotImplemented: { code: 'NotImplemented', status: 501, s3: ['NotImplemented', 501] },
  NotModified: { code: 'NotModified', status: 304, s3: ['NotModified', 304] },
  PreconditionFailed: { code: 'PreconditionFailed', status: 412, s3: ['PreconditionFailed', 412] },
  QuotaExceeded: { code: 'QuotaExceeded', status: 403, s3: ['QuotaExceeded', 403] },
  RequestAborted: { code: 'RequestAborted', status: 499, s3: ['RequestTimeout', 400] },
  RequestTimeTooSkewed: { code: 'Unauthorized', status: 401, s3: ['RequestTimeTooSkewed', 403] },
  SignatureDoesNotMatch: { code: 'Unauthorized', status: 401, s3: ['SignatureDoesNotMatch', 403] },
  SlowDown: { code: 'SlowDown', status: 503, s3: ['SlowDown', 503] },
  XAmzContentSHA256Mismatch: { code: 'BadDigest', status: 400, s3: ['XAmzContentSHA256Mismatch', 400] },
};

/** Errors that exist only in the Netiks protocol, by code, with their HTTP status. */
export const NETIKS_ONLY_ERRORS = {
  Unauthorized: 401,
  InvalidApiKey: 401,
  AssetNotFound: 404,
  UploadNotFound: 404,
  FileNotUploaded: 409,
  UploadMismatch: 409,
  FileTooLarge: 413,
  MissingFile: 400,
  InvalidMultipart: 400,
  MalformedJson: 400,
  TooManyFiles: 400,
  UnsupportedMediaType: 415,
} as const;

export type NetiksOnlyErrorCode = keyof typeof NETIKS_ONLY_ERRORS;

/** An error the adapter raises itself; recognised by a marker, like StorageError, not by `instanceof`. */
export class NetiksError extends ProtocolError<NetiksOnlyErrorCode> {
  readonly isNetiksError = true;
  constructor(code: NetiksOnlyErrorCode, message: string) {
    super(code, NETIKS_ONLY_ERRORS[code], message);
  }
}

export function isNetiksError(err: unknown): err is NetiksError {
  return hasMarker<NetiksError>(err, 'isNetiksError');
}

export interface NetiksWireError {
  code: string;
  status: number;
  message: string;
  details?: Record<string, unknown>;
  /** The failure a server log should see (InternalError only); never sent. */
  cause?: unknown;
}

/** Any thrown value as what to send, JSON (`format: 'json'`) or S3 XML. Unknown failures become InternalError. */
export function toNetiksError(err: unknown, format: 'json' | 's3' = 'json'): NetiksWireError {
  return translateError<{ code: string; status: number }>(err, {
    own: ownErrors<string>('isNetiksError'),
    fromStorage: (code) => {
      const spec = STORAGE_TO_NETIKS[code];
      return format === 'json' ? { code: spec.code, status: spec.status } : { code: spec.s3[0], status: spec.s3[1] };
    },
  });
}
