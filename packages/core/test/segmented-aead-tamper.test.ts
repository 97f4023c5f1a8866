/**
 * Segmented AEAD under attack: every modification of a stream must fail with InvalidCiphertext through every
 * reader (openBuffer, the verify stream with and without a known size, the open stream), and no reader may emit
 * bytes of a segment before that segment has verified.
 */
import assert from 'node:assert/strict';
import { Readable, type Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, it } from 'node:test';
import { StorageError } from '../src/errors.js';
import {
  createOpenStream, createVerifyStream, openBuffer, openSegments, sealBuffer, segmentCount,
} from '../src/codec/segmented-aead.js';
import { bytes, KEY, OTHER_KEY, refHeader, refSealSegment, rejectsInvalid, run, S, segmentOf } from './helpers/aead.js';

const P = 3 * S + 5; // four segments, the last one 5 bytes
const N = segmentCount(P, S);
const PREFIX = Buffer.from('1111111111111111', 'hex');
const plain = bytes(P, 1);
const sealed = sealBuffer(KEY, plain, { segmentSize: S, streamIndex: 2, noncePrefix: PREFIX });
const header = sealed.subarray(0, 16);
const seg = (i: number) => segmentOf(sealed, i);
const stride = S + 16;

async function attempt(t: Transform, chunks: Buffer[]): Promise<{ out: Buffer; err: unknown }> {
  const out: Buffer[] = [];
  try {
    await pipeline(Readable.from(chunks, { objectMode: true }), t, async (source: AsyncIterable<Buffer>) => {
      for await (const c of source) out.push(c);
    });
    return { out: Buffer.concat(out), err: undefined };
  } catch (err) {
    return { out: Buffer.concat(out), err };
  }
}

function assertInvalid(err: unknown, what: string, message?: RegExp): void {
  assert.ok(err, `${what}: accepted`);
  const e = err as StorageError;
  assert.equal(e.code, 'InvalidCiphertext', `${what}: ${e.code} ${e.message}`);
  if (message) assert.match(e.message, message, what);
  assert.ok(!e.message.includes(KEY.toString('hex')) && !e.message.includes(KEY.toString('base64')), `${what}: key in message`);
}

/**
 * Runs `bad` through every reader. `firstBad`: index of the first segment that cannot verify when the size is not
 * known in advance; the verify stream must not have emitted anything from it on, the open stream no plaintext of it.
 */
async function rejectedEverywhere(bad: Buffer, firstBad: number, message?: RegExp): Promise<void> {
  assert.throws(() => openBuffer(KEY, bad), (e) => { assertInvalid(e, 'openBuffer', message); return true; });
  for (const split of [(b: Buffer) => [b], (b: Buffer) => Array.from({ length: Math.ceil(b.length / 7) }, (_, i) => b.subarray(i * 7, i * 7 + 7))]) {
    const streamed = await attempt(createVerifyStream(KEY), split(bad));
    assertInvalid(streamed.err, 'verify stream', message);
    assert.deepEqual(streamed.out, bad.subarray(0, streamed.out.length), 'verify stream emitted altered bytes');
    assert.ok(streamed.out.length <= (firstBad === 0 ? 0 : 16 + firstBad * stride), `verify stream emitted ${streamed.out.length} bytes`);

    const sized = await attempt(createVerifyStream(KEY, { expectedPlainSize: P }), split(bad));
    assertInvalid(sized.err, 'verify stream with expectedPlainSize');
    assert.deepEqual(sized.out, bad.subarray(0, sized.out.length));

    // The open stream gets the header separately (from metadata), as a range read does.
    let opened: { out: Buffer; err: unknown };
    try {
      const open = createOpenStream(KEY, bad.subarray(0, 16), { firstSegment: 0, totalSegments: N, skip: 0, length: P });
      opened = await attempt(open, split(bad.subarray(16)));
    } catch (err) {
      opened = { out: Buffer.alloc(0), err };
    }
    assertInvalid(opened.err, 'open stream');
    assert.ok(opened.out.length <= firstBad * S, `open stream emitted ${opened.out.length} plaintext bytes`);
    assert.deepEqual(opened.out, plain.subarray(0, opened.out.length));
  }
}

function flip(buf: Buffer, at: number): Buffer {
  const out = Buffer.from(buf);
  out[at]! ^= 0x01;
  return out;
}

describe('tampering is rejected with InvalidCiphertext', () => {
  it('a flipped bit in segment ciphertext, in a tag, or in the final tag', async () => {
    await rejectedEverywhere(flip(sealed, 16 + stride + 100), 1, /segment 1 failed authentication/);
    await rejectedEverywhere(flip(sealed, 16 + S + 3), 0, /segment 0 failed authentication/);
    await rejectedEverywhere(flip(sealed, sealed.length - 1), 3, /segment 3 failed authentication/);
  });

  it('a changed header: magic, version, segment size, stream index, nonce prefix', async () => {
    await rejectedEverywhere(flip(sealed, 0), 0, /not Omnigate segmented ciphertext \(bad header\)/);
    await rejectedEverywhere(flip(sealed, 4), 0, /version/);
    await rejectedEverywhere(flip(sealed, 5), 0); // 2^12 → 2^13: parses, but nothing authenticates
    await rejectedEverywhere(flip(sealed, 7), 0, /segment 0 failed authentication/); // stream index 2 → 3
    await rejectedEverywhere(flip(sealed, 12), 0, /segment 0 failed authentication/);
  });

  it('truncation: final segment dropped, cut inside a segment or a tag, header only, nothing', async () => {
    await rejectedEverywhere(sealed.subarray(0, 16 + 3 * stride), 2);
    await rejectedEverywhere(sealed.subarray(0, 16 + 2 * stride), 1);
    await rejectedEverywhere(sealed.subarray(0, 16 + stride + 100), 1);
    await rejectedEverywhere(sealed.subarray(0, sealed.length - 1), 3);
    await rejectedEverywhere(sealed.subarray(0, 16 + 10), 0);
    await rejectedEverywhere(sealed.subarray(0, 16), 0);
    await rejectedEverywhere(sealed.subarray(0, 9), 0);
    assertInvalid((await attempt(createVerifyStream(KEY), [])).err, 'empty input', /no data/);
  });

  it('reordered, duplicated and appended segments', async () => {
    await rejectedEverywhere(Buffer.concat([header, seg(1), seg(0), seg(2), seg(3)]), 0);
    await rejectedEverywhere(Buffer.concat([header, seg(0), seg(2), seg(1), seg(3)]), 1);
    await rejectedEverywhere(Buffer.concat([header, seg(0), seg(0), seg(2), seg(3)]), 1);
    await rejectedEverywhere(Buffer.concat([sealed, seg(3)]), 3);
    await rejectedEverywhere(Buffer.concat([sealed, seg(2)]), 3);
  });

  it('segments spliced in from other streams sealed with the same key', async () => {
    const otherPrefix = sealBuffer(KEY, plain, { segmentSize: S, streamIndex: 2, noncePrefix: Buffer.alloc(8, 0x22) });
    await rejectedEverywhere(Buffer.concat([header, seg(0), segmentOf(otherPrefix, 1), seg(2), seg(3)]), 1);
    // Even a stream that shares the nonce prefix (a buggy client) differs in its header, which every AAD binds.
    const otherPart = sealBuffer(KEY, plain, { segmentSize: S, streamIndex: 3, noncePrefix: PREFIX });
    await rejectedEverywhere(Buffer.concat([header, seg(0), segmentOf(otherPart, 1), seg(2), seg(3)]), 1);
    await rejectedEverywhere(Buffer.concat([header, seg(0), seg(1), seg(2), segmentOf(otherPart, 3)]), 3);
  });

  it('a client-forged empty final segment after full ones (valid tags, but not the canonical encoding)', async () => {
    const h = refHeader(S, 0, PREFIX);
    const forged = Buffer.concat([h, refSealSegment(KEY, h, 0, false, plain.subarray(0, S)), refSealSegment(KEY, h, 1, true, Buffer.alloc(0))]);
    await rejectedEverywhere(forged, 1);
  });

  it('wrong stream index, wrong key, segments opened at the wrong position', async () => {
    await rejectsInvalid(() => openBuffer(KEY, sealed, { expectedStreamIndex: 3 }), /stream 2, expected stream 3/);
    await rejectsInvalid(run(createVerifyStream(KEY, { expectedStreamIndex: 0 }), [sealed]), /stream 2, expected stream 0/);
    await rejectsInvalid(run(createVerifyStream(KEY, { expectedStreamIndex: 3 }), [flip(sealed, 7)]), /segment 0 failed authentication/);

    await rejectsInvalid(() => openBuffer(OTHER_KEY, sealed), /segment 0 failed authentication: wrong key/);
    await rejectsInvalid(run(createVerifyStream(OTHER_KEY), [sealed]), /segment 0 failed authentication: wrong key/);
    await rejectsInvalid(run(createVerifyStream(OTHER_KEY, { expectedPlainSize: P }), [sealed]), /wrong key/);
    await rejectsInvalid(run(createOpenStream(OTHER_KEY, header, { firstSegment: 0, totalSegments: N, skip: 0, length: 0 }), [sealed.subarray(16)]));
    const empty = sealBuffer(KEY, Buffer.alloc(0));
    await rejectsInvalid(() => openBuffer(OTHER_KEY, empty));
    await rejectsInvalid(run(createOpenStream(OTHER_KEY, empty, { firstSegment: 0, totalSegments: 1, skip: 0, length: 0 }), [empty.subarray(16)]));

    await rejectsInvalid(() => openSegments(KEY, header, seg(1), 0, N));
    await rejectsInvalid(() => openSegments(KEY, header, Buffer.concat([seg(2), seg(3)]), 1, N));
    await rejectsInvalid(() => openSegments(KEY, header, seg(2), 2, 3)); // claims segment 2 is the last
    await rejectsInvalid(() => openSegments(KEY, header, seg(1).subarray(0, 100), 1, N), /truncated/);
    await rejectsInvalid(run(createOpenStream(KEY, header, { firstSegment: 1, totalSegments: N, skip: 0, length: 10 }), [seg(2)]));
    await rejectsInvalid(run(createOpenStream(KEY, header, { firstSegment: 1, totalSegments: N, skip: 0, length: 10 }), [seg(1).subarray(0, 100)]), /ends inside segment 1/);
  });

  it('plaintext fed to the verify stream', async () => {
    for (const data of [Buffer.from('hello, this is definitely not ciphertext at all'), bytes(100_000), Buffer.from('OGS')]) {
      await rejectsInvalid(run(createVerifyStream(KEY), [data]), /not Omnigate segmented ciphertext/);
    }
  });

  it('expectedPlainSize too small fails as soon as the excess arrives, too large fails at the end', async () => {
    await rejectsInvalid(run(createVerifyStream(KEY, { expectedPlainSize: P - 1 }), [sealed]), /longer than expected/);
    await rejectsInvalid(run(createVerifyStream(KEY, { expectedPlainSize: P + 1 }), [sealed]), /ends before/);
    await rejectsInvalid(run(createVerifyStream(KEY, { expectedPlainSize: 0 }), [sealed]), /longer than expected/);

    const big = sealBuffer(KEY, bytes(64 * S), { segmentSize: S });
    let pulled = 0;
    const source = Readable.from((function* () {
      for (let i = 0; i < big.length; i += 1000) { pulled += 1000; yield big.subarray(i, i + 1000); }
    })(), { objectMode: true, highWaterMark: 1 });
    const seen: Buffer[] = [];
    await rejectsInvalid(pipeline(source, createVerifyStream(KEY, { expectedPlainSize: S, onPlaintext: (c) => seen.push(c) }), async (s: AsyncIterable<Buffer>) => {
      for await (const _ of s) { /* drain */ }
    }), /longer than expected/);
    assert.ok(pulled < 16 * 1000, `pulled ${pulled} of ${big.length} bytes before failing`);
    assert.ok(Buffer.concat(seen).length <= S); // the chunk carrying the excess fails before its segment is opened
  });

  it('errors thrown by onPlaintext (such as a size limit) pass through unchanged', async () => {
    const limit = () => { throw new StorageError('EntityTooLarge', 'too big'); };
    await assert.rejects(run(createVerifyStream(KEY, { onPlaintext: limit }), [sealed]), { code: 'EntityTooLarge' });
  });
});
