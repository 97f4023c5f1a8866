/**
 * The ZiB adapter's one error mapping: core StorageError codes → ZiB codes and HTTP statuses, plus the errors only
 * ZiB has (registrations, pipelines). Every error goes out as `{ "error": "<message>", "code": "<Code>" }`, the
 * shape the ZiB docs' own examples use (`{ error: 'Unauthorized' }`), with a machine-readable code beside it.
 */
import type { StorageErrorCode } from '@omnigate/core';
import { JSON_API_ERRORS, ownErrors, ProtocolError, translateError, type TranslatedError } from '@omnigate/http';

export interface ZibErrorSpec {
  code: string;
  status: number;
}

/** The shared JSON vocabulary, except ZiB's own names for a refused request and an unknown registration. */
export const STORAGE_TO_ZIB: Record<StorageErrorCode, ZibErrorSpec> = {
  ...JSON_API_ERRORS,
  AccessDenied: { code: 'Forbidden', status: 403 },
  NoSuchUpload: { code: 'NoSuchRegistration', status: 404 },
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
