/**
 * Streaming Transforms of the segmented AEAD format (import them from ./segmented-aead.js).
 *
 * Hot path of every PUT and GET, so: one fixed segment buffer per stream, whole segments sealed or opened straight
 * from subarrays of the incoming chunk when it holds them (zero copy), no per-byte work, no concatenation. Memory is
 * bounded by one segment plus the chunk being processed. A segment's plaintext (open) or bytes (verify) are only
 * emitted after its tag has verified.
 */
import { Transform, type TransformCallback } from 'node:stream';
import { StorageError } from '../errors.js';
import {
  checkKey, cipherSizeOf, checkSegmentWindow, checkStreamIndex, invalidCiphertext, MAX_SEGMENTS, parseHeader, SegmentCrypto,
  segmentCount, STREAM_HEADER_SIZE, TAG_SIZE, type StreamHeader,
} from './segmented-aead-format.js';

function tooManySegments(): StorageError {
  return new StorageError('InvalidArgument', 'stream exceeds the format limit of 2^32 segments');
}

/** Plaintext in → header + sealed segments out. */
class SealStream extends Transform {
  private readonly crypto: SegmentCrypto;
  private readonly S: number;
  /** Plaintext of the current segment. A full one is held back until a later byte (or the end) says if it is last. */
  private readonly buf: Buffer;
  private fill = 0;
  private index = 0;
  private headerSent = false;

  constructor(key: Buffer, header: Buffer, private readonly onPlaintext?: (chunk: Buffer) => void,
    private readonly afterSeal?: (chunk: Buffer) => Promise<void> | undefined) {
    super();
    if (!Buffer.isBuffer(header) || header.length !== STREAM_HEADER_SIZE) {
      throw new StorageError('InvalidArgument', `stream header must be ${STREAM_HEADER_SIZE} bytes (use createHeader)`);
    }
    try {
      parseHeader(header);
    } catch {
      throw new StorageError('InvalidArgument', 'stream header is not a valid segmented AEAD header (use createHeader)');
    }
    this.crypto = new SegmentCrypto(key, header);
    this.S = this.crypto.segmentSize;
    this.buf = Buffer.allocUnsafe(this.S);
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    try {
      this.onPlaintext?.(chunk);
      this.sendHeader();
      const S = this.S;
      const len = chunk.length;
      let off = 0;
      while (off < len) {
        if (this.fill === S) { // bytes follow, so the held segment is not the last
          this.seal(this.buf, false);
          this.fill = 0;
        }
        if (this.fill === 0) {
          // Zero copy: whole segments with more bytes after them in this chunk are sealed in place.
          while (len - off > S) {
            this.seal(chunk.subarray(off, off + S), false);
            off += S;
          }
        }
        const n = Math.min(S - this.fill, len - off);
        chunk.copy(this.buf, this.fill, off, off + n);
        this.fill += n;
        off += n;
      }
    } catch (err) {
      callback(err as Error);
      return;
    }
    // Nothing here keeps `chunk` (the held segment was copied), so it can be handed on, e.g. to a hashing thread.
    const wait = this.afterSeal?.(chunk);
    if (wait) wait.then(() => callback(), callback);
    else callback();
  }

  override _flush(callback: TransformCallback): void {
    try {
      this.sendHeader();
      // Whatever is held is the last segment: 1..S bytes, or 0 bytes only for an empty stream.
      this.seal(this.buf.subarray(0, this.fill), true);
      callback();
    } catch (err) {
      callback(err as Error);
    }
  }

  private sendHeader(): void {
    if (this.headerSent) return;
    this.headerSent = true;
    this.push(this.crypto.header);
  }

  private seal(plain: Buffer, last: boolean): void {
    if (this.index >= MAX_SEGMENTS) throw tooManySegments();
    const [ct, tag] = this.crypto.seal(plain, this.index++, last);
    if (ct.length > 0) this.push(ct); // pushed separately: concatenating with the tag would copy every byte again
    this.push(tag);
  }
}

export interface SealStreamOptions {
  /** Sees each plaintext chunk before it is sealed. */
  onPlaintext?: (chunk: Buffer) => void;
  /** Gets each plaintext chunk once sealed and no longer used by the stream; a returned promise holds the next one. */
  afterSeal?: (chunk: Buffer) => Promise<void> | undefined;
}

export function createSealStream(key: Buffer, header: Buffer, options: SealStreamOptions = {}): Transform {
  return new SealStream(key, header, options.onPlaintext, options.afterSeal);
}

export interface VerifyStreamOptions {
  expectedStreamIndex?: number;
  expectedPlainSize?: number;
  onPlaintext?: (chunk: Buffer) => void;
  onHeader?: (header: StreamHeader, raw: Buffer) => void;
}

/** Ciphertext in → the same bytes out, each segment released only after it verified. */
export class VerifyStream extends Transform {
  /** The parsed header, once the first 16 bytes have arrived. */
  header: StreamHeader | undefined;
  private readonly headerBuf = Buffer.alloc(STREAM_HEADER_SIZE);
  private headerFill = 0;
  private crypto: SegmentCrypto | undefined;
  private cap = 0; // S + tag: the sealed size of every segment but the last
  /** Sealed bytes of the current segment; handed downstream once verified, so a fresh one is allocated after. */
  private seg: Buffer | undefined;
  private fill = 0;
  private index = 0;
  private received = 0;
  /** Known when expectedPlainSize is given: segment lengths are exact and overruns fail at once. */
  private expectedCipherSize: number | undefined;
  private totalSegments = 0;
  private lastLength = 0;

  constructor(private readonly key: Buffer, private readonly options: VerifyStreamOptions = {}) {
    super();
    const size = options.expectedPlainSize;
    if (size !== undefined && (!Number.isSafeInteger(size) || size < 0)) {
      throw new StorageError('InvalidArgument', `expected plaintext size must be a non-negative integer, got ${size}`);
    }
    checkKey(key);
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    try {
      this.received += chunk.length;
      let off = 0;
      if (!this.crypto) {
        off = Math.min(STREAM_HEADER_SIZE - this.headerFill, chunk.length);
        chunk.copy(this.headerBuf, this.headerFill, 0, off);
        this.headerFill += off;
        if (this.headerFill < STREAM_HEADER_SIZE) return callback();
        this.startSegments();
      }
      if (this.expectedCipherSize !== undefined && this.received > this.expectedCipherSize) {
        throw invalidCiphertext(`ciphertext is longer than expected for ${this.options.expectedPlainSize} plaintext bytes`);
      }
      this.consume(chunk, off);
      callback();
    } catch (err) {
      callback(err as Error);
    }
  }

  override _flush(callback: TransformCallback): void {
    try {
      if (!this.crypto) {
        throw invalidCiphertext(this.received === 0
          ? 'no data: expected Omnigate segmented ciphertext'
          : 'data is not Omnigate segmented ciphertext (shorter than a header)');
      }
      if (this.expectedCipherSize !== undefined) {
        if (this.received < this.expectedCipherSize) {
          throw invalidCiphertext(`ciphertext ends before the expected ${this.options.expectedPlainSize} plaintext bytes (truncated)`);
        }
      } else if (this.fill === 0) {
        throw invalidCiphertext('ciphertext has a header but no segments (truncated)');
      } else {
        this.verify(this.seg!.subarray(0, this.fill), true, true); // the held segment is the last one
      }
      callback();
    } catch (err) {
      callback(err as Error);
    }
  }

  private startSegments(): void {
    const h = parseHeader(this.headerBuf);
    checkStreamIndex(h, this.options.expectedStreamIndex);
    this.crypto = new SegmentCrypto(this.key, this.headerBuf);
    this.header = h;
    this.cap = h.segmentSize + TAG_SIZE;
    const size = this.options.expectedPlainSize;
    if (size !== undefined) {
      this.expectedCipherSize = cipherSizeOf(size, h.segmentSize);
      this.totalSegments = segmentCount(size, h.segmentSize);
      this.lastLength = size - (this.totalSegments - 1) * h.segmentSize + TAG_SIZE;
    }
    this.options.onHeader?.(h, this.crypto.header);
  }

  /** Sealed length of the current segment: exact when the size is known, else the full length (last decided later). */
  private target(): number {
    return this.expectedCipherSize !== undefined && this.index === this.totalSegments - 1 ? this.lastLength : this.cap;
  }

  private consume(chunk: Buffer, off: number): void {
    const known = this.expectedCipherSize !== undefined;
    const len = chunk.length;
    while (off < len) {
      if (!known && this.fill === this.cap) this.verify(this.seg!, false, true); // bytes follow, so it is not the last
      if (this.fill === 0) {
        // Zero copy: verify whole segments in place; without a known size one more byte must follow to rule out "last".
        for (let t = this.target(); len - off >= (known ? t : t + 1); t = this.target()) {
          this.verify(chunk.subarray(off, off + t), known && this.index === this.totalSegments - 1, false);
          off += t;
        }
        if (off === len) break;
      }
      const t = this.target();
      this.seg ??= Buffer.allocUnsafe(this.cap);
      const n = Math.min(t - this.fill, len - off);
      chunk.copy(this.seg, this.fill, off, off + n);
      this.fill += n;
      off += n;
      if (known && this.fill === t) this.verify(this.seg.subarray(0, t), this.index === this.totalSegments - 1, true);
    }
  }

  /** `fromSeg`: `sealed` is (part of) this.seg, which downstream then owns. */
  private verify(sealed: Buffer, last: boolean, fromSeg: boolean): void {
    if (this.index >= MAX_SEGMENTS) throw invalidCiphertext('ciphertext exceeds the format limit of 2^32 segments');
    const plain = this.crypto!.open(sealed, this.index, last);
    this.options.onPlaintext?.(plain); // may throw (e.g. a size limit): nothing of this segment is emitted then
    if (this.index === 0) this.push(this.crypto!.header);
    this.push(sealed);
    if (fromSeg) this.seg = undefined;
    this.index++;
    this.fill = 0;
  }
}

export function createVerifyStream(key: Buffer, options: VerifyStreamOptions = {}): VerifyStream {
  return new VerifyStream(key, options);
}

export interface OpenStreamOptions { firstSegment: number; totalSegments: number; skip: number; length: number }

/** Cipher bytes from segment `firstSegment` on → plaintext, trimmed by `skip` at the start and to `length` bytes. */
class OpenStream extends Transform {
  private readonly crypto: SegmentCrypto;
  private readonly cap: number;
  private readonly seg: Buffer; // never pushed (plaintext is), so it is reused for every segment
  private fill = 0;
  private index: number;
  /** One past the last segment the range needs; input after it is ignored. */
  private readonly endSegment: number;
  private emitted = 0;

  constructor(key: Buffer, header: Buffer, private readonly opts: OpenStreamOptions) {
    super();
    this.crypto = new SegmentCrypto(key, header);
    const S = this.crypto.segmentSize;
    const { firstSegment, totalSegments, skip, length } = opts;
    checkSegmentWindow(firstSegment, totalSegments);
    if (!Number.isInteger(skip) || skip < 0 || skip > S || !Number.isSafeInteger(length) || length < 0) {
      throw new StorageError('InvalidArgument', `invalid range: skip ${skip}, length ${length}, segment size ${S}`);
    }
    // At least one segment, so even an empty range authenticates what it touches.
    this.endSegment = firstSegment + Math.max(1, Math.ceil((skip + length) / S));
    if (this.endSegment > totalSegments) {
      throw new StorageError('InvalidArgument', `range of ${length} bytes runs past the end of a ${totalSegments}-segment stream`);
    }
    this.cap = S + TAG_SIZE;
    this.seg = Buffer.allocUnsafe(this.cap);
    this.index = firstSegment;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    try {
      const len = chunk.length;
      const final = this.opts.totalSegments - 1;
      let off = 0;
      while (off < len && this.index < this.endSegment) {
        if (this.index === final) {
          // The stream's final segment is as long as what remains, so it is collected until the input ends.
          if (this.fill + len - off > this.cap) throw invalidCiphertext(`final segment ${final} is longer than a segment (corrupted data)`);
          chunk.copy(this.seg, this.fill, off);
          this.fill += len - off;
          break;
        }
        if (this.fill === 0 && len - off >= this.cap) { // zero copy: open a whole segment in place
          this.open(chunk.subarray(off, off + this.cap), false);
          off += this.cap;
          continue;
        }
        const n = Math.min(this.cap - this.fill, len - off);
        chunk.copy(this.seg, this.fill, off, off + n);
        this.fill += n;
        off += n;
        if (this.fill === this.cap) this.open(this.seg, false);
      }
      callback();
    } catch (err) {
      callback(err as Error);
    }
  }

  override _flush(callback: TransformCallback): void {
    try {
      if (this.index < this.endSegment) {
        if (this.index !== this.opts.totalSegments - 1) throw invalidCiphertext(`ciphertext ends inside segment ${this.index} (truncated)`);
        this.open(this.seg.subarray(0, this.fill), true);
      }
      if (this.emitted !== this.opts.length) {
        throw invalidCiphertext(`segments hold fewer plaintext bytes than the ${this.opts.length} requested (truncated)`);
      }
      callback();
    } catch (err) {
      callback(err as Error);
    }
  }

  private open(sealed: Buffer, last: boolean): void {
    const plain = this.crypto.open(sealed, this.index, last);
    const from = this.index === this.opts.firstSegment ? this.opts.skip : 0;
    const take = Math.min(plain.length - from, this.opts.length - this.emitted);
    if (take > 0) {
      this.push(from === 0 && take === plain.length ? plain : plain.subarray(from, from + take));
      this.emitted += take;
    }
    this.index++;
    this.fill = 0;
  }
}

export function createOpenStream(key: Buffer, header: Buffer, opts: OpenStreamOptions): Transform {
  return new OpenStream(key, header, opts);
}
