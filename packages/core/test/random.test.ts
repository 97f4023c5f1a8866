import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pooledRandomBytes, timeOrderedUuid } from '../src/codec/random.js';

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

describe('timeOrderedUuid', () => {
  const V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

  it('is a UUIDv7 whose first 48 bits are the given Unix milliseconds', () => {
    const id = timeOrderedUuid(Date.UTC(2026, 11, 7, 14, 30));
    assert.match(id, V7);
    assert.equal(parseInt(id.replace(/-/g, '').slice(0, 12), 16), Date.UTC(2026, 11, 7, 14, 30));
  });

  it('sorts by time as text, and ids of the same millisecond still differ in their 74 random bits', () => {
    const ids = [0, 1, 255, 256, 65_536, 2 ** 40, 2 ** 47 + 3].map((ms) => timeOrderedUuid(ms));
    assert.deepEqual([...ids].sort(), ids);
    const sameMs = new Set(Array.from({ length: 2000 }, () => timeOrderedUuid(1_700_000_000_000)));
    assert.equal(sameMs.size, 2000);
    for (const id of sameMs) assert.match(id, V7);
  });
});
