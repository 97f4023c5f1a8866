/**
 * The S3 adapter's one error mapping: core StorageError codes → S3 error codes and statuses, plus the errors only
 * the S3 wire format has. Error responses follow https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html
 * (codes: https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html#ErrorCodeList).
 */
import type { StorageErrorCode } from '@omnigate/core';
import { ownErrors, ProtocolError, translateError, type TranslatedError } from '@omnigate/http';

export interface S3ErrorSpec {
  code: string;
  status: number;
}

/** `Record` over every core code: a code added to the core fails this build until it is mapped here. */
export const STORAGE_TO_S3: Record<StorageErrorCode, S3ErrorSpec> = {
  AccessDenied: { code: 'AccessDenied', status: 403 },
  AuthorizationHeaderMalformed: { code: 'AuthorizationHeaderMalformed', status: 400 },
  AuthorizationQueryParametersError: { code: 'AuthorizationQueryParametersError', status: 400 },
  BadDigest: { code: 'BadDigest', status: 400 },
  BucketAlreadyExists: { code: 'BucketAlreadyExists', status: 409 },
  BucketAlreadyOwnedByYou: { code: 'BucketAlreadyOwnedByYou', status: 409 },
  BucketNotEmpty: { code: 'BucketNotEmpty', status: 409 },
  EntityTooLarge: { code: 'EntityTooLarge', status: 400 },
  EntityTooSmall: { code: 'EntityTooSmall', status: 400 },
  IncompleteBody: { code: 'IncompleteBody', status: 400 },
  InsufficientNodes: { code: 'ServiceUnavailable', status: 503 },
  InternalError: { code: 'InternalError', status: 500 },
  InvalidAccessKeyId: { code: 'InvalidAccessKeyId', status: 403 },
  InvalidArgument: { code: 'InvalidArgument', status: 400 },
  InvalidBucketName: { code: 'InvalidBucketName', status: 400 },
  // S3 has no client-side-encryption format; the closest is a request it cannot accept.
  InvalidCiphertext: { code: 'InvalidRequest', status: 400 },
  InvalidPart: { code: 'InvalidPart', status: 400 },
  InvalidPartOrder: { code: 'InvalidPartOrder', status: 400 },
  InvalidRange: { code: 'InvalidRange', status: 416 },
  // S3 spells this one with a suffix.
  KeyTooLong: { code: 'KeyTooLongError', status: 400 },
  MetadataTooLarge: { code: 'MetadataTooLarge', status: 400 },
  NoSuchBucket: { code: 'NoSuchBucket', status: 404 },
  NoSuchKey: { code: 'NoSuchKey', status: 404 },
  NoSuchTenant: { code: 'InvalidAccessKeyId', status: 403 },
  NoSuchUpload: { code: 'NoSuchUpload', status: 404 },
  NotImplemented: { code: 'NotImplemented', status: 501 },
  NotModified: { code: 'NotModified', status: 304 },
  PreconditionFailed: { code: 'PreconditionFailed', status: 412 },
  QuotaExceeded: { code: 'QuotaExceeded', status: 403 },
  RequestAborted: { code: 'RequestTimeout', status: 400 },
  RequestTimeTooSkewed: { code: 'RequestTimeTooSkewed', status: 403 },
  SignatureDoesNotMatch: { code: 'SignatureDoesNotMatch', status: 403 },
  SlowDown: { code: 'SlowDown', status: 503 },
  XAmzContentSHA256Mismatch: { code: 'XAmzContentSHA256Mismatch', status: 400 },
};

/** Errors that exist only on the S3 wire (request syntax, unsupported features), by S3 code. */
export const S3_ONLY_ERRORS = {
  BadRequest: 400,
  AccessForbidden: 403,
  IllegalLocationConstraintException: 400,
  InvalidDigest: 400,
  InvalidPartNumber: 416,
  InvalidRequest: 400,
  InvalidTag: 400,
  InvalidURI: 400,
  MalformedXML: 400,
  MaxMessageLengthExceeded: 400,
  MethodNotAllowed: 405,
  MissingContentLength: 411,
  NoSuchBucketPolicy: 404,
  NoSuchCORSConfiguration: 404,
  NoSuchLifecycleConfiguration: 404,
  NoSuchPublicAccessBlockConfiguration: 404,
  NoSuchTagSet: 404,
  NoSuchWebsiteConfiguration: 404,
  NotImplemented: 501,
  ObjectLockConfigurationNotFoundError: 404,
  OwnershipControlsNotFoundError: 404,
  ReplicationConfigurationNotFoundError: 404,
  UnexpectedContent: 400,
} as const;

export type S3OnlyErrorCode = keyof typeof S3_ONLY_ERRORS;

/** An error the adapter raises itself. Recognised by `isS3Error`, like StorageError, by a marker, not `instanceof`. */
export class S3Error extends ProtocolError<S3OnlyErrorCode> {
  readonly isS3Error = true;
  constructor(code: S3OnlyErrorCode, message: string) {
    super(code, S3_ONLY_ERRORS[code], message);
  }
}

export type S3WireError = TranslatedError<S3ErrorSpec>;

/** Any thrown value as the code, status and message to send. Unknown failures become InternalError, saying nothing. */
export function toS3Error(err: unknown): S3WireError {
  return translateError<S3ErrorSpec>(err, {
    own: ownErrors<S3OnlyErrorCode>('isS3Error'),
    fromStorage: (code) => STORAGE_TO_S3[code],
  });
}
