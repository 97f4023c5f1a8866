/**
 * Segmented AES-256-GCM ("OGS1"), the at-rest format of every object and multipart part, and the format client-side
 * encrypted uploads arrive in. Spec and test vectors: docs/format.md. This module is the public surface; the format
 * primitives and the streaming Transforms are split into two files to keep each readable.
 */
export {
  STREAM_HEADER_SIZE, TAG_SIZE, DEFAULT_SEGMENT_SIZE, MIN_SEGMENT_SIZE, MAX_SEGMENT_SIZE, NONCE_PREFIX_SIZE, KEY_SIZE,
  MAX_SEGMENTS, createHeader, parseHeader, segmentCount, cipherSizeOf, plainSizeOf, cipherRangeFor, openSegments,
  sealBuffer, openBuffer,
} from './segmented-aead-format.js';
export type { StreamHeader } from './segmented-aead-format.js';
export { createSealStream, createVerifyStream, createOpenStream } from './segmented-aead-streams.js';
export type { VerifyStream, VerifyStreamOptions, OpenStreamOptions } from './segmented-aead-streams.js';
