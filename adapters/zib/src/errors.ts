/**
 * The ZiB adapter's one error mapping: core StorageError codes → ZiB codes and HTTP statuses, plus the errors only
 * ZiB has (registrations, pipelines). Every error goes out as `{ "error": "<message>", "code": "<Code>" }`, the
 * shape the ZiB docs' own examples use (`{ error: 'Unauthorized' }`), with a machine-readable code beside it.
 */
import type { StorageErrorCode } from '@omnigate/core';
import { ownErrors, ProtocolError, translateError, type TranslatedError } from '@omnigate/http';

export interface ZibErrorSpec {
  code: string;
  status: number;
}

/** `Record` over every core code: a code added to the core fails this build until it is mapped here. */
export const STORAGE_TO_ZIB: Record<StorageErrorCode, ZibErrorSpec> = {
  AccessDenied: { code: 'Forbidden', status: 403 },
  AuthorizationHeaderMalformed: { code: 'Unauthorized', status: 401 },
  AuthorizationQueryParametersError: { code: 'InvalidArgument', status: 400 },
  BadDigest: { code: 'BadDigest', status: 400 },
  BucketAlreadyExists: { code: 'Conflict', status: 409 },
  BucketAlreadyOwnedByYou: { code: 'Conflict', status: 409 },
  BucketNotEmpty: { code: 'Conflict', status: 409 },
  EntityTooLarge: { code: 'EntityTooLarge', status: 413 },
  EntityTooSmall: { code: 'EntityTooSmall', status: 400 },
  IncompleteBody: { code: 'IncompleteBody', status: 400 },
  InsufficientNodes: { code: 'ServiceUnavailable', status: 503 },
  InternalError: { code: 'InternalError', status: 500 },
  InvalidAccessKeyId: { code: 'Unauthorized', status: 401 },
  InvalidArgument: { code: 'InvalidArgument', status: 400 },
  InvalidBucketName: { code: 'InvalidArgument', status: 400 },
  InvalidCiphertext: { code: 'InvalidCiphertext', status: 400 },
  InvalidPart: { code: 'InvalidPart', status: 400 },
  InvalidPartOrder: { code: 'InvalidPart', status: 400 },
  InvalidRange: { code: 'InvalidRange', status: 416 },
  KeyTooLong: { code: 'InvalidArgument', status: 400 },
  MetadataTooLarge: { code: 'InvalidArgument', status: 400 },
  NoSuchBucket: { code: 'NoSuchBucket', status: 404 },
  NoSuchKey: { code: 'NoSuchKey', status: 404 },
  NoSuchTenant: { code: 'Unauthorized', status: 401 },
  NoSuchUpload: { code: 'NoSuchRegistration', status: 404 },
  NotImplemented: { code: 'NotImplemented', status: 501 },
  NotModified: { code: 'NotModified', status: 304 },
  PreconditionFailed: { code: 'PreconditionFailed', status: 412 },
  QuotaExceeded: { code: 'QuotaExceeded', status: 403 },
  RequestAborted: { code: 'RequestAborted', status: 499 },
  RequestTimeTooSkewed: { code: 'Unauthorized', status: 401 },
  SignatureDoesNotMatch: { code: 'Unauthorized', status: 401 },
  SlowDown: { code: 'SlowDown', status: 503 },
  XAmzContentSHA256Mismatch: { code: 'BadDigest', status: 400 },
};

/** Errors that exist only in the ZiB protocol, by code. */
export const ZIB_ONLY_ERRORS = {
  Unauthorized: 401,
  MalformedJson: 400,
  InvalidPartNumber: 400,
  IncompleteUpload: 400,
  NoSuchRegistration: 404,
  RegistrationUsed: 409,
  RegistrationExpired: 410,
  NoSuchFile: 404,
  NotFound: 404,
  NoCapableNode: 503,
} as const;

export type ZibOnlyErrorCode = keyof typeof ZIB_ONLY_ERRORS;

/** An error the adapter raises itself; recognised by a marker, like StorageError, not by `instanceof`. */
export class ZibError extends ProtocolError<ZibOnlyErrorCode> {
  readonly isZibError = true;
  constructor(code: ZibOnlyErrorCode, message: string, details?: Record<string, unknown>) {
    super(code, ZIB_ONLY_ERRORS[code], message, details);
  }
}

export type ZibWireError = TranslatedError<ZibErrorSpec>;

/** Any thrown value as the code, status and message to send. Unknown failures become InternalError, saying nothing. */
export function toZibError(err: unknown): ZibWireError {
  return translateError<ZibErrorSpec>(err, {
    own: ownErrors<ZibOnlyErrorCode>('isZibError'),
    fromStorage: (code) => STORAGE_TO_ZIB[code],
  });
}
