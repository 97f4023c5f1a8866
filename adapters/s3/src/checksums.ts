/**
 * Request integrity, as S3 checks it:
 * - Content-MD5 (https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObject.html#API_PutObject_RequestSyntax):
 *   malformed → InvalidDigest, mismatch → BadDigest.
 * - Flexible checksums x-amz-checksum-{crc32,crc32c,crc64nvme,sha1,sha256}, in a header or, with aws-chunked
 *   bodies, in a trailer named by x-amz-trailer; x-amz-sdk-checksum-algorithm alone asks us to compute one
 *   (https://docs.aws.amazon.com/AmazonS3/latest/userguide/checking-object-integrity.html). Mismatch → BadDigest.
 * Verified checksums are stored with the object (or the multipart part) and returned with `x-amz-checksum-mode:
 * ENABLED`. A part of an upload that declared an algorithm must use it (else InvalidRequest) and gets it computed
 * when it sends none. multipart-checksums.ts derives a multipart object's checksum from its parts'.
 */
import { createHash } from 'node:crypto';
import { crc32 } from 'node:zlib';
import { StorageError } from '@omnigate/core';
import { header, type S3Context } from './context.js';
import { crc32c, Crc64Nvme } from './crc.js';
import { S3Error } from './errors.js';

export const CHECKSUM_ALGORITHMS = ['crc32', 'crc32c', 'crc64nvme', 'sha1', 'sha256'] as const;
export type ChecksumAlgorithm = (typeof CHECKSUM_ALGORITHMS)[number];

const DIGEST_BYTES: Record<ChecksumAlgorithm, number> = { crc32: 4, crc32c: 4, crc64nvme: 8, sha1: 20, sha256: 32 };
/** x-amz-checksum-* headers that are not checksum values. */
const NOT_VALUES = new Set(['x-amz-checksum-mode', 'x-amz-checksum-algorithm', 'x-amz-checksum-type']);

interface Hasher {
  update(chunk: Buffer): void;
  digest(): Buffer;
}

export function createHasher(algorithm: ChecksumAlgorithm): Hasher {
  switch (algorithm) {
    case 'crc32':
    case 'crc32c': {
      const fn = algorithm === 'crc32' ? crc32 : crc32c;
      let value = 0;
      return {
        update: (chunk) => { value = fn(chunk, value); },
        digest: () => { const b = Buffer.alloc(4); b.writeUInt32BE(value >>> 0); return b; },
      };
    }
    case 'crc64nvme':
      return new Crc64Nvme();
    default:
      return createHash(algorithm);
  }
}

export function isChecksumAlgorithm(value: string): value is ChecksumAlgorithm {
  return (CHECKSUM_ALGORITHMS as readonly string[]).includes(value);
}

/** Base64 of exactly the algorithm's digest length, else undefined. */
function decodeDigest(algorithm: ChecksumAlgorithm, value: string): Buffer | undefined {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(value)) return undefined;
  const bytes = Buffer.from(value, 'base64');
  return bytes.length === DIGEST_BYTES[algorithm] && bytes.toString('base64') === value ? bytes : undefined;
}

export interface ChecksumRequest {
  algorithm: ChecksumAlgorithm;
  /** From the header; undefined when it comes in the trailer or is for us to compute. */
  expected?: string;
  trailer?: string;
}

/** The flexible checksum a request declares, or undefined. Several, unknown or malformed ones are InvalidRequest. */
export function requestedChecksum(ctx: S3Context): ChecksumRequest | undefined {
  const values = Object.keys(ctx.headers).filter((n) => n.startsWith('x-amz-checksum-') && !NOT_VALUES.has(n));
  const trailer = header(ctx, 'x-amz-trailer')?.trim().toLowerCase();
  const declared = header(ctx, 'x-amz-sdk-checksum-algorithm') ?? header(ctx, 'x-amz-checksum-algorithm');
  const names = [...values, ...(trailer ? [trailer] : [])];
  if (names.length > 1) throw new S3Error('InvalidRequest', 'Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed.');
  const name = names[0];
  if (name === undefined) {
    if (declared === undefined) return undefined;
    const algorithm = declared.toLowerCase();
    if (!isChecksumAlgorithm(algorithm)) throw new S3Error('InvalidRequest', 'Checksum algorithm provided is unsupported. Please try again with any of the valid types: [CRC32, CRC32C, CRC64NVME, SHA1, SHA256]');
    return { algorithm };
  }
  const algorithm = name.slice('x-amz-checksum-'.length);
  if (!isChecksumAlgorithm(algorithm)) {
    throw new S3Error('InvalidRequest', trailer ? 'The value specified in the x-amz-trailer header is not supported' : `Unsupported checksum header ${name}`);
  }
  if (declared !== undefined && declared.toLowerCase() !== algorithm) {
    throw new S3Error('InvalidRequest', 'Value for x-amz-sdk-checksum-algorithm header is invalid.');
  }
  if (trailer) return { algorithm, trailer };
  const expected = ctx.headers[name] ?? '';
  if (!decodeDigest(algorithm, expected)) throw new S3Error('InvalidRequest', `Value for ${name} header is invalid.`);
  return { algorithm, expected };
}

/** Content-MD5's 16 bytes, or undefined; a malformed value is InvalidDigest. */
export function contentMd5(ctx: S3Context): Buffer | undefined {
  const value = header(ctx, 'content-md5');
  if (value === undefined) return undefined;
  const bytes = /^[A-Za-z0-9+/]*={0,2}$/.test(value.trim()) ? Buffer.from(value.trim(), 'base64') : Buffer.alloc(0);
  if (bytes.length !== 16) throw new S3Error('InvalidDigest', 'The Content-MD5 you specified was invalid.');
  return bytes;
}

/**
 * Checks a streamed body: `onPlaintext` sees every byte, `verify` runs before the object commits (the trailers
 * have arrived by then) and returns the checksums to store. `required` is a multipart upload's declared algorithm:
 * a part must use it, and gets it computed when the request names none.
 */
export function createBodyVerifier(ctx: S3Context, trailers: () => Record<string, string>, required?: ChecksumAlgorithm) {
  const md5 = contentMd5(ctx);
  let wanted = requestedChecksum(ctx);
  if (required && wanted && wanted.algorithm !== required) {
    throw new S3Error('InvalidRequest', `Checksum Type mismatch occurred, expected checksum Type: ${required}, actual checksum Type: ${wanted.algorithm}`);
  }
  if (required && !wanted) wanted = { algorithm: required };
  const hasher = wanted && createHasher(wanted.algorithm);
  return {
    algorithm: wanted?.algorithm,
    onPlaintext: hasher ? (chunk: Buffer) => hasher.update(chunk) : undefined,
    verify(digest: { md5: Buffer }): Record<string, string> {
      if (md5 && !md5.equals(digest.md5)) throw badDigest('Content-MD5');
      if (!wanted || !hasher) return {};
      const actual = hasher.digest().toString('base64');
      let expected = wanted.expected;
      if (wanted.trailer) {
        expected = trailers()[wanted.trailer];
        if (expected === undefined) throw new S3Error('InvalidRequest', `The ${wanted.trailer} trailer was declared but not sent.`);
        if (!decodeDigest(wanted.algorithm, expected)) throw new S3Error('InvalidRequest', `Value for ${wanted.trailer} trailing header is invalid.`);
      }
      if (expected !== undefined && expected !== actual) throw badDigest(wanted.algorithm.toUpperCase());
      return { [wanted.algorithm]: actual };
    },
  };
}

/** Checks a small buffered body against Content-MD5 only (CompleteMultipartUpload's x-amz-checksum-* are the object's). */
export function verifyContentMd5(ctx: S3Context, body: Buffer): void {
  const md5 = contentMd5(ctx);
  if (md5 && !md5.equals(createHash('md5').update(body).digest())) throw badDigest('Content-MD5');
}

/** Checks a small buffered body (XML requests) against Content-MD5 and a header checksum. */
export function verifyBufferedBody(ctx: S3Context, body: Buffer, trailers: Record<string, string> = {}): void {
  const verifier = createBodyVerifier(ctx, () => trailers);
  verifier.onPlaintext?.(body);
  verifier.verify({ md5: createHash('md5').update(body).digest() });
}

/** Whether the request carries any integrity header (DeleteObjects requires one). */
export function hasIntegrityHeader(ctx: S3Context): boolean {
  return header(ctx, 'content-md5') !== undefined || requestedChecksum(ctx) !== undefined;
}

function badDigest(what: string): StorageError {
  return new StorageError('BadDigest', `The ${what} you specified did not match the calculated checksum.`);
}

/** Response headers for stored checksums (only when the client asked with x-amz-checksum-mode: ENABLED). */
export function checksumHeaders(checksums: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [algorithm, value] of Object.entries(checksums)) {
    if (isChecksumAlgorithm(algorithm)) out[`x-amz-checksum-${algorithm}`] = value;
  }
  return out;
}
