/** SigV4 for S3: verification, payload decoding (aws-chunked), presigned URLs. See docs/sigv4.md. */
export { verifySigV4, hasSigV4 } from './verify.js';
export { createPayloadDecoder, MAX_SIGNED_CHUNK_SIZE, type PayloadDecoder } from './payload-decoder.js';
export { presignUrl, type PresignUrlOptions } from './presign.js';
export { sigv4HeadersFromRaw } from './request-headers.js';
export type { SigV4Request, SigV4Options, SigV4Result, SigV4Lookup, PayloadMode, SigningContext } from './sigv4-types.js';
