/**
 * createPayloadDecoder: the Transform an adapter pipes a request body through after verifySigV4, turning the raw
 * HTTP body into the payload bytes and checking what the payload mode promises:
 * - unsigned: a pass-through;
 * - sha256: a pass-through that fails with XAmzContentSHA256Mismatch at the end if the bytes hash differently;
 * - streaming modes: the aws-chunked decoder (aws-chunked.ts), chunk and trailer signatures checked as they arrive.
 * Whatever the mode, `trailers()` returns the trailing headers once the stream ended ({} when there are none), and a
 * `decodedContentLength` in the result must be met exactly (verifySigV4 sets it for streaming modes only).
 */
import { createHash, type Hash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { StorageError } from '../errors.js';
import { AwsChunkedDecoder } from './aws-chunked.js';
import type { SigV4Result } from './sigv4-types.js';

/** Largest signed aws-chunked chunk accepted; SDKs send 64 KiB (JS, Go) or 128 KiB (Java) chunks. */
export const MAX_SIGNED_CHUNK_SIZE = 16 * 1024 * 1024;

export type PayloadDecoder = Transform & { trailers(): Record<string, string> };

class PassThroughDecoder extends Transform {
  private readonly hash: Hash | undefined;
  private bytes = 0;

  constructor(private readonly expectedHex: string | undefined, private readonly expectedLength: number | undefined) {
    super();
    this.hash = expectedHex === undefined ? undefined : createHash('sha256');
  }

  trailers(): Record<string, string> {
    return {};
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.hash?.update(chunk);
    this.bytes += chunk.length;
    if (this.expectedLength !== undefined && this.bytes > this.expectedLength) return done(lengthMismatch(this.expectedLength, this.bytes));
    done(null, chunk);
  }

  override _flush(done: TransformCallback): void {
    if (this.expectedLength !== undefined && this.bytes !== this.expectedLength) return done(lengthMismatch(this.expectedLength, this.bytes));
    if (this.hash && this.hash.digest('hex') !== this.expectedHex) {
      return done(new StorageError('XAmzContentSHA256Mismatch', "The provided 'x-amz-content-sha256' header does not match what was computed."));
    }
    done();
  }
}

export function createPayloadDecoder(result: SigV4Result): PayloadDecoder {
  const { payload, signingContext: context, decodedContentLength: expectedLength } = result;
  switch (payload.kind) {
    case 'unsigned':
      return new PassThroughDecoder(undefined, expectedLength);
    case 'sha256':
      return new PassThroughDecoder(payload.hex.toLowerCase(), expectedLength);
    case 'streaming-signed':
      return new AwsChunkedDecoder({ signed: true, trailer: payload.trailer, context, expectedLength, maxChunkSize: MAX_SIGNED_CHUNK_SIZE });
    case 'streaming-unsigned-trailer':
      return new AwsChunkedDecoder({ signed: false, trailer: true, context, expectedLength, maxChunkSize: MAX_SIGNED_CHUNK_SIZE });
  }
}

function lengthMismatch(expected: number, received: number): StorageError {
  return new StorageError('IncompleteBody', `The body is not the declared x-amz-decoded-content-length of ${expected} bytes`, { expected, received });
}
