/**
 * The Djib adapter's one error mapping. JSON-RPC 2.0 reserves -32700 and -32600..-32603; Djib's own server errors
 * use -32000..-32099 (table in README.md). Every core StorageError code maps here once (`Record` over the closed
 * set, so a new core code fails this build). HTTP endpoints (/upload, /download) send the same `{ code, message }`
 * inside a JSON-RPC error envelope with the HTTP status given here.
 */
import type { StorageErrorCode } from '@omnigate/core';
import { hasMarker, translateError } from '@omnigate/http';

/** Djib-only error codes (the server-error range of JSON-RPC 2.0). */
export const DJIB_ERRORS = {
  ParseError: { code: -32700, status: 400 },
  InvalidRequest: { code: -32600, status: 400 },
  MethodNotFound: { code: -32601, status: 404 },
  InvalidParams: { code: -32602, status: 400 },
  InternalError: { code: -32603, status: 500 },
  Unauthorized: { code: -32001, status: 401 },
  TokenExpired: { code: -32002, status: 401 },
  InvalidPublicKey: { code: -32003, status: 400 },
  InvalidSignature: { code: -32004, status: 401 },
  NonceExpired: { code: -32005, status: 401 },
  NonceAlreadyUsed: { code: -32006, status: 401 },
  NoHandshake: { code: -32007, status: 401 },
  NotFound: { code: -32010, status: 404 },
  AlreadyExists: { code: -32011, status: 409 },
  InvalidPath: { code: -32012, status: 400 },
  QuotaExceeded: { code: -32013, status: 413 },
  FileTooLarge: { code: -32014, status: 413 },
  InvalidRange: { code: -32015, status: 416 },
  AccessDenied: { code: -32016, status: 403 },
  ServiceUnavailable: { code: -32017, status: 503 },
  Conflict: { code: -32018, status: 409 },
  PreconditionFailed: { code: -32019, status: 412 },
  RequestAborted: { code: -32020, status: 499 },
  BadRequest: { code: -32021, status: 400 },
  NotImplemented: { code: -32022, status: 501 },
  WrongPassword: { code: -32023, status: 403 },
  EmailRequired: { code: -32024, status: 400 },
  EmailUnavailable: { code: -32025, status: 503 },
  EmailNotSent: { code: -32026, status: 502 },
  AlreadyConfirmed: { code: -32027, status: 409 },
  ConfirmationExpired: { code: -32028, status: 410 },
} as const;

export type DjibErrorName = keyof typeof DJIB_ERRORS;

/** Core code → Djib error name. */
export const STORAGE_TO_DJIB: Record<StorageErrorCode, DjibErrorName> = {
  AccessDenied: 'AccessDenied',
  AuthorizationHeaderMalformed: 'Unauthorized',
  AuthorizationQueryParametersError: 'Unauthorized',
  BadDigest: 'BadRequest',
  BucketAlreadyExists: 'Conflict',
  BucketAlreadyOwnedByYou: 'Conflict',
  BucketNotEmpty: 'Conflict',
  EntityTooLarge: 'FileTooLarge',
  EntityTooSmall: 'BadRequest',
  IncompleteBody: 'BadRequest',
  InsufficientNodes: 'ServiceUnavailable',
  InternalError: 'InternalError',
  InvalidAccessKeyId: 'Unauthorized',
  InvalidArgument: 'InvalidParams',
  InvalidBucketName: 'InvalidPath',
  InvalidCiphertext: 'BadRequest',
  InvalidPart: 'BadRequest',
  InvalidPartOrder: 'BadRequest',
  InvalidRange: 'InvalidRange',
  KeyTooLong: 'InvalidPath',
  MetadataTooLarge: 'BadRequest',
  NoSuchBucket: 'NotFound',
  NoSuchKey: 'NotFound',
  NoSuchTenant: 'Unauthorized',
  NoSuchUpload: 'NotFound',
  NotImplemented: 'NotImplemented',
  NotModified: 'PreconditionFailed',
  PreconditionFailed: 'PreconditionFailed',
  QuotaExceeded: 'QuotaExceeded',
  RequestAborted: 'RequestAborted',
  RequestTimeTooSkewed: 'Unauthorized',
  SignatureDoesNotMatch: 'Unauthorized',
  SlowDown: 'ServiceUnavailable',
  XAmzContentSHA256Mismatch: 'BadRequest',
};

/** An error the adapter raises itself; recognised by a marker, not by `instanceof`. */
export class DjibError extends Error {
  readonly isDjibError = true;
  constructor(readonly errorName: DjibErrorName, message: string) {
    super(message);
    this.name = 'DjibError';
  }
}

export interface DjibWireError {
  code: number;
  status: number;
  message: string;
  /** The failure a server log should see (internal errors only); never sent. */
  cause?: unknown;
}

/** Any thrown value as a JSON-RPC error; unknown failures become -32603 and say nothing. */
export function toDjibError(err: unknown): DjibWireError {
  return translateError<{ code: number; status: number }>(err, {
    own: (e) => (hasMarker<DjibError>(e, 'isDjibError') ? { ...DJIB_ERRORS[e.errorName], message: e.message } : undefined),
    fromStorage: (code) => DJIB_ERRORS[STORAGE_TO_DJIB[code]],
    internalMessage: 'Internal error',
  });
}
