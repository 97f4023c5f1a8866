/**
 * The CRCs S3's flexible checksums use besides CRC32 (which node:zlib provides): CRC32C (Castagnoli, reflected
 * polynomial 0x82F63B78) and CRC64/NVME (reflected polynomial 0x9A6C9329AC4BC9B5), both with init and final
 * xor all ones. https://docs.aws.amazon.com/AmazonS3/latest/userguide/checking-object-integrity.html
 * Table-driven (slice-by-8 for CRC32C, the 64-bit one as two 32-bit halves), in plain JS, no dependency.
 * `crcCombine` gives the CRC of A‖B from the CRCs of A and B (zlib's crc32_combine), for multipart full-object checksums.
 */

const CRC32C_TABLES = buildSlicedCrc32Tables(0x82f63b78);

function buildSlicedCrc32Tables(poly: number): Uint32Array[] {
  const tables = Array.from({ length: 8 }, () => new Uint32Array(256));
  const t0 = tables[0]!;
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ poly : c >>> 1;
    t0[n] = c >>> 0;
  }
  for (let n = 0; n < 256; n++) {
    for (let k = 1; k < 8; k++) tables[k]![n] = (tables[k - 1]![n]! >>> 8) ^ t0[tables[k - 1]![n]! & 0xff]!;
  }
  return tables;
}

/** Continues a CRC32C over `data` (pass the previous result as `crc`, 0 to start). */
export function crc32c(data: Uint8Array, crc = 0): number {
  const [t0, t1, t2, t3, t4, t5, t6, t7] = CRC32C_TABLES as [Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array];
  let c = ~crc >>> 0;
  let i = 0;
  const end8 = data.length - (data.length % 8);
  for (; i < end8; i += 8) {
    const a = (c ^ (data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24))) >>> 0;
    c = t7[a & 0xff]! ^ t6[(a >>> 8) & 0xff]! ^ t5[(a >>> 16) & 0xff]! ^ t4[a >>> 24]!
      ^ t3[data[i + 4]!]! ^ t2[data[i + 5]!]! ^ t1[data[i + 6]!]! ^ t0[data[i + 7]!]!;
  }
  for (; i < data.length; i++) c = t0[(c ^ data[i]!) & 0xff]! ^ (c >>> 8);
  return ~c >>> 0;
}

const CRC64_LO = new Uint32Array(256);
const CRC64_HI = new Uint32Array(256);
(() => {
  const polyHi = 0x9a6c9329;
  const polyLo = 0xac4bc9b5;
  for (let n = 0; n < 256; n++) {
    let lo = n;
    let hi = 0;
    for (let k = 0; k < 8; k++) {
      const odd = lo & 1;
      lo = ((lo >>> 1) | ((hi & 1) << 31)) >>> 0;
      hi = hi >>> 1;
      if (odd) {
        lo = (lo ^ polyLo) >>> 0;
        hi = (hi ^ polyHi) >>> 0;
      }
    }
    CRC64_LO[n] = lo;
    CRC64_HI[n] = hi;
  }
})();

/** A running CRC64/NVME; `digest()` gives the 8 big-endian bytes S3 base64-encodes. */
export class Crc64Nvme {
  private lo = 0xffffffff;
  private hi = 0xffffffff;

  update(data: Uint8Array): this {
    let { lo, hi } = this;
    for (let i = 0; i < data.length; i++) {
      const idx = (lo ^ data[i]!) & 0xff;
      lo = (((lo >>> 8) | (hi << 24)) ^ CRC64_LO[idx]!) >>> 0;
      hi = ((hi >>> 8) ^ CRC64_HI[idx]!) >>> 0;
    }
    this.lo = lo;
    this.hi = hi;
    return this;
  }

  digest(): Buffer {
    const out = Buffer.alloc(8);
    out.writeUInt32BE(~this.hi >>> 0, 0);
    out.writeUInt32BE(~this.lo >>> 0, 4);
    return out;
  }
}

/** A reflected CRC with init and final xor all ones (CRC32, CRC32C, CRC64/NVME): its width and reflected polynomial. */
export interface CrcSpec {
  bits: 32 | 64;
  poly: bigint;
}

export const CRC_SPECS = {
  crc32: { bits: 32, poly: 0xedb88320n },
  crc32c: { bits: 32, poly: 0x82f63b78n },
  crc64nvme: { bits: 64, poly: 0x9a6c9329ac4bc9b5n },
} as const satisfies Record<string, CrcSpec>;

/** a·b modulo the polynomial, both in reflected bit order (zlib's multmodp). */
function multModP(spec: CrcSpec, a: bigint, b: bigint): bigint {
  let m = 1n << BigInt(spec.bits - 1);
  let p = 0n;
  for (;;) {
    if (a & m) {
      p ^= b;
      if ((a & (m - 1n)) === 0n) return p;
    }
    m >>= 1n;
    b = b & 1n ? (b >> 1n) ^ spec.poly : b >> 1n;
  }
}

/** x^(2^k) modulo the polynomial, k = 0..66: x^(8·n) is then one product per set bit of n (zlib's x2n_table). */
const POWERS = new Map<CrcSpec, bigint[]>();
function powersOf(spec: CrcSpec): bigint[] {
  let table = POWERS.get(spec);
  if (!table) {
    table = [1n << BigInt(spec.bits - 2)]; // x^1
    for (let k = 1; k < 67; k++) table.push(multModP(spec, table[k - 1]!, table[k - 1]!));
    POWERS.set(spec, table);
  }
  return table;
}

/** x^(8·bytes) modulo the polynomial; parts mostly share one size, so each spec keeps the few it has needed. */
const SHIFTS = new Map<CrcSpec, Map<number, bigint>>();
function byteShift(spec: CrcSpec, bytes: number): bigint {
  let known = SHIFTS.get(spec);
  if (!known) SHIFTS.set(spec, (known = new Map()));
  let shift = known.get(bytes);
  if (shift === undefined) {
    const powers = powersOf(spec);
    shift = 1n << BigInt(spec.bits - 1); // x^0
    for (let n = bytes, k = 3; n > 0; n = Math.floor(n / 2), k++) {
      if (n % 2) shift = multModP(spec, powers[k]!, shift);
    }
    if (known.size < 64) known.set(bytes, shift);
  }
  return shift;
}

/** The CRC of A‖B from crc(A), crc(B) and B's length in bytes. */
export function crcCombine(spec: CrcSpec, crcA: bigint, crcB: bigint, lengthB: number): bigint {
  return multModP(spec, byteShift(spec, lengthB), crcA) ^ crcB;
}
