import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtemp, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fragmentStoreSuite } from '../../conformance/src/fragment-store-suite.js';
import { LocalDirFragmentStore } from '../src/fragments/local-dir-store.js';

fragmentStoreSuite('LocalDirFragmentStore', {
  async setup() {
    return LocalDirFragmentStore.open({ id: 'node-1', dir: await mkdtemp(join(tmpdir(), 'omnigate-frag-')) });
  },
  async teardown(store) {
    await store.close();
    await rm((store as LocalDirFragmentStore).dir, { recursive: true, force: true });
  },
  async makeIncomplete(store) {
    // What a crash mid-write leaves: a .part file nobody in this process owns.
    const part = join((store as LocalDirFragmentStore).dir, 'tmp', `${randomUUID()}.0123456789ab.part`);
    await writeFile(part, 'partial');
    const old = new Date(Date.now() - 60_000);
    await utimes(part, old, old);
  },
});

describe('LocalDirFragmentStore layout', () => {
  it('keeps fragments under <dir>/<first two chars>/<name> and reports an unusable directory', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'omnigate-frag-'));
    try {
      const store = await LocalDirFragmentStore.open({ id: 'n', dir });
      const id = randomUUID();
      const w = await store.create(id);
      await w.write(Buffer.from('hello'));
      await w.commit();
      assert.deepEqual(await readdir(join(dir, id.slice(0, 2))), [id]);
      assert.deepEqual(await readdir(join(dir, 'tmp')), []);
      await assert.rejects(store.create(id.toUpperCase()), (err: { code?: string }) => err.code === 'InvalidArgument');
      await rm(dir, { recursive: true, force: true });
      assert.equal((await store.health()).healthy, false);
      await assert.rejects(store.read(id, 0, 5), (err: { code?: string }) => err.code === 'NoSuchKey');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
