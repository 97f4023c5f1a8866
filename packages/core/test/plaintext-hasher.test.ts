import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createHeader, createSealStream } from '../src/codec/segmented-aead.js';
import { createPlaintextHasher, hashBlocksCreated } from '../src/storage/plaintext-hasher.js';

const MiB = 1024 * 1024;

async function hashInChunks(data: Buffer, chunk = 64 * 1024) {
  const hasher = createPlaintextHasher(data.length);
  for (let at = 0; at < data.length; at += chunk) await hasher.update(data.subarray(at, at + chunk));
  return hasher.digest();
}

/** The upload path: the hasher's block stream, then the seal, which hands each block back to the hasher. */
async function hashSealed(data: Buffer, chunk = 64 * 1024) {
  const hasher = createPlaintextHasher(undefined);
  const seal = createSealStream(randomBytes(32), createHeader({ segmentSize: 64 * 1024, streamIndex: 0 }), { afterSeal: (c) => hasher.afterSeal(c) });
  const chunks = (function* () { for (let at = 0; at < data.length; at += chunk) yield data.subarray(at, at + chunk); })();
  await pipeline(Readable.from(chunks), hasher.blockStream()!, seal, new Writable({ write: (_c, _e, done) => setImmediate(done) }));
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

  it('reuses its blocks across uploads instead of allocating 4 MiB each time', async () => {
    const body = randomBytes(6 * MiB);
    await hashInChunks(body);
    await hashSealed(body);
    const before = hashBlocksCreated();
    for (let i = 0; i < 3; i++) {
      assert.deepEqual(await hashInChunks(body), expected(body));
      assert.deepEqual(await hashSealed(body), expected(body));
    }
    assert.equal(hashBlocksCreated(), before, 'sequential uploads allocated new blocks');
  });

  it('hashes what goes through its block stream and the seal, whatever the chunk sizes', async () => {
    for (const [size, chunk] of [[5 * MiB + 17, 65_536], [3 * MiB, 1000], [MiB, 3 * MiB], [2 * MiB - 1, 16_384]] as const) {
      const body = randomBytes(size);
      assert.deepEqual(await hashSealed(body, chunk), expected(body), `${size} bytes in ${chunk}-byte chunks`);
    }
  });

  it('copies chunks that are not its own blocks, in order with its blocks', async () => {
    const hasher = createPlaintextHasher(undefined);
    const cutter = hasher.blockStream()!;
    const own: Buffer[] = [];
    cutter.on('data', (block: Buffer) => own.push(block));
    cutter.end(randomBytes(2 * MiB));
    await new Promise((resolve) => cutter.on('end', resolve));
    const [first, second] = own as [Buffer, Buffer];
    const firstBytes = Buffer.from(first);
    const secondBytes = Buffer.from(second);
    const foreign = randomBytes(300_000);
    await hasher.afterSeal(first);
    await hasher.afterSeal(foreign);
    await hasher.afterSeal(second);
    assert.deepEqual(await hasher.digest(), expected(Buffer.concat([firstBytes, foreign, secondBytes])));
    assert.equal(first.length, 0, 'a block handed to the hash thread was copied instead of moved');
  });

  it('an aborted upload does not disturb the next one', async () => {
    const aborted = createPlaintextHasher(10 * MiB);
    for (let i = 0; i < 6; i++) await aborted.update(randomBytes(MiB));
    aborted.abort();
    const body = randomBytes(4 * MiB);
    assert.deepEqual(await hashInChunks(body), expected(body));
  });
});
