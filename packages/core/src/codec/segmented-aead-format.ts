/**
 * Segmented AES-256-GCM ("OGS1"): header, size and range math, per-segment seal/open and the whole-buffer API.
 * Import the public API from ./segmented-aead.js; the spec is docs/format.md.
 *
 * Segment i is sealed with IV = noncePrefix ‖ u32be(i) and AAD = header ‖ u64be(i) ‖ last, so every segment is
 * bound to its stream (header, stream index), its position and to whether it ends the stream: truncation,
 * reordering, splicing and header edits all fail authentication. Everything maps onto WebCrypto AES-GCM
 * (12-byte IV, 128-bit tag appended, additionalData), so the browser SDK writes the same bytes.
 */
import { createCipheriv, createDecipheriv } from 'node:crypto';
import { pooledRandomBytes } from './random.js';
import { StorageError } from '../errors.js';

export const STREAM_HEADER_SIZE = 16;
export const TAG_SIZE = 16;
export const DEFAULT_SEGMENT_SIZE = 65536;
export const MIN_SEGMENT_SIZE = 1 << 12;
export const MAX_SEGMENT_SIZE = 1 << 24;
export const NONCE_PREFIX_SIZE = 8;
export const KEY_SIZE = 32;
/** The IV carries the segment index as a u32, so a stream never has more segments than this. */
export const MAX_SEGMENTS = 2 ** 32;

const MAGIC = Buffer.from('OGS1', 'latin1');
const VERSION = 1;
const AAD_SIZE = STREAM_HEADER_SIZE + 8 + 1;

export interface StreamHeader { segmentSize: number; streamIndex: number; noncePrefix: Buffer }

function invalidArgument(message: string): StorageError {
  return new StorageError('InvalidArgument', message);
}
export function invalidCiphertext(message: string, cause?: unknown): StorageError {
  return new StorageError('InvalidCiphertext', message, undefined, cause === undefined ? undefined : { cause });
}

function isSegmentSize(size: number): boolean {
  return Number.isInteger(size) && size >= MIN_SEGMENT_SIZE && size <= MAX_SEGMENT_SIZE && (size & (size - 1)) === 0;
}
function checkSegmentSize(size: number): void {
  if (!isSegmentSize(size)) {
    throw invalidArgument(`segment size must be a power of two from ${MIN_SEGMENT_SIZE} to ${MAX_SEGMENT_SIZE}, got ${size}`);
  }
}
function checkSize(value: number, what: string): void {
  if (!Number.isSafeInteger(value) || value < 0) throw invalidArgument(`${what} must be a non-negative integer, got ${value}`);
}
export function checkKey(key: Buffer): void {
  if (!Buffer.isBuffer(key) || key.length !== KEY_SIZE) throw invalidArgument(`data key must be ${KEY_SIZE} bytes`);
}

export function createHeader(opts: { segmentSize?: number; streamIndex?: number; noncePrefix?: Buffer } = {}): Buffer {
  const segmentSize = opts.segmentSize ?? DEFAULT_SEGMENT_SIZE;
  const streamIndex = opts.streamIndex ?? 0;
  checkSegmentSize(segmentSize);
  if (!Number.isInteger(streamIndex) || streamIndex < 0 || streamIndex > 0xffff) {
    throw invalidArgument(`stream index must be an integer from 0 to 65535, got ${streamIndex}`);
  }
  // A fresh random prefix per stream is what keeps (key, IV) pairs unique when a key is reused across parts.
  const noncePrefix = opts.noncePrefix ?? pooledRandomBytes(NONCE_PREFIX_SIZE);
  if (!Buffer.isBuffer(noncePrefix) || noncePrefix.length !== NONCE_PREFIX_SIZE) {
    throw invalidArgument(`nonce prefix must be ${NONCE_PREFIX_SIZE} bytes`);
  }
  const header = Buffer.alloc(STREAM_HEADER_SIZE);
  MAGIC.copy(header, 0);
  header[4] = VERSION;
  header[5] = Math.log2(segmentSize);
  header.writeUInt16BE(streamIndex, 6);
  noncePrefix.copy(header, 8);
  return header;
}

/** Parses the first 16 bytes of `buf` (longer input, such as the start of a stream, is allowed). */
export function parseHeader(buf: Buffer): StreamHeader {
  if (buf.length < STREAM_HEADER_SIZE) throw invalidCiphertext('segmented ciphertext header is truncated');
  if (!buf.subarray(0, 4).equals(MAGIC)) throw invalidCiphertext('data is not Omnigate segmented ciphertext (bad header)');
  if (buf[4] !== VERSION) throw invalidCiphertext(`unsupported segmented ciphertext version ${buf[4]}`);
  const log2 = buf[5]!;
  if (log2 < 12 || log2 > 24) throw invalidCiphertext(`invalid segment size 2^${log2} in segmented ciphertext header`);
  return {
    segmentSize: 2 ** log2,
    streamIndex: buf.readUInt16BE(6),
    noncePrefix: Buffer.from(buf.subarray(8, STREAM_HEADER_SIZE)),
  };
}

export function segmentCount(plainSize: number, segmentSize: number): number {
  checkSize(plainSize, 'plaintext size');
  checkSegmentSize(segmentSize);
  const n = Math.max(1, Math.ceil(plainSize / segmentSize));
  if (n > MAX_SEGMENTS) throw invalidArgument(`plaintext of ${plainSize} bytes needs more than 2^32 segments`);
  return n;
}

export function cipherSizeOf(plainSize: number, segmentSize: number): number {
  return STREAM_HEADER_SIZE + plainSize + TAG_SIZE * segmentCount(plainSize, segmentSize);
}

/** Inverse of cipherSizeOf. Rejects sizes no plaintext maps to (e.g. a lone tag after full segments). */
export function plainSizeOf(cipherSize: number, segmentSize: number): number {
  checkSize(cipherSize, 'ciphertext size');
  checkSegmentSize(segmentSize);
  const body = cipherSize - STREAM_HEADER_SIZE;
  const full = Math.floor(body / (segmentSize + TAG_SIZE));
  const rest = body - full * (segmentSize + TAG_SIZE);
  // Valid endings: a full last segment (rest 0, at least one segment), a short one (tag + 1..S-1 bytes), or the
  // single empty segment of P = 0 (full 0, rest = one tag).
  const valid = body > 0 && (rest === 0 || rest > TAG_SIZE || (rest === TAG_SIZE && full === 0));
  if (!valid) throw invalidCiphertext(`${cipherSize} bytes is not a valid segmented ciphertext size`);
  return full * segmentSize + Math.max(0, rest - TAG_SIZE);
}

/** Which cipher bytes (absolute offsets in the stream, header included) hold plaintext [plainStart, plainEnd). */
export function cipherRangeFor(plainStart: number, plainEnd: number, plainSize: number, segmentSize: number):
  { firstSegment: number; lastSegment: number; cipherStart: number; cipherEnd: number; skip: number } {
  const n = segmentCount(plainSize, segmentSize);
  checkSize(plainStart, 'range start');
  checkSize(plainEnd, 'range end');
  if (plainStart > plainEnd || plainEnd > plainSize) {
    throw invalidArgument(`range [${plainStart}, ${plainEnd}) is outside plaintext of ${plainSize} bytes`);
  }
  // An empty range still maps to one whole segment (the one holding plainStart, or the last): opening it
  // authenticates the key and header even when no plaintext is returned, e.g. for an empty object.
  const firstSegment = Math.min(Math.floor(plainStart / segmentSize), n - 1);
  const lastSegment = plainEnd > plainStart ? Math.floor((plainEnd - 1) / segmentSize) : firstSegment;
  const stride = segmentSize + TAG_SIZE;
  const lastLength = lastSegment === n - 1 ? plainSize - (n - 1) * segmentSize : segmentSize;
  return {
    firstSegment,
    lastSegment,
    cipherStart: STREAM_HEADER_SIZE + firstSegment * stride,
    cipherEnd: STREAM_HEADER_SIZE + lastSegment * stride + lastLength + TAG_SIZE,
    skip: plainStart - firstSegment * segmentSize,
  };
}

/**
 * Per-stream sealing state: the IV and AAD buffers are reused for every segment (Node copies both into the cipher
 * context at createCipheriv/setAAD time), so a segment costs one cipher object and nothing else.
 */
export class SegmentCrypto {
  readonly header: Buffer;
  readonly segmentSize: number;
  private readonly iv = Buffer.alloc(12);
  private readonly aad = Buffer.alloc(AAD_SIZE);

  constructor(private readonly key: Buffer, header: Buffer) {
    checkKey(key);
    this.segmentSize = parseHeader(header).segmentSize;
    this.header = Buffer.from(header.subarray(0, STREAM_HEADER_SIZE));
    this.header.copy(this.iv, 0, 8, 16);
    this.header.copy(this.aad, 0);
  }

  private prepare(index: number, last: boolean): void {
    this.iv.writeUInt32BE(index, 8);
    this.aad.writeUInt32BE(Math.floor(index / 2 ** 32), 16); // high half of the u64: 0, as the IV caps index < 2^32
    this.aad.writeUInt32BE(index >>> 0, 20);
    this.aad[24] = last ? 1 : 0;
  }

  /** Returns [ciphertext, tag] as two buffers so callers can push them without concatenating. */
  seal(plain: Buffer, index: number, last: boolean): [Buffer, Buffer] {
    this.prepare(index, last);
    const cipher = createCipheriv('aes-256-gcm', this.key, this.iv, { authTagLength: TAG_SIZE });
    cipher.setAAD(this.aad);
    const out = cipher.update(plain);
    cipher.final();
    return [out, cipher.getAuthTag()];
  }

  /** Opens one sealed segment (ciphertext ‖ tag); the plaintext is returned only once the tag has verified. */
  open(sealed: Buffer, index: number, last: boolean): Buffer {
    if (sealed.length < TAG_SIZE || sealed.length > this.segmentSize + TAG_SIZE) {
      throw invalidCiphertext(`segment ${index} has an invalid length (truncated or corrupted data)`);
    }
    if (last && index > 0 && sealed.length === TAG_SIZE) {
      throw invalidCiphertext(`segment ${index} is an empty final segment, which the format does not allow`);
    }
    this.prepare(index, last);
    const split = sealed.length - TAG_SIZE;
    const decipher = createDecipheriv('aes-256-gcm', this.key, this.iv, { authTagLength: TAG_SIZE });
    decipher.setAAD(this.aad);
    decipher.setAuthTag(sealed.subarray(split));
    const plain = decipher.update(sealed.subarray(0, split));
    try {
      decipher.final();
    } catch (err) {
      throw invalidCiphertext(`segment ${index} failed authentication: wrong key or corrupted, truncated or reordered data`, err);
    }
    return plain;
  }
}

export function sealBuffer(key: Buffer, plaintext: Buffer, opts: { segmentSize?: number; streamIndex?: number; noncePrefix?: Buffer } = {}): Buffer {
  const header = createHeader(opts);
  const crypto = new SegmentCrypto(key, header);
  const S = crypto.segmentSize;
  const n = segmentCount(plaintext.length, S);
  const out = Buffer.allocUnsafe(cipherSizeOf(plaintext.length, S));
  header.copy(out, 0);
  let pos = STREAM_HEADER_SIZE;
  for (let i = 0; i < n; i++) {
    const [ct, tag] = crypto.seal(plaintext.subarray(i * S, (i + 1) * S), i, i === n - 1);
    pos += ct.copy(out, pos);
    pos += tag.copy(out, pos);
  }
  return out;
}

export function openBuffer(key: Buffer, ciphertext: Buffer, opts: { expectedStreamIndex?: number } = {}): Buffer {
  const header = parseHeader(ciphertext);
  checkStreamIndex(header, opts.expectedStreamIndex);
  const plainSize = plainSizeOf(ciphertext.length, header.segmentSize);
  return openSegments(key, ciphertext, ciphertext.subarray(STREAM_HEADER_SIZE), 0, segmentCount(plainSize, header.segmentSize));
}

export function checkStreamIndex(header: StreamHeader, expected: number | undefined): void {
  if (expected !== undefined && header.streamIndex !== expected) {
    throw invalidCiphertext(`ciphertext belongs to stream ${header.streamIndex}, expected stream ${expected}`);
  }
}

/** Decrypts consecutive whole segments starting at `firstSegment`; `cipher` starts at that segment's first byte. */
export function openSegments(key: Buffer, header: Buffer, cipher: Buffer, firstSegment: number, totalSegments: number): Buffer {
  const crypto = new SegmentCrypto(key, header);
  checkSegmentWindow(firstSegment, totalSegments);
  const stride = crypto.segmentSize + TAG_SIZE;
  if (cipher.length === 0) throw invalidCiphertext('no ciphertext segments to open');
  const parts: Buffer[] = [];
  for (let pos = 0, i = firstSegment; pos < cipher.length; i++) {
    if (i >= totalSegments) throw invalidCiphertext(`ciphertext continues past the final segment ${totalSegments - 1}`);
    const last = i === totalSegments - 1;
    const end = last ? cipher.length : pos + stride;
    if (end > cipher.length) throw invalidCiphertext(`segment ${i} is truncated`);
    parts.push(crypto.open(cipher.subarray(pos, end), i, last));
    pos = end;
  }
  return parts.length === 1 ? parts[0]! : Buffer.concat(parts);
}

export function checkSegmentWindow(firstSegment: number, totalSegments: number): void {
  if (!Number.isInteger(totalSegments) || totalSegments < 1 || totalSegments > MAX_SEGMENTS) {
    throw invalidArgument(`total segment count must be from 1 to 2^32, got ${totalSegments}`);
  }
  if (!Number.isInteger(firstSegment) || firstSegment < 0 || firstSegment >= totalSegments) {
    throw invalidArgument(`first segment ${firstSegment} is outside a stream of ${totalSegments} segments`);
  }
}
