/**
 * Decoder of `Content-Encoding: aws-chunked` bodies (SigV4 streaming uploads):
 *
 *   <hex size>[;chunk-signature=<sig>]\r\n<data>\r\n ... 0[;chunk-signature=<sig>]\r\n[<name>:<value>\r\n ...]\r\n
 *
 * Signed mode checks each chunk's signature against the chain that starts at the request's seed signature:
 *   sig(n) = HMAC(signingKey, "AWS4-HMAC-SHA256-PAYLOAD\n<amz date>\n<scope>\n<sig(n-1)>\n<sha256("")>\n<sha256(data n)>")
 * and, with trailers, `x-amz-trailer-signature` over the trailers (`name:value\n` each, sorted by name):
 *   HMAC(signingKey, "AWS4-HMAC-SHA256-TRAILER\n<amz date>\n<scope>\n<sig(final chunk)>\n<sha256(trailers)>")
 * A signed chunk is held (at most `maxChunkSize` bytes) until its signature checks, so no unverified byte is passed
 * on; unsigned chunks stream straight through. Everything fails at the first wrong byte, never at the end only.
 * Lenient where real clients differ: a blank line between the final chunk and the trailers, and a missing final
 * CRLF at the very end of the body, are accepted.
 */
import { createHash, type Hash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { StorageError } from '../errors.js';
import { sha256Hex, sign, signaturesEqual } from './signing-key.js';
import { EMPTY_SHA256, type SigningContext } from './sigv4-types.js';

export interface AwsChunkedOptions {
  /** Chunks carry chunk-signature extensions that must verify (STREAMING-AWS4-HMAC-SHA256-PAYLOAD*). */
  signed: boolean;
  /** Trailing headers follow the final chunk (…-TRAILER modes). */
  trailer: boolean;
  context: SigningContext;
  /** x-amz-decoded-content-length, when declared. */
  expectedLength?: number;
  /** Largest signed chunk accepted (held in memory until verified). */
  maxChunkSize: number;
}

const MAX_LINE = 4096;
const MAX_TRAILERS = 32;
const TOKEN = /^[a-z0-9!#$%&'*+.^_`|~-]+$/;

function malformed(why: string): StorageError {
  return new StorageError('InvalidArgument', `Malformed aws-chunked body: ${why}`);
}

export class AwsChunkedDecoder extends Transform {
  private state: 'header' | 'data' | 'data-crlf' | 'trailers' | 'done' = 'header';
  private line: Buffer[] = [];
  private lineBytes = 0;
  private remaining = 0;
  private crlf = 0;
  private chunkIndex = 0;
  private chunkSignature = '';
  private chunkHash: Hash | undefined;
  private held: Buffer[] = [];
  private previous: string;
  private decoded = 0;
  private readonly trailerMap = new Map<string, string>();
  private trailerSigned = false;
  private blankBeforeTrailers = false;

  constructor(private readonly options: AwsChunkedOptions) {
    super();
    this.previous = options.context.seedSignature;
  }

  /** The trailing headers (lower-case names, x-amz-trailer-signature excluded); complete once the stream ended. */
  trailers(): Record<string, string> {
    return Object.fromEntries(this.trailerMap);
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    try {
      this.consume(chunk);
      done();
    } catch (err) {
      done(err as Error);
    }
  }

  override _flush(done: TransformCallback): void {
    try {
      if (this.state === 'trailers' && this.lineBytes > 0) this.onTrailerLine(this.takeLine()); // no final CRLF
      if (this.state !== 'trailers' && this.state !== 'done') {
        throw new StorageError('IncompleteBody', 'The request body ended before the final aws-chunked chunk', { decoded: this.decoded });
      }
      if (this.options.signed && this.options.trailer && !this.trailerSigned) {
        throw new StorageError('IncompleteBody', 'The request body ended without x-amz-trailer-signature');
      }
      this.checkLength(0, true);
      done();
    } catch (err) {
      done(err as Error);
    }
  }

  private consume(buf: Buffer): void {
    let i = 0;
    while (i < buf.length) {
      if (this.state === 'header' || this.state === 'trailers') {
        const nl = buf.indexOf(0x0a, i);
        const end = nl < 0 ? buf.length : nl + 1;
        this.lineBytes += end - i;
        if (this.lineBytes > MAX_LINE) throw malformed(`a line is longer than ${MAX_LINE} bytes`);
        this.line.push(buf.subarray(i, end));
        i = end;
        if (nl < 0) continue;
        const line = this.takeLine();
        if (this.state === 'header') this.onHeaderLine(line);
        else this.onTrailerLine(line);
      } else if (this.state === 'data') {
        const n = Math.min(this.remaining, buf.length - i);
        const piece = buf.subarray(i, i + n);
        i += n;
        this.remaining -= n;
        if (this.chunkHash) {
          this.chunkHash.update(piece);
          this.held.push(piece);
        } else {
          this.push(piece);
        }
        if (this.remaining === 0) this.endChunk();
      } else if (this.state === 'data-crlf') {
        if (buf[i] !== (this.crlf === 0 ? 0x0d : 0x0a)) throw malformed(`chunk ${this.chunkIndex} is not followed by CRLF`);
        i++;
        if (++this.crlf === 2) {
          this.crlf = 0;
          this.state = 'header';
        }
      } else {
        throw malformed('unexpected data after the end of the body');
      }
    }
  }

  /** The accumulated line, without its '\n' (a '\r' before it is kept for the caller to check). */
  private takeLine(): string {
    const text = Buffer.concat(this.line, this.lineBytes).toString('latin1');
    this.line = [];
    this.lineBytes = 0;
    return text.endsWith('\n') ? text.slice(0, -1) : text;
  }

  private onHeaderLine(raw: string): void {
    this.chunkIndex++;
    if (!raw.endsWith('\r')) throw malformed(`the size line of chunk ${this.chunkIndex} does not end with CRLF`);
    const [sizeText = '', ...extensions] = raw.slice(0, -1).split(';');
    if (!/^[0-9a-fA-F]{1,13}$/.test(sizeText)) throw malformed(`chunk ${this.chunkIndex} has an invalid size line "${raw.slice(0, 80).trim()}"`);
    const size = parseInt(sizeText, 16);
    let signature: string | undefined;
    for (const extension of extensions) {
      const eq = extension.indexOf('=');
      if (eq > 0 && extension.slice(0, eq).trim() === 'chunk-signature') signature = extension.slice(eq + 1).trim();
    }
    if (this.options.signed) {
      if (signature === undefined) throw malformed(`chunk ${this.chunkIndex} has no chunk-signature`);
      if (size > this.options.maxChunkSize) {
        throw new StorageError('InvalidArgument', `aws-chunked chunks may be at most ${this.options.maxChunkSize} bytes`, { size, max: this.options.maxChunkSize });
      }
      this.chunkSignature = signature;
      this.chunkHash = createHash('sha256');
    }
    this.checkLength(size, false);
    this.decoded += size;
    this.remaining = size;
    if (size === 0) {
      this.endChunk();
      this.state = 'trailers';
    } else {
      this.state = 'data';
    }
  }

  /** All of a chunk's data arrived: check its signature and pass the held bytes on. */
  private endChunk(): void {
    this.state = 'data-crlf';
    if (!this.chunkHash) return;
    const toSign = ['AWS4-HMAC-SHA256-PAYLOAD', this.options.context.amzDate, this.options.context.scope, this.previous, EMPTY_SHA256,
      this.chunkHash.digest('hex')].join('\n');
    this.verify(toSign, this.chunkSignature, `chunk ${this.chunkIndex}`);
    this.chunkHash = undefined;
    for (const piece of this.held) this.push(piece);
    this.held = [];
  }

  private onTrailerLine(raw: string): void {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    const count = this.trailerMap.size;
    if (line === '') {
      if (this.options.trailer && count === 0 && !this.trailerSigned && !this.blankBeforeTrailers) this.blankBeforeTrailers = true;
      else this.state = 'done';
      return;
    }
    if (!this.options.trailer) throw malformed('trailing headers were sent without a …-TRAILER x-amz-content-sha256');
    if (this.trailerSigned) throw malformed('trailing headers follow x-amz-trailer-signature');
    const colon = line.indexOf(':');
    const name = colon < 0 ? '' : line.slice(0, colon).trim().toLowerCase();
    if (!TOKEN.test(name)) throw malformed(`invalid trailing header line "${line.slice(0, 80)}"`);
    const value = line.slice(colon + 1).trim();
    if (name === 'x-amz-trailer-signature') {
      if (!this.options.signed) return; // unsigned trailers: nothing to check it against
      const canonical = [...this.trailerMap.keys()].sort().map((n) => `${n}:${this.trailerMap.get(n)}\n`).join('');
      const toSign = ['AWS4-HMAC-SHA256-TRAILER', this.options.context.amzDate, this.options.context.scope, this.previous, sha256Hex(canonical)].join('\n');
      this.verify(toSign, value, 'the trailing headers');
      this.trailerSigned = true;
      return;
    }
    if (this.trailerMap.has(name)) throw malformed(`trailing header ${name} appears twice`);
    if (count >= MAX_TRAILERS) throw malformed(`more than ${MAX_TRAILERS} trailing headers`);
    this.trailerMap.set(name, value);
  }

  private verify(toSign: string, given: string, what: string): void {
    const expected = sign(this.options.context.signingKey, toSign);
    if (!signaturesEqual(expected, given)) {
      throw new StorageError('SignatureDoesNotMatch', `The signature of ${what} does not match: the body was altered, reordered or truncated`);
    }
    this.previous = expected;
  }

  private checkLength(next: number, atEnd: boolean): void {
    const expected = this.options.expectedLength;
    if (expected === undefined) return;
    if (this.decoded + next > expected || (atEnd && this.decoded !== expected)) {
      throw new StorageError('IncompleteBody', `The decoded body is not the declared x-amz-decoded-content-length of ${expected} bytes`,
        { expected, received: this.decoded + next });
    }
  }
}
