import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pooledRandomBytes } from '../src/codec/random.js';

describe('pooledRandomBytes', () => {
  it('hands out every byte once: draws across many pool refills never repeat or overlap', () => {
    const seen = new Set<string>();
    // 5,000 draws of 7..40 bytes span ~25 refills of the 8 KiB pool, at unaligned offsets.
    for (let i = 0; i < 5000; i++) {
      const bytes = pooledRandomBytes(7 + (i % 34));
      assert.equal(bytes.length, 7 + (i % 34));
      const hex = bytes.toString('hex');
      assert.ok(!seen.has(hex), 'a draw repeated');
      seen.add(hex);
    }
    // Owned copies: a later draw or a write to one draw leaves the others as they were.
    const a = pooledRandomBytes(32);
    const copy = Buffer.from(a);
    pooledRandomBytes(32).fill(0);
    assert.deepEqual(a, copy);
    assert.equal(a.byteOffset, 0, 'not a view into the pool');
  });

  it('looks random: bytes of 64 KiB of small draws spread evenly', () => {
    const counts = new Array<number>(256).fill(0);
    for (let i = 0; i < 2048; i++) for (const b of pooledRandomBytes(32)) counts[b]!++;
    // 65,536 bytes over 256 values: 256 expected each; a stuck or zeroed pool would pile up on few values.
    assert.ok(Math.max(...counts) < 400 && Math.min(...counts) > 140, `skewed: ${Math.min(...counts)}..${Math.max(...counts)}`);
  });

  it('serves large and empty requests, and refuses invalid sizes', () => {
    assert.equal(pooledRandomBytes(4096).length, 4096);
    assert.equal(pooledRandomBytes(0).length, 0);
    for (const size of [-1, 1.5, Number.NaN]) assert.throws(() => pooledRandomBytes(size), RangeError);
  });
});
