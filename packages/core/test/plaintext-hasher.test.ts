import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { createPlaintextHasher, hashSlotsCreated } from '../src/storage/plaintext-hasher.js';

const MiB = 1024 * 1024;

async function hashInChunks(data: Buffer, chunk = 64 * 1024) {
  const hasher = createPlaintextHasher(data.length);
  for (let at = 0; at < data.length; at += chunk) await hasher.update(data.subarray(at, at + chunk));
  return hasher.digest();
}

function expected(data: Buffer) {
  return { md5: createHash('md5').update(data).digest(), sha256: createHash('sha256').update(data).digest() };
}

describe('plaintext hasher (hash thread)', () => {
  it('hashes large uploads correctly, one after another and at once', async () => {
    const bodies = [randomBytes(5 * MiB + 17), randomBytes(3 * MiB), randomBytes(MiB)];
    for (const body of bodies) assert.deepEqual(await hashInChunks(body), expected(body));
    const together = await Promise.all(bodies.map((body) => hashInChunks(body, 100_000)));
    together.forEach((digests, i) => assert.deepEqual(digests, expected(bodies[i]!)));
  });

  it('reuses its shared-memory slots across uploads instead of leaving 4 MiB behind each time', async () => {
    const body = randomBytes(6 * MiB);
    await hashInChunks(body);
    const before = hashSlotsCreated();
    for (let i = 0; i < 5; i++) assert.deepEqual(await hashInChunks(body), expected(body));
    assert.equal(hashSlotsCreated(), before, 'sequential uploads allocated new slots');
  });

  it('an aborted upload does not disturb the next one', async () => {
    const aborted = createPlaintextHasher(10 * MiB);
    for (let i = 0; i < 6; i++) await aborted.update(randomBytes(MiB));
    aborted.abort();
    const body = randomBytes(4 * MiB);
    assert.deepEqual(await hashInChunks(body), expected(body));
  });
});
