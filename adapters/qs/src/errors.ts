/**
 * The QS adapter's one error mapping: core StorageError codes → QS codes and HTTP statuses, plus the errors only
 * the QS protocol has (sessions, rules, signed links). Every error goes out as `{ "error": { "code", "message" } }`.
 */
import type { StorageErrorCode } from '@omnigate/core';
import { JSON_API_ERRORS, ownErrors, ProtocolError, translateError, type TranslatedError } from '@omnigate/http';

export interface QsErrorSpec {
  code: string;
  status: number;
}

/** The shared JSON vocabulary, except where QS speaks of files rather than buckets and keys. */
export const STORAGE_TO_QS: Record<StorageErrorCode, QsErrorSpec> = {
  ...JSON_API_ERRORS,
  InvalidCiphertext: { code: 'InvalidArgument', status: 400 },
  NoSuchBucket: { code: 'NoSuchFile', status: 404 },
  NoSuchKey: { code: 'NoSuchFile', status: 404 },
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
