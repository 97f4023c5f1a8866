// omnigate serve's background work on a real store: the scrub heals a damaged fragment and the sweep expires an
// abandoned upload without anyone asking; stop() leaves nothing running under a closing storage.
import assert from 'node:assert/strict';
import { unlink } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
// @ts-expect-error: startBackground is internal to the server package, tested from its build
import { startBackground } from '../../packages/server/dist/background.js';
import { collect, createStorageFixture, fragmentFiles, pseudoRandomBytes, type StorageFixture } from '../helpers/storage-fixture.js';

type Background = { stop(): Promise<void> };
const quiet = pino({ level: 'silent' });

async function until(check: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (!(await check())) {
    if (Date.now() > deadline) assert.fail(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('omnigate serve background work', () => {
  let fx: StorageFixture;
  before(async () => { fx = await createStorageFixture(); });
  after(() => fx.cleanup());

  it('scrubs: a fragment deleted from a node is rebuilt on its own', async () => {
    const { storage, tenant } = fx;
    await storage.createBucket(tenant, 'scrubbed');
    const data = pseudoRandomBytes(500_000, 7);
    await storage.putObject(tenant, 'scrubbed', 'k', [data]);
    const files = await fragmentFiles(fx.nodeDirs);
    const victim = files.find((f) => f.includes('node-3'))!;
    await unlink(victim);
    const background: Background = startBackground(storage, { uploadExpiryHours: 24, scrubIntervalHours: 0.0001 }, quiet);
    try {
      await until(async () => (await fragmentFiles(fx.nodeDirs)).length === files.length, 'the lost fragment is rebuilt');
    } finally {
      await background.stop();
    }
    assert.ok((await collect((await storage.getObject(tenant, 'scrubbed', 'k')).body)).equals(data));
  });

  it('sweeps: an abandoned multipart upload past its expiry is removed with its parts', async () => {
    const { storage, tenant } = fx;
    await storage.createBucket(tenant, 'swept');
    const before = (await fragmentFiles(fx.nodeDirs)).length;
    const upload = await storage.multipart.create(tenant, 'swept', 'never-finished');
    await storage.multipart.uploadPart(tenant, 'swept', 'never-finished', upload.uploadId, 1, [pseudoRandomBytes(300_000, 1)]);
    assert.ok((await fragmentFiles(fx.nodeDirs)).length > before);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const background: Background = startBackground(storage, { uploadExpiryHours: 0.00001, scrubIntervalHours: 0, sweepIntervalMs: 100 }, quiet);
    try {
      await until(async () => (await storage.multipart.list(tenant, 'swept')).uploads.length === 0, 'the upload is expired');
    } finally {
      await background.stop();
    }
    assert.equal((await fragmentFiles(fx.nodeDirs)).length, before);
  });
});
