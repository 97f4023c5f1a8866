/**
 * How the JSON protocols (QS, ZiB) name core errors unless their spec says otherwise: S3's word where API users know
 * it (NoSuchKey, EntityTooLarge), plain HTTP words otherwise (Unauthorized, Conflict). An adapter spreads this and
 * overrides what its protocol calls differently. `Record` over every core code: a new code fails the build here.
 */
import type { StorageErrorCode } from '@omnigate/core';

export const JSON_API_ERRORS: Readonly<Record<StorageErrorCode, { code: string; status: number }>> = {
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
  InvalidCiphertext: { code: 'InvalidCiphertext', status: 400 },
  InvalidPart: { code: 'InvalidPart', status: 400 },
  InvalidPartOrder: { code: 'InvalidPart', status: 400 },
  InvalidRange: { code: 'InvalidRange', status: 416 },
  KeyTooLong: { code: 'InvalidArgument', status: 400 },
  MetadataTooLarge: { code: 'InvalidArgument', status: 400 },
  NoSuchBucket: { code: 'NoSuchBucket', status: 404 },
  NoSuchKey: { code: 'NoSuchKey', status: 404 },
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
