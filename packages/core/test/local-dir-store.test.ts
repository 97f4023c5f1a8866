import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, open, readdir, rm, utimes, writeFile } from 'node:fs/promises';
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

describe('LocalDirFragmentStore sync-ahead (buffered writes)', () => {
  // FileHandle is not exported; its prototype is reached through an open handle.
  async function fileHandleProto(dir: string): Promise<{ datasync: () => Promise<void> }> {
    const fh = await open(join(dir, 'probe'), 'w');
    await fh.close();
    return Object.getPrototypeOf(fh) as { datasync: () => Promise<void> };
  }

  it('starts datasyncs while the fragment is still being written, and commits the same bytes', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'omnigate-frag-'));
    const proto = await fileHandleProto(dir);
    const original = proto.datasync;
    const syncedAt: number[] = [];
    let written = 0;
    proto.datasync = function (this: unknown) {
      syncedAt.push(written);
      return original.call(this);
    };
    try {
      const store = await LocalDirFragmentStore.open({ id: 'n', dir, syncAheadBytes: 64 * 1024, directIo: false });
      const id = randomUUID();
      const w = await store.create(id);
      const data = randomBytes(1024 * 1024);
      for (let at = 0; at < data.length; at += 16 * 1024) {
        await w.write(data.subarray(at, at + 16 * 1024));
        written = at + 16 * 1024;
      }
      await w.commit();
      const early = syncedAt.filter((at) => at < data.length);
      // At least the one started after the first 64 KiB; how many more depends on how fast the disk answers.
      assert.ok(early.length >= 1 && early[0]! < 128 * 1024, `expected a datasync during the write, got them at ${syncedAt.join(', ')}`);
      assert.equal(syncedAt.at(-1), data.length, 'commit still syncs the tail');
      assert.deepEqual(await store.read(id, 0, data.length), data);
    } finally {
      proto.datasync = original;
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('fails the commit when a background datasync failed, and leaves no fragment or temp file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'omnigate-frag-'));
    const proto = await fileHandleProto(dir);
    const original = proto.datasync;
    let calls = 0;
    // The first (background) sync reports the writeback error; the next one, as Linux does, reports success.
    proto.datasync = function (this: unknown) {
      calls++;
      return calls === 1 ? Promise.reject(Object.assign(new Error('EIO: i/o error, fdatasync'), { code: 'EIO' })) : original.call(this);
    };
    try {
      const store = await LocalDirFragmentStore.open({ id: 'n', dir, syncAheadBytes: 64 * 1024, directIo: false });
      const id = randomUUID();
      const w = await store.create(id);
      await w.write(randomBytes(128 * 1024)).catch(() => undefined);
      await new Promise((resolve) => setTimeout(resolve, 50));
      await w.write(randomBytes(16 * 1024)).catch(() => undefined);
      await assert.rejects(w.commit(), (err: { code?: string }) => err.code === 'EIO');
      assert.equal(calls, 1, 'no later datasync was trusted instead');
      assert.equal(await store.stat(id), undefined);
      assert.deepEqual(await readdir(join(dir, 'tmp')), []);
    } finally {
      proto.datasync = original;
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('refuses a negative or fractional syncAheadBytes', async () => {
    for (const syncAheadBytes of [-1, 1.5]) {
      await assert.rejects(LocalDirFragmentStore.open({ id: 'n', dir: tmpdir(), syncAheadBytes }), (err: { code?: string }) => err.code === 'InvalidArgument');
    }
  });
});
