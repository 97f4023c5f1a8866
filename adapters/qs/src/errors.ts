/**
 * The QS adapter's one error mapping: core StorageError codes → QS codes and HTTP statuses, plus the errors only
 * the QS protocol has (sessions, rules, signed links). Every error goes out as `{ "error": { "code", "message" } }`.
 */
import type { StorageErrorCode } from '@omnigate/core';
import { ownErrors, ProtocolError, translateError, type TranslatedError } from '@omnigate/http';

export interface QsErrorSpec {
  code: string;
  status: number;
}

/** `Record` over every core code: a code added to the core fails this build until it is mapped here. */
export const STORAGE_TO_QS: Record<StorageErrorCode, QsErrorSpec> = {
  AccessDenied: { code: 'AccessDenied', status: 403 },
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
  InvalidCiphertext: { code: 'InvalidArgument', status: 400 },
  InvalidPart: { code: 'InvalidPart', status: 400 },
  InvalidPartOrder: { code: 'InvalidPart', status: 400 },
  InvalidRange: { code: 'InvalidRange', status: 416 },
  KeyTooLong: { code: 'InvalidArgument', status: 400 },
  MetadataTooLarge: { code: 'InvalidArgument', status: 400 },
  // QS speaks of files, not buckets and keys.
  NoSuchBucket: { code: 'NoSuchFile', status: 404 },
  NoSuchKey: { code: 'NoSuchFile', status: 404 },
  NoSuchTenant: { code: 'Unauthorized', status: 401 },
  NoSuchUpload: { code: 'NoSuchUpload', status: 404 },
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

/** Errors that exist only in the QS protocol, by code. */
export const QS_ONLY_ERRORS = {
  Unauthorized: 401,
  InvalidApiKey: 401,
  TokenExpired: 401,
  SessionExpired: 401,
  NoSuchSession: 404,
  NoSuchFile: 404,
  NotFound: 404,
  MissingHeader: 400,
  InvalidHeader: 400,
  MalformedJson: 400,
  InvalidRules: 400,
  RuleNotAllowed: 403,
  FileTooLarge: 413,
  SessionQuotaExceeded: 413,
  TooManyFiles: 403,
  TooManyParts: 400,
  IncompleteUpload: 400,
  UploadAlreadyCompleted: 409,
  InvalidLink: 403,
  LinkExpired: 403,
  InvalidCid: 400,
} as const;

export type QsOnlyErrorCode = keyof typeof QS_ONLY_ERRORS;

/** An error the adapter raises itself; recognised by a marker, like StorageError, not by `instanceof`. */
export class QsError extends ProtocolError<QsOnlyErrorCode> {
  readonly isQsError = true;
  constructor(code: QsOnlyErrorCode, message: string, details?: Record<string, unknown>) {
    super(code, QS_ONLY_ERRORS[code], message, details);
  }
}

export type QsWireError = TranslatedError<QsErrorSpec>;

/** Any thrown value as the code, status and message to send. Unknown failures become InternalError, saying nothing. */
export function toQsError(err: unknown): QsWireError {
  return translateError<QsErrorSpec>(err, {
    own: ownErrors<QsOnlyErrorCode>('isQsError'),
    fromStorage: (code) => STORAGE_TO_QS[code],
  });
}
