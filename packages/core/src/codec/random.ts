/**
 * Cryptographically secure random bytes for the hot path. Each `crypto.randomBytes` call costs ~5 µs here (a crypto
 * job per call), and every small PUT needs four (key, key-wrap IV, nonce prefix, request id): this serves small
 * requests from a pool filled by one `randomFillSync` (the same CSPRNG) per 8 KiB. Every byte is handed out once and
 * zeroed in the pool as it leaves, so no two callers ever share randomness.
 */
import { randomBytes, randomFillSync } from 'node:crypto';

const POOL_SIZE = 8192;
/** Larger requests go straight to randomBytes: the pool saves nothing there. */
const MAX_POOLED = 256;
const pool = Buffer.alloc(POOL_SIZE);
let next = POOL_SIZE;

export function pooledRandomBytes(size: number): Buffer {
  if (!Number.isSafeInteger(size) || size < 0) throw new RangeError(`pooledRandomBytes: invalid size ${size}`);
  if (size > MAX_POOLED) return randomBytes(size);
  if (next + size > POOL_SIZE) {
    randomFillSync(pool);
    next = 0;
  }
  const out = Buffer.allocUnsafeSlow(size);
  pool.copy(out, 0, next, next + size);
  pool.fill(0, next, next + size);
  next += size;
  return out;
}

/**
 * A UUIDv7 (RFC 9562): 48 bits of Unix milliseconds, then 74 random bits. Ids made in time order land at the end of
 * the metadata indexes that key on them, so a commit of a batch of small PUTs dirties (and writes to the WAL) the same
 * last leaf page or two instead of one random page per id and index. For internal ids (blob ids): an id that grants
 * access by itself (a fileId, which ZiB's CDN serves by) stays a random v4 with its 122 random bits.
 */
export function timeOrderedUuid(now = Date.now()): string {
  const bytes = pooledRandomBytes(16);
  bytes.writeUIntBE(now, 0, 6);
  bytes[6] = 0x70 | (bytes[6]! & 0x0f);
  bytes[8] = 0x80 | (bytes[8]! & 0x3f);
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
