/**
 * The payload mode a request declares: x-amz-content-sha256 for header auth, X-Amz-Content-Sha256 (or nothing, i.e.
 * UNSIGNED-PAYLOAD) for presigned URLs. SigV4a streaming modes (STREAMING-AWS4-ECDSA-P256-SHA256-*) are refused.
 */
import { StorageError } from '../errors.js';
import {
  STREAMING_SIGNED, STREAMING_SIGNED_TRAILER, STREAMING_UNSIGNED_TRAILER, UNSIGNED_PAYLOAD, type PayloadMode,
} from './sigv4-types.js';

export function parsePayloadMode(value: string, presigned: boolean): PayloadMode {
  if (value === UNSIGNED_PAYLOAD) return { kind: 'unsigned' };
  if (/^[0-9a-fA-F]{64}$/.test(value)) return { kind: 'sha256', hex: value.toLowerCase() };
  if (!presigned) {
    if (value === STREAMING_SIGNED) return { kind: 'streaming-signed', trailer: false };
    if (value === STREAMING_SIGNED_TRAILER) return { kind: 'streaming-signed', trailer: true };
    if (value === STREAMING_UNSIGNED_TRAILER) return { kind: 'streaming-unsigned-trailer' };
    throw new StorageError('InvalidArgument',
      `x-amz-content-sha256 must be UNSIGNED-PAYLOAD, ${STREAMING_SIGNED}(-TRAILER), ${STREAMING_UNSIGNED_TRAILER} or a SHA-256 in hex`,
      { value: value.slice(0, 80) });
  }
  throw new StorageError('AuthorizationQueryParametersError', 'X-Amz-Content-Sha256 must be UNSIGNED-PAYLOAD or a SHA-256 in hex',
    { value: value.slice(0, 80) });
}

/** x-amz-decoded-content-length: the payload size of an aws-chunked body, when the client knows it. */
export function parseDecodedContentLength(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  if (!/^\d{1,15}$/.test(text)) {
    throw new StorageError('InvalidArgument', 'x-amz-decoded-content-length must be a non-negative integer', { value: value.slice(0, 40) });
  }
  return Number(text);
}
