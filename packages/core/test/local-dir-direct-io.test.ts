import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { constants as fsConstants } from 'node:fs';
import { mkdir, mkdtemp, open, readdir, readFile, readlink, rm, rmdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fragmentStoreSuite } from '../../conformance/src/fragment-store-suite.js';
import type { FragmentWriter } from '../src/contracts/fragment-store.js';
import { AlignedBlockPool, alignedBlocks } from '../src/fragments/aligned-blocks.js';
import { LocalDirFragmentStore } from '../src/fragments/local-dir-store.js';

const O_DIRECT = fsConstants.O_DIRECT;
const MiB = 1024 * 1024;

fragmentStoreSuite('LocalDirFragmentStore (buffered)', {
  async setup() {
    return LocalDirFragmentStore.open({ id: 'node-1', dir: await mkdtemp(join(tmpdir(), 'omnigate-frag-')), directIo: false });
  },
  async teardown(store) {
    await rm((store as LocalDirFragmentStore).dir, { recursive: true, force: true });
  },
});

/** The open flags of this process's descriptors on files whose path contains `part` (from /proc/self/fdinfo). */
async function openFlags(part: string): Promise<number[]> {
  const out: number[] = [];
  for (const fd of await readdir('/proc/self/fd')) {
    const target = await readlink(`/proc/self/fd/${fd}`).catch(() => '');
    if (!target.includes(part)) continue;
    const info = await readFile(`/proc/self/fdinfo/${fd}`, 'utf8').catch(() => '');
    const flags = /^flags:\s+([0-7]+)/m.exec(info);
    if (flags) out.push(parseInt(flags[1]!, 8));
  }
  return out;
}

/** Writes `parts` the way the erasure writer does: a shard and its checksum issued together, not awaited apart. */
async function put(store: LocalDirFragmentStore, name: string, parts: Buffer[]): Promise<Buffer> {
  const w = await store.create(name, { cold: true });
  for (let i = 0; i < parts.length; i += 2) await Promise.all(parts.slice(i, i + 2).map((p) => w.write(p)));
  const all = Buffer.concat(parts);
  assert.equal((await w.commit()).size, all.length);
  return all;
}

/** Shards of 256 KiB, each followed by a 4-byte record, as in a fragment. */
function shardsWithRecords(stripes: number): Buffer[] {
  return Array.from({ length: stripes }, () => [randomBytes(256 * 1024), randomBytes(4)]).flat();
}

const fragmentPath = (store: LocalDirFragmentStore, name: string) => join(store.dir, name.slice(0, 2), name);

describe('LocalDirFragmentStore O_DIRECT', { skip: O_DIRECT === undefined && 'no O_DIRECT on this platform' }, () => {
  /** Runs `fn` with two stores on one temp dir, O_DIRECT allowed and not, then removes the dir. */
  async function withStores(fn: (s: { dir: string; direct: LocalDirFragmentStore; buffered: LocalDirFragmentStore }) => Promise<void>): Promise<void> {
    const dir = await mkdtemp(join(tmpdir(), 'omnigate-frag-'));
    try {
      await fn({
        dir,
        direct: await LocalDirFragmentStore.open({ id: 'n', dir }),
        buffered: await LocalDirFragmentStore.open({ id: 'n', dir, directIo: false }),
      });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  it('writes cold fragments (parity) through O_DIRECT descriptors, other fragments and a directIo: false store buffered', async () => {
    await withStores(async ({ direct, buffered }) => {
      for (const [store, cold, expected] of [[direct, true, O_DIRECT], [direct, false, 0], [buffered, true, 0]] as const) {
        const id = randomUUID();
        const w = await store.create(id, { cold });
        await w.write(randomBytes(5000));
        const flags = await openFlags(id);
        assert.equal(flags.length, 1);
        assert.equal(flags[0]! & O_DIRECT, expected, `directIo ${store.directIo}, cold ${cold}`);
        await w.commit();
      }
    });
  });

  it('reads through buffered descriptors, for the kernel\'s readahead and page cache', async () => {
    await withStores(async ({ dir, direct }) => {
      // FileHandle is not exported; its prototype is reached through an open handle.
      const probe = await open(join(dir, 'probe'), 'w');
      await probe.close();
      const proto = Object.getPrototypeOf(probe) as { read: (...args: unknown[]) => Promise<unknown> };
      const original = proto.read;
      const flags: number[] = [];
      proto.read = async function (this: { fd: number }, ...args: unknown[]) {
        const info = await readFile(`/proc/self/fdinfo/${this.fd}`, 'utf8');
        flags.push(parseInt(/^flags:\s+([0-7]+)/m.exec(info)![1]!, 8));
        return original.apply(this, args);
      };
      try {
        const id = randomUUID();
        const data = await put(direct, id, [randomBytes(10_000)]);
        assert.deepEqual(await direct.read(id, 3, 9000), data.subarray(3, 9003));
        assert.ok(flags.length > 0 && flags.every((f) => (f & O_DIRECT) === 0), `flags ${flags.map((f) => f.toString(8))}`);
      } finally {
        proto.read = original;
      }
    });
  });

  it('writes files byte-identical to buffered ones, and each reads what the other wrote', async () => {
    await withStores(async ({ dir, direct, buffered }) => {
      const cases: [string, Buffer[]][] = [
        ...[0, 1, 4095, 4096, 4097, 512 * 1024, 512 * 1024 + 1].map((n): [string, Buffer[]] => [`${n} bytes`, n ? [randomBytes(n)] : []]),
        ['20 shards with records', shardsWithRecords(20)],
        ['1-byte and odd chunks', [1, 4095, 1, 4097, 8191, 3].map((n) => randomBytes(n))],
      ];
      for (const [label, parts] of cases) {
        const a = randomUUID();
        const b = randomUUID();
        const data = await put(direct, a, parts);
        await put(buffered, b, parts);
        assert.deepEqual(await readFile(fragmentPath(direct, a)), data, `${label}: direct file`);
        assert.deepEqual(await readFile(fragmentPath(buffered, b)), data, `${label}: buffered file`);
        for (const reader of [direct, buffered]) {
          for (const name of [a, b]) {
            assert.deepEqual(await reader.read(name, 0, data.length + 10), data, `${label}: whole`);
            const ranges = [[1, 4094], [4095, 2], [4096, 4096], [data.length - 5, 100], [300_000, 4 * MiB + 12_345]];
            for (const [off, len] of ranges) {
              if (off! < 0) continue;
              assert.deepEqual(await reader.read(name, off!, len!), data.subarray(off!, off! + len!), `${label}: ${off}+${len}`);
            }
          }
        }
      }
      assert.deepEqual(await readdir(join(dir, 'tmp')), []);
      assert.equal(alignedBlocks.stats().inUse, 0);
    });
  });

  it('leaves nothing behind after abort, with block writes in flight', async () => {
    await withStores(async ({ dir, direct }) => {
      const id = randomUUID();
      const w = await direct.create(id, { cold: true });
      await Promise.all(shardsWithRecords(8).map((p) => w.write(p)));
      void w.write(randomBytes(100_000)).catch(() => undefined);
      await w.abort();
      assert.deepEqual(await readdir(join(dir, 'tmp')), []);
      assert.equal(await direct.stat(id), undefined);
      assert.equal(alignedBlocks.stats().inUse, 0);
    });
  });

  it('reuses the same blocks across sequential writers', async () => {
    await withStores(async ({ direct }) => {
      const first = await put(direct, randomUUID(), shardsWithRecords(12));
      const after = alignedBlocks.stats();
      assert.equal(after.inUse, 0);
      for (let i = 0; i < 5; i++) {
        const id = randomUUID();
        const data = await put(direct, id, shardsWithRecords(12));
        assert.deepEqual(await direct.read(id, 1, first.length), data.subarray(1));
      }
      assert.deepEqual(alignedBlocks.stats(), after);
    });
  });

  it('writes buffered while the aligned pool is exhausted', async () => {
    await withStores(async ({ direct }) => {
      const taken: Uint8Array[] = [];
      try {
        for (let b = alignedBlocks.tryAcquire(); b; b = alignedBlocks.tryAcquire()) taken.push(b);
        const id = randomUUID();
        const w = await direct.create(id, { cold: true });
        await w.write(randomBytes(5000));
        assert.equal((await openFlags(id))[0]! & O_DIRECT, 0);
        await w.commit();
        const data = await readFile(fragmentPath(direct, id));
        assert.deepEqual(await direct.read(id, 1, 4999), data.subarray(1));
      } finally {
        for (const b of taken) alignedBlocks.release(b);
      }
    });
  });

  describe('I/O failures', () => {
    async function fileHandleProto(dir: string): Promise<Record<'write' | 'datasync', (...args: unknown[]) => Promise<unknown>>> {
      const fh = await open(join(dir, 'probe'), 'w');
      await fh.close();
      return Object.getPrototypeOf(fh) as Record<'write' | 'datasync', (...args: unknown[]) => Promise<unknown>>;
    }
    const eio = () => Object.assign(new Error('EIO: i/o error'), { code: 'EIO' });

    // The second block write, or commit's datasync (the only one: O_DIRECT writes need no sync-ahead).
    for (const [method, failing] of [['write', 2], ['datasync', 1]] as const) {
      it(`fails the commit when a ${method} fails, and leaves no fragment or temp file`, async () => {
        await withStores(async ({ dir, direct }) => {
          const proto = await fileHandleProto(dir);
          const original = proto[method];
          let calls = 0;
          proto[method] = function (this: unknown, ...args: unknown[]) {
            return ++calls === failing ? Promise.reject(eio()) : original.apply(this, args);
          };
          try {
            const id = randomUUID();
            const w: FragmentWriter = await direct.create(id, { cold: true });
            // 2.5 blocks: two whole block writes while streaming, the tail at commit.
            for (let i = 0; i < 10; i++) await w.write(randomBytes(128 * 1024)).catch(() => undefined);
            if (method === 'datasync') assert.equal(calls, 0, 'no datasync before commit');
            await assert.rejects(w.commit(), (err: { code?: string }) => err.code === 'EIO');
            await assert.rejects(w.write(Buffer.from('x')));
            assert.equal(await direct.stat(id), undefined);
            assert.deepEqual(await readdir(join(dir, 'tmp')), []);
            assert.equal(alignedBlocks.stats().inUse, 0);
          } finally {
            proto[method] = original;
          }
        });
      });
    }
  });
});

/**
 * A directory on a filesystem that refuses O_DIRECT: /dev/shm on Linux before 6.6, else a ramfs mounted for the
 * test when running as root. Undefined when neither is possible here.
 */
async function refusingDir(): Promise<{ dir: string; cleanup: () => Promise<void> } | undefined> {
  const refuses = async (dir: string) => {
    const probe = join(dir, `omnigate-probe-${randomUUID()}`);
    const fh = await open(probe, fsConstants.O_WRONLY | fsConstants.O_CREAT | O_DIRECT!).catch((err: NodeJS.ErrnoException) => err.code);
    await rm(probe, { force: true });
    if (typeof fh === 'string') return fh === 'EINVAL';
    await fh.close();
    return false;
  };
  if (await refuses('/dev/shm').catch(() => false)) {
    const dir = await mkdtemp('/dev/shm/omnigate-frag-');
    return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
  }
  if (process.getuid?.() !== 0) return undefined;
  const mount = await mkdtemp(join(tmpdir(), 'omnigate-ramfs-'));
  try {
    execFileSync('mount', ['-t', 'ramfs', 'omnigate-test', mount], { stdio: 'ignore' });
  } catch {
    await rmdir(mount);
    return undefined;
  }
  const cleanup = async () => {
    execFileSync('umount', [mount]);
    await rmdir(mount);
  };
  if (await refuses(mount)) return { dir: join(mount, 'node'), cleanup };
  await cleanup();
  return undefined;
}

describe('LocalDirFragmentStore where the filesystem refuses O_DIRECT', { skip: O_DIRECT === undefined && 'no O_DIRECT on this platform' }, () => {
  it('falls back to buffered writes and reads, with the same bytes', async (t) => {
    const place = await refusingDir();
    if (!place) return t.skip('no filesystem here refuses O_DIRECT (needs Linux < 6.6 or root for a ramfs)');
    try {
      await mkdir(place.dir, { recursive: true });
      const store = await LocalDirFragmentStore.open({ id: 'n', dir: place.dir });
      const id = randomUUID();
      const w = await store.create(id, { cold: true });
      const data = Buffer.concat(shardsWithRecords(3));
      await w.write(data);
      const flags = await openFlags(id);
      assert.equal(flags.length, 1);
      assert.equal(flags[0]! & O_DIRECT, 0);
      await w.commit();
      assert.deepEqual(await store.read(id, 0, data.length), data);
      assert.deepEqual(await store.read(id, 4097, 300_000), data.subarray(4097, 304_097));
      const aborted = await store.create(randomUUID(), { cold: true });
      await aborted.write(randomBytes(10_000));
      await aborted.abort();
      assert.deepEqual(await readdir(join(place.dir, 'tmp')), []);
      assert.deepEqual((await readdir(place.dir)).sort(), [id.slice(0, 2), 'tmp'].sort());
      assert.equal(alignedBlocks.stats().inUse, 0);
    } finally {
      await place.cleanup();
    }
  });
});

describe('AlignedBlockPool', () => {
  it('carves blocks from fixed arenas, stops at its limit and keeps a bounded number of idle arenas', () => {
    const pool = new AlignedBlockPool(16 * 1024, 64 * 1024, 3, 1);
    const blocks = Array.from({ length: 12 }, () => pool.tryAcquire());
    assert.ok(blocks.every((b) => b !== null && b.length === 16 * 1024 && b.byteOffset % 4096 === 0));
    assert.equal(new Set(blocks.map((b) => b!.buffer)).size, 3);
    assert.equal(pool.tryAcquire(), null);
    assert.deepEqual(pool.stats(), { arenas: 3, inUse: 12, idle: 0 });
    for (const b of blocks) pool.release(b!);
    assert.deepEqual(pool.stats(), { arenas: 1, inUse: 0, idle: 4 });
    // The oldest arena is the one kept, and it serves the next burst.
    assert.equal(pool.tryAcquire()!.buffer, blocks[0]!.buffer);
    assert.equal(pool.stats().arenas, 1);
  });
});
