/** Turning any thrown value into one protocol's error, the same way in every adapter. */
import { isStorageError, type StorageErrorCode } from '@omnigate/core';

/** What an adapter sends for a failure: its protocol's code and status (`S`), a message, and never-sent context. */
export type TranslatedError<S> = S & {
  message: string;
  details?: Record<string, unknown>;
  /** The failure a server log should see (internal errors only); never sent. */
  cause?: unknown;
};

export interface ErrorTranslation<S> {
  /** The adapter's own error (recognised by its marker), already in protocol terms; undefined for anything else. */
  own(err: unknown): TranslatedError<S> | undefined;
  /** The protocol's code and status for a core error code. */
  fromStorage(code: StorageErrorCode): S;
  /** Said instead of the real message of an internal failure. */
  internalMessage?: string;
}

const INTERNAL = 'We encountered an internal error. Please try again.';

/**
 * The adapter's own errors pass as they are; core errors map through the protocol's table with their message and
 * details; an aborted request is RequestAborted; anything else is InternalError and says nothing about itself.
 */
export function translateError<S>(err: unknown, translation: ErrorTranslation<S>): TranslatedError<S> {
  const own = translation.own(err);
  if (own) return own;
  const internalMessage = translation.internalMessage ?? INTERNAL;
  if (isStorageError(err)) {
    const spec = translation.fromStorage(err.code);
    if (err.code === 'InternalError') return { ...spec, message: internalMessage, cause: err.cause ?? err };
    return err.details === undefined ? { ...spec, message: err.message } : { ...spec, message: err.message, details: err.details };
  }
  if (typeof err === 'object' && err !== null && (err as { name?: unknown }).name === 'AbortError') {
    return { ...translation.fromStorage('RequestAborted'), message: 'The request was aborted' };
  }
  return { ...translation.fromStorage('InternalError'), message: internalMessage, cause: err };
}

/**
 * Base of the errors an adapter raises itself, in its protocol's code and status. Subclasses add a marker field
 * (`isQsError = true`, ...) by which they are recognised across module copies, like StorageError, not by `instanceof`.
 */
export class ProtocolError<C extends string> extends Error {
  constructor(readonly code: C, readonly status: number, message: string, readonly details?: Record<string, unknown>) {
    super(message);
    this.name = new.target.name;
  }
}

/** `own` for translateError: an error carrying `marker`, as it is. */
export function ownErrors<C extends string>(marker: string) {
  return (err: unknown): TranslatedError<{ code: C; status: number }> | undefined => {
    if (!hasMarker<ProtocolError<C>>(err, marker)) return undefined;
    return err.details === undefined
      ? { code: err.code, status: err.status, message: err.message }
      : { code: err.code, status: err.status, message: err.message, details: err.details };
  };
}

/** An error object carrying `marker: true` (adapters recognise their errors by marker, not `instanceof`). */
export function hasMarker<T>(err: unknown, marker: string): err is T {
  return typeof err === 'object' && err !== null && (err as Record<string, unknown>)[marker] === true;
}
