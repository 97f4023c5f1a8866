/**
 * Segmented AEAD: header, size math, round trips through every API and chunking, and range reads.
 * Attacks are in segmented-aead-tamper.test.ts, test vectors in segmented-aead-vectors.test.ts.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  cipherRangeFor, cipherSizeOf, createHeader, createOpenStream, createSealStream, createVerifyStream, DEFAULT_SEGMENT_SIZE,
  openBuffer, openSegments, parseHeader, plainSizeOf, sealBuffer, segmentCount, STREAM_HEADER_SIZE, TAG_SIZE,
} from '../src/codec/segmented-aead.js';
import { bytes, CHUNKINGS, fixedChunks, KEY, prng, randomChunks, refSeal, run, S } from './helpers/aead.js';

const rand = prng(2024);
const SIZES = [0, 1, S - 1, S, S + 1, 3 * S, 3 * S + 5, rand(S), rand(2 * S), rand(5 * S), rand(5 * S)];

describe('header', () => {
  it('round-trips every field and defaults to 64 KiB segments, stream 0, a random prefix', () => {
    const prefix = Buffer.from('0102030405060708', 'hex');
    const h = createHeader({ segmentSize: 1 << 20, streamIndex: 10000, noncePrefix: prefix });
    assert.equal(h.length, STREAM_HEADER_SIZE);
    assert.equal(h.toString('hex'), '4f47533101142710' + '0102030405060708');
    assert.deepEqual(parseHeader(h), { segmentSize: 1 << 20, streamIndex: 10000, noncePrefix: prefix });
    const d = parseHeader(createHeader({}));
    assert.equal(d.segmentSize, DEFAULT_SEGMENT_SIZE);
    assert.equal(d.streamIndex, 0);
    assert.notDeepEqual(createHeader({}).subarray(8), createHeader({}).subarray(8));
  });

  it('rejects bad parameters with InvalidArgument', () => {
    for (const opts of [{ segmentSize: 2048 }, { segmentSize: 1 << 25 }, { segmentSize: 5000 }, { streamIndex: -1 },
      { streamIndex: 65536 }, { streamIndex: 1.5 }, { noncePrefix: Buffer.alloc(7) }]) {
      assert.throws(() => createHeader(opts), { code: 'InvalidArgument' }, JSON.stringify(opts));
    }
  });

  it('rejects bad magic, version, segment size and short input with InvalidCiphertext', () => {
    const good = createHeader({});
    const bad = (at: number, value: number) => { const h = Buffer.from(good); h[at] = value; return h; };
    assert.throws(() => parseHeader(bad(0, 0x50)), { code: 'InvalidCiphertext', message: /not Omnigate segmented ciphertext/ });
    assert.throws(() => parseHeader(bad(4, 2)), { code: 'InvalidCiphertext', message: /version 2/ });
    assert.throws(() => parseHeader(bad(5, 11)), { code: 'InvalidCiphertext' });
    assert.throws(() => parseHeader(bad(5, 25)), { code: 'InvalidCiphertext' });
    assert.throws(() => parseHeader(good.subarray(0, 15)), { code: 'InvalidCiphertext' });
  });
});

describe('size math', () => {
  it('segmentCount, cipherSizeOf and plainSizeOf agree with the formula and invert each other', () => {
    for (const P of [...SIZES, 10 * S, 10 * S - 1, 2 ** 40 + 3]) {
      const n = Math.max(1, Math.ceil(P / S));
      assert.equal(segmentCount(P, S), n);
      assert.equal(cipherSizeOf(P, S), 16 + P + 16 * n);
      assert.equal(plainSizeOf(cipherSizeOf(P, S), S), P);
    }
  });

  it('plainSizeOf rejects every cipher size no plaintext maps to', () => {
    // Below one header + tag; a partial tag after full segments; a lone tag after full segments (empty final segment).
    for (const C of [0, 16, 31, 16 + S + 16 + 5, 16 + S + 16 + 16, 16 + 2 * (S + 16) + 16]) {
      assert.throws(() => plainSizeOf(C, S), { code: 'InvalidCiphertext' }, `C = ${C}`);
    }
    // And every size from 16 to 3 segments either maps back to itself or is rejected.
    for (let C = 16; C < 16 + 3 * (S + 16) + 40; C++) {
      let P: number;
      try { P = plainSizeOf(C, S); } catch { continue; }
      assert.equal(cipherSizeOf(P, S), C);
    }
  });
});

describe('round trips', () => {
  for (const P of SIZES) {
    it(`P = ${P}: every API and chunking gives the same bytes and back`, async () => {
      const plain = bytes(P);
      const header = createHeader({ segmentSize: S, streamIndex: 5 });
      const sealed = sealBuffer(KEY, plain, { segmentSize: S, streamIndex: 5, noncePrefix: header.subarray(8) });
      assert.equal(sealed.length, cipherSizeOf(P, S));
      assert.deepEqual(sealed, refSeal(KEY, plain, S, 5, header.subarray(8)));
      assert.deepEqual(openBuffer(KEY, sealed, { expectedStreamIndex: 5 }), plain);
      const n = segmentCount(P, S);
      assert.deepEqual(openSegments(KEY, header, sealed.subarray(16), 0, n), plain);

      for (const { name, split } of CHUNKINGS) {
        const hashed: Buffer[] = [];
        const out = await run(createSealStream(KEY, header, { onPlaintext: (c) => hashed.push(Buffer.from(c)) }), split(plain));
        assert.deepEqual(out, sealed, `seal, ${name}`);
        assert.deepEqual(Buffer.concat(hashed), plain, `seal onPlaintext, ${name}`);

        for (const expectedPlainSize of [undefined, P]) {
          const seen: Buffer[] = [];
          let raw: Buffer | undefined;
          const verify = createVerifyStream(KEY, {
            expectedStreamIndex: 5, expectedPlainSize, onPlaintext: (c) => seen.push(c), onHeader: (_h, r) => { raw = r; },
          });
          assert.deepEqual(await run(verify, split(sealed)), sealed, `verify, ${name}, size ${expectedPlainSize}`);
          assert.deepEqual(Buffer.concat(seen), plain, `verify onPlaintext, ${name}`);
          assert.deepEqual(raw, header);
          assert.equal(verify.header?.streamIndex, 5);
        }

        const open = createOpenStream(KEY, header, { firstSegment: 0, totalSegments: n, skip: 0, length: P });
        assert.deepEqual(await run(open, split(sealed.subarray(16))), plain, `open, ${name}`);
      }
    });
  }

  it('P = 3 MiB + 5 with 64 KiB segments in 1 MiB and random chunks', async () => {
    const plain = bytes(3 * 2 ** 20 + 5);
    const header = createHeader({});
    const sealed = sealBuffer(KEY, plain, { noncePrefix: header.subarray(8) });
    for (const { split } of [fixedChunks(2 ** 20), randomChunks(7, 300_000)]) {
      assert.deepEqual(await run(createSealStream(KEY, header), split(plain)), sealed);
      assert.deepEqual(await run(createVerifyStream(KEY), split(sealed)), sealed);
    }
  });

  it('the seal stream copies what it holds back, so a writer may reuse its buffer after the write callback', async () => {
    const header = createHeader({ segmentSize: S });
    const seal = createSealStream(KEY, header);
    const out: Buffer[] = [];
    seal.on('data', (c: Buffer) => out.push(c));
    const chunk = Buffer.alloc(S + 10, 1);
    await new Promise<void>((resolve, reject) => seal.write(chunk, (err) => (err ? reject(err) : resolve())));
    chunk.fill(2);
    await new Promise<void>((resolve) => seal.end(resolve));
    assert.deepEqual(openBuffer(KEY, Buffer.concat(out)), Buffer.alloc(S + 10, 1));
  });

  it('transforms apply backpressure instead of buffering without bound', () => {
    const seal = createSealStream(KEY, createHeader({ segmentSize: S }));
    let accepted = 0;
    while (seal.write(Buffer.alloc(S)) && accepted < 1000) accepted++;
    // What the two sides' buffers hold, plus the segment held back (Node 20's default marks are 16 KiB, 22's 64 KiB).
    const bound = (seal.writableHighWaterMark + seal.readableHighWaterMark) / S + 2;
    assert.ok(accepted < bound, `seal accepted ${accepted} writes with nobody reading (bound ${bound})`);
    seal.destroy();
  });
});

describe('range reads', () => {
  for (const P of [1, S, 3 * S, 3 * S + 5]) {
    const plain = bytes(P, 99);
    const header = createHeader({ segmentSize: S });
    const sealed = sealBuffer(KEY, plain, { segmentSize: S, noncePrefix: header.subarray(8) });
    const n = segmentCount(P, S);
    const points = [...new Set([0, 1, S - 1, S, S + 1, 2 * S - 1, 2 * S, 2 * S + 1, 3 * S - 1, 3 * S, 3 * S + 1, P - 1, P])]
      .filter((x) => x >= 0 && x <= P);
    const ranges: [number, number][] = [[0, P], [P - 1, P], [0, 0], [P, P]];
    for (const a of points) for (const b of points) if (a < b) ranges.push([a, b]);
    for (const a of points) if (a < P) ranges.push([a, a + 1]); // single bytes

    it(`P = ${P}: ${ranges.length} ranges decrypt exactly the touched segments`, async () => {
      for (const [start, end] of ranges) {
        const r = cipherRangeFor(start, end, P, S);
        const what = `[${start}, ${end})`;
        const touched = end > start ? Math.ceil(end / S) - Math.floor(start / S) : 1;
        assert.equal(r.lastSegment - r.firstSegment + 1, touched, what);
        assert.ok(r.cipherStart >= STREAM_HEADER_SIZE && r.cipherEnd <= sealed.length, what);
        const slice = sealed.subarray(r.cipherStart, r.cipherEnd);
        assert.equal(slice.length, (r.lastSegment - r.firstSegment + 1) * TAG_SIZE
          + Math.min(P, (r.lastSegment + 1) * S) - r.firstSegment * S, what);
        const segs = openSegments(KEY, header, slice, r.firstSegment, n);
        assert.deepEqual(segs.subarray(r.skip, r.skip + end - start), plain.subarray(start, end), what);
        const opts = { firstSegment: r.firstSegment, totalSegments: n, skip: r.skip, length: end - start };
        for (const { name, split } of [fixedChunks(1), fixedChunks(7), fixedChunks(S + 16), randomChunks(start + end, 2 * S)]) {
          assert.deepEqual(await run(createOpenStream(KEY, header, opts), split(slice)), plain.subarray(start, end), `${what} ${name}`);
        }
        // A reader may hand over everything after the range start; bytes past the range are ignored.
        assert.deepEqual(await run(createOpenStream(KEY, header, opts), [sealed.subarray(r.cipherStart)]), plain.subarray(start, end));
      }
    });
  }

  it('rejects ranges outside the plaintext and impossible open windows with InvalidArgument', () => {
    assert.throws(() => cipherRangeFor(0, 11, 10, S), { code: 'InvalidArgument' });
    assert.throws(() => cipherRangeFor(5, 4, 10, S), { code: 'InvalidArgument' });
    assert.throws(() => cipherRangeFor(-1, 4, 10, S), { code: 'InvalidArgument' });
    const header = createHeader({ segmentSize: S });
    assert.throws(() => createOpenStream(KEY, header, { firstSegment: 2, totalSegments: 2, skip: 0, length: 1 }), { code: 'InvalidArgument' });
    assert.throws(() => createOpenStream(KEY, header, { firstSegment: 0, totalSegments: 2, skip: 0, length: 2 * S + 1 }), { code: 'InvalidArgument' });
    assert.throws(() => createOpenStream(KEY, header, { firstSegment: 0, totalSegments: 2, skip: -1, length: 1 }), { code: 'InvalidArgument' });
    assert.throws(() => createSealStream(Buffer.alloc(16), header), { code: 'InvalidArgument' });
    assert.throws(() => createSealStream(KEY, Buffer.alloc(16)), { code: 'InvalidArgument' });
    assert.throws(() => createVerifyStream(KEY, { expectedPlainSize: -1 }), { code: 'InvalidArgument' });
  });
});
