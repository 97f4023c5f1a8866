/**
 * Pure arithmetic of the erasure-coded fragment format (see docs/format.md).
 *
 * A blob's ciphertext of C bytes is cut into stripes of k × shardSize bytes. Stripe j's shard i (i < k data,
 * k..k+m-1 parity) is appended to fragment i as `shard bytes ‖ CRC32(shard) big-endian (4 bytes)`. Every stripe
 * but the last has shards of exactly shardSize; the last one's shards are roundUp8(ceil(remaining / k)) bytes
 * (Reed-Solomon needs multiples of 8), its data zero-padded. So stripe j starts at j × (shardSize + 4) in every
 * fragment, and C = 0 means no stripes and empty fragments.
 */
import { StorageError } from '../errors.js';

export interface ErasureLayout {
  dataShards: number;
  parityShards: number;
  /** Bytes of one full shard; a multiple of 8. */
  shardSize: number;
}

export const DEFAULT_SHARD_SIZE = 256 * 1024;
export const DEFAULT_LAYOUT: Readonly<ErasureLayout> = Object.freeze({ dataShards: 4, parityShards: 2, shardSize: DEFAULT_SHARD_SIZE });
/** Bytes of the checksum stored after every shard. */
export const SHARD_CRC_BYTES = 4;
/** Limits of @ronomon/reed-solomon (k ≤ 24, m ≤ 6). */
export const MAX_DATA_SHARDS = 24;
export const MAX_PARITY_SHARDS = 6;

/** Throws InvalidArgument unless the layout can be encoded. */
export function validateLayout(layout: ErasureLayout): void {
  const { dataShards: k, parityShards: m, shardSize: s } = layout;
  const ok = Number.isInteger(k) && k >= 1 && k <= MAX_DATA_SHARDS && Number.isInteger(m) && m >= 1
    && m <= MAX_PARITY_SHARDS && Number.isInteger(s) && s >= 8 && s % 8 === 0 && s <= 0x40000000;
  if (!ok) {
    throw new StorageError('InvalidArgument', `invalid erasure layout ${k}+${m} with shard size ${s}: need 1 ≤ k ≤ 24, `
      + '1 ≤ m ≤ 6 and a shard size that is a positive multiple of 8', { layout: { ...layout } });
  }
}

export function roundUp8(n: number): number {
  return Math.ceil(n / 8) * 8;
}

/** Cipher bytes carried by one full stripe. */
export function stripeDataSize(layout: ErasureLayout): number {
  return layout.dataShards * layout.shardSize;
}

export function stripeCount(cipherSize: number, layout: ErasureLayout): number {
  return Math.ceil(cipherSize / stripeDataSize(layout));
}

/** Shard length of stripe j (the last stripe's may be shorter). */
export function shardLength(j: number, cipherSize: number, layout: ErasureLayout): number {
  const count = stripeCount(cipherSize, layout);
  if (!Number.isInteger(j) || j < 0 || j >= count) throw new RangeError(`stripe ${j} out of range 0..${count - 1}`);
  if (j < count - 1) return layout.shardSize;
  return roundUp8(Math.ceil((cipherSize - j * stripeDataSize(layout)) / layout.dataShards));
}

/** First cipher byte of stripe j. */
export function stripeCipherStart(j: number, layout: ErasureLayout): number {
  return j * stripeDataSize(layout);
}

/** Offset of stripe j's shard in every fragment. */
export function fragmentOffset(j: number, layout: ErasureLayout): number {
  return j * (layout.shardSize + SHARD_CRC_BYTES);
}

/** Size of every fragment of a blob of `cipherSize` bytes. */
export function fragmentSize(cipherSize: number, layout: ErasureLayout): number {
  const count = stripeCount(cipherSize, layout);
  if (count === 0) return 0;
  return fragmentOffset(count - 1, layout) + shardLength(count - 1, cipherSize, layout) + SHARD_CRC_BYTES;
}

/** Offset just past stripe j - 1 in a fragment, i.e. where stripe j begins or the fragment ends. */
export function fragmentEnd(j: number, cipherSize: number, layout: ErasureLayout): number {
  return j >= stripeCount(cipherSize, layout) ? fragmentSize(cipherSize, layout) : fragmentOffset(j, layout);
}

/** Stripes [first, end) that hold cipher bytes [cipherStart, cipherEnd); empty (first === end) for an empty range. */
export function stripesForRange(cipherStart: number, cipherEnd: number, cipherSize: number, layout: ErasureLayout): { first: number; end: number } {
  if (!(Number.isSafeInteger(cipherStart) && Number.isSafeInteger(cipherEnd) && cipherStart >= 0
    && cipherStart <= cipherEnd && cipherEnd <= cipherSize)) {
    throw new StorageError('InvalidRange', `cipher range [${cipherStart}, ${cipherEnd}) is outside 0..${cipherSize}`);
  }
  const d = stripeDataSize(layout);
  if (cipherStart === cipherEnd) return { first: Math.floor(cipherStart / d), end: Math.floor(cipherStart / d) };
  return { first: Math.floor(cipherStart / d), end: Math.floor((cipherEnd - 1) / d) + 1 };
}
