/**
 * Shared helpers of the segmented AEAD tests: stream plumbing, chunkings, a seeded PRNG (failures reproduce),
 * and an independent reference sealer written straight from docs/format.md with one createCipheriv per segment,
 * so the tests never check the implementation only against itself.
 */
import assert from 'node:assert/strict';
import { createCipheriv } from 'node:crypto';
import { Readable, type Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';

export const S = 4096; // the smallest segment size keeps multi-segment tests fast
export const KEY = Buffer.alloc(32, 7);
export const OTHER_KEY = Buffer.alloc(32, 8);

/** mulberry32: a tiny deterministic PRNG, so "random" sizes and chunkings are the same on every run. */
export function prng(seed: number): (max: number) => number {
  let a = seed >>> 0;
  return (max) => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return Math.floor((((t ^ (t >>> 14)) >>> 0) / 4294967296) * max);
  };
}

export function bytes(n: number, seed = n): Buffer {
  const rand = prng(seed);
  const out = Buffer.allocUnsafe(n);
  for (let i = 0; i < n; i++) out[i] = rand(256);
  return out;
}

export type Chunking = { name: string; split: (buf: Buffer) => Buffer[] };
export function fixedChunks(size: number): Chunking {
  return {
    name: `${size}-byte chunks`,
    split: (buf) => {
      const out: Buffer[] = [];
      for (let i = 0; i < buf.length; i += size) out.push(buf.subarray(i, i + size));
      return out;
    },
  };
}
export function randomChunks(seed: number, max: number): Chunking {
  return {
    name: `random chunks (seed ${seed})`,
    split: (buf) => {
      const rand = prng(seed);
      const out: Buffer[] = [];
      for (let i = 0; i < buf.length;) {
        const n = 1 + rand(max);
        out.push(buf.subarray(i, i + n));
        i += n;
      }
      return out;
    },
  };
}
export const CHUNKINGS: Chunking[] = [fixedChunks(1), fixedChunks(7), fixedChunks(S), randomChunks(42, 3 * S), fixedChunks(1 << 20)];

/** Pipes chunks (copied, so a transform keeping references to its input would be caught) through `t`. */
export async function run(t: Transform, chunks: Buffer[]): Promise<Buffer> {
  const out: Buffer[] = [];
  await pipeline(Readable.from(chunks.map((c) => Buffer.from(c)), { objectMode: true }), t, async (source: AsyncIterable<Buffer>) => {
    for await (const c of source) out.push(c);
  });
  return Buffer.concat(out);
}

export async function rejectsInvalid(p: Promise<unknown> | (() => unknown), message?: RegExp): Promise<void> {
  await assert.rejects(async () => (typeof p === 'function' ? p() : p), (err: { code?: string; message: string }) => {
    assert.equal(err.code, 'InvalidCiphertext', `expected InvalidCiphertext, got ${err.code}: ${err.message}`);
    if (message) assert.match(err.message, message);
    return true;
  });
}

// ---- Reference implementation, from the spec alone ----

export function refHeader(segmentSize: number, streamIndex: number, noncePrefix: Buffer): Buffer {
  const h = Buffer.alloc(16);
  h.write('OGS1', 0, 'latin1');
  h[4] = 1;
  h[5] = Math.log2(segmentSize);
  h.writeUInt16BE(streamIndex, 6);
  noncePrefix.copy(h, 8);
  return h;
}

export function refIv(header: Buffer, i: number): Buffer {
  const iv = Buffer.alloc(12);
  header.copy(iv, 0, 8, 16);
  iv.writeUInt32BE(i, 8);
  return iv;
}

export function refAad(header: Buffer, i: number, last: boolean): Buffer {
  const aad = Buffer.alloc(25);
  header.copy(aad, 0, 0, 16);
  aad.writeBigUInt64BE(BigInt(i), 16);
  aad[24] = last ? 1 : 0;
  return aad;
}

/** Seals one segment as the spec says; also used to forge streams a malicious client with the key could send. */
export function refSealSegment(key: Buffer, header: Buffer, i: number, last: boolean, plain: Buffer): Buffer {
  const c = createCipheriv('aes-256-gcm', key, refIv(header, i));
  c.setAAD(refAad(header, i, last));
  return Buffer.concat([c.update(plain), c.final(), c.getAuthTag()]);
}

export function refSeal(key: Buffer, plain: Buffer, segmentSize: number, streamIndex: number, noncePrefix: Buffer): Buffer {
  const header = refHeader(segmentSize, streamIndex, noncePrefix);
  const n = Math.max(1, Math.ceil(plain.length / segmentSize));
  const parts = [header];
  for (let i = 0; i < n; i++) {
    parts.push(refSealSegment(key, header, i, i === n - 1, plain.subarray(i * segmentSize, (i + 1) * segmentSize)));
  }
  return Buffer.concat(parts);
}

/** The sealed bytes of segment i of a stream (header included in offsets). */
export function segmentOf(ct: Buffer, i: number, segmentSize = S): Buffer {
  const start = 16 + i * (segmentSize + 16);
  return ct.subarray(start, Math.min(ct.length, start + segmentSize + 16));
}
