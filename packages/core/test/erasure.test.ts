import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, open, readdir, rename, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { after, describe, it } from 'node:test';
import { inspectBlobFragments, readErasureRange, repairBlob, type DamageReason, type ErasureBlob } from '../src/codec/erasure-reader.js';
import { ErasureWriter } from '../src/codec/erasure-writer.js';
import { ReedSolomonCodec } from '../src/codec/reed-solomon.js';
import {
  fragmentSize, shardLength, stripeCount, stripesForRange, type ErasureLayout,
} from '../src/codec/stripe-layout.js';
import type { FragmentStore, FragmentWriter } from '../src/contracts/fragment-store.js';
import { LocalDirFragmentStore } from '../src/fragments/local-dir-store.js';

const roots: string[] = [];
after(async () => {
  await Promise.all(roots.map((r) => rm(r, { recursive: true, force: true })));
});

interface Cluster {
  root: string;
  dirs: string[];
  stores: LocalDirFragmentStore[];
  map: Map<string, FragmentStore>;
}

async function cluster(n: number): Promise<Cluster> {
  const root = await mkdtemp(join(tmpdir(), 'omnigate-ec-'));
  roots.push(root);
  const dirs = Array.from({ length: n }, (_, i) => join(root, `node-${i}`));
  const stores = await Promise.all(dirs.map((dir, i) => LocalDirFragmentStore.open({ id: `node-${i}`, dir })));
  return { root, dirs, stores, map: new Map(stores.map((s) => [s.id, s])) };
}

const names = (n: number) => Array.from({ length: n }, () => randomUUID());

/** Writes `data` in irregular chunks. */
async function store(nodes: FragmentStore[], layout: ErasureLayout, data: Buffer, minFragments?: number): Promise<ErasureBlob> {
  const w = await ErasureWriter.open(nodes, layout, { names: names(nodes.length), minFragments });
  for (let off = 0, i = 0; off < data.length; i++) {
    const n = [1, 7, 100, 4096, 65_536, 300_001][i % 6]!;
    await w.write(data.subarray(off, off + n));
    off += n;
  }
  const { fragments, cipherSize } = await w.finish();
  assert.equal(cipherSize, data.length);
  return { fragments, cipherSize, layout };
}

async function read(map: Map<string, FragmentStore>, blob: ErasureBlob, start = 0, end = blob.cipherSize,
  damage?: [number, number, DamageReason][]): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const b of readErasureRange(map, blob, start, end, { onDamage: (i, j, r) => damage?.push([i, j, r]) })) parts.push(b);
  return Buffer.concat(parts);
}

async function files(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) if (e.isFile()) out.push(join(e.parentPath ?? e.path, e.name));
  return out;
}

function boundaries(c: number, layout: ErasureLayout): number[] {
  const s = layout.shardSize;
  const d = s * layout.dataShards;
  const pts = [0, 1, 7, 8, 9, s - 1, s, s + 1, d - 1, d, d + 1, 2 * d - 1, 2 * d, 2 * d + 5, c - d, c - s, c - 8, c - 1, c];
  return [...new Set(pts.filter((p) => p >= 0 && p <= c))].sort((a, b) => a - b);
}

function fragmentPath(c: Cluster, blob: ErasureBlob, i: number): string {
  const p = blob.fragments[i]!;
  return join(c.dirs[Number(p.node.slice(5))]!, p.name.slice(0, 2), p.name);
}

async function flipByte(path: string, at: number): Promise<void> {
  const fh = await open(path, 'r+');
  const b = Buffer.alloc(1);
  await fh.read(b, 0, 1, at);
  b[0] ^= 0x5a;
  await fh.write(b, 0, 1, at);
  await fh.close();
}

const L4x2: ErasureLayout = { dataShards: 4, parityShards: 2, shardSize: 256 * 1024 };
const S4x2: ErasureLayout = { dataShards: 4, parityShards: 2, shardSize: 64 };
const S3x1: ErasureLayout = { dataShards: 3, parityShards: 1, shardSize: 64 };

describe('stripe layout', () => {
  it('computes stripes, shard lengths and fragment sizes', () => {
    assert.equal(stripeCount(0, S4x2), 0);
    assert.equal(fragmentSize(0, S4x2), 0);
    assert.equal(shardLength(0, 1, S4x2), 8);
    assert.equal(fragmentSize(1, S4x2), 12);
    assert.equal(shardLength(0, 33, S4x2), 16);
    assert.equal(stripeCount(256, S4x2), 1);
    assert.equal(fragmentSize(256, S4x2), 68);
    assert.equal(stripeCount(257, S4x2), 2);
    assert.equal(fragmentSize(257, S4x2), 68 + 12);
    assert.deepEqual(stripesForRange(0, 0, 10, S4x2), { first: 0, end: 0 });
    assert.deepEqual(stripesForRange(255, 257, 1000, S4x2), { first: 0, end: 2 });
    assert.throws(() => stripesForRange(0, 11, 10, S4x2), (e: { code?: string }) => e.code === 'InvalidRange');
  });

  it('refuses empty shards instead of crashing in the addon', async () => {
    const codec = new ReedSolomonCodec(4, 2);
    await assert.rejects(codec.encodeParity(Buffer.alloc(0), Buffer.alloc(0), 0), RangeError);
    await assert.rejects(codec.reconstruct([null, null, null, null, null, null], 8), RangeError);
  });
});

describe('erasure round trips', () => {
  for (const layout of [L4x2, S4x2, S3x1]) {
    const n = layout.dataShards + layout.parityShards;
    const s = layout.shardSize;
    const d = s * layout.dataShards;
    const sizes = [1, 7, 8, s - 1, s, s + 1, d - 1, d, d + 1, 3 * d + 13, ...(s === 64 ? [10_000] : [5 * 1024 * 1024 + 3])];
    it(`${layout.dataShards}+${layout.parityShards} shard ${s}: sizes ${sizes.join(', ')} and ranges at every boundary`, async () => {
      const c = await cluster(n);
      for (const size of sizes) {
        const data = randomBytes(size);
        const blob = await store(c.stores, layout, data);
        assert.ok(blob.fragments.every(Boolean));
        for (const i of blob.fragments.keys()) assert.equal((await stat(fragmentPath(c, blob, i))).size, fragmentSize(size, layout));
        const damage: [number, number, DamageReason][] = [];
        assert.ok((await read(c.map, blob, 0, size, damage)).equals(data), `size ${size}`);
        const pts = boundaries(size, layout);
        for (const p of pts) {
          for (const [a, b] of [[p, size], [0, p], [p, p + 1], [p, p + s + 3], [p, p + 2 * d + 1]]) {
            const e = Math.min(b!, size);
            assert.ok((await read(c.map, blob, a, e, damage)).equals(data.subarray(a, e)), `size ${size} range ${a}..${e}`);
          }
        }
        assert.deepEqual(damage, []);
      }
    });
  }

  it('stores an empty blob as empty fragments', async () => {
    const c = await cluster(6);
    const blob = await store(c.stores, S4x2, Buffer.alloc(0));
    assert.equal((await read(c.map, blob)).length, 0);
    for (const i of blob.fragments.keys()) assert.equal((await stat(fragmentPath(c, blob, i))).size, 0);
  });

  it('works as a Writable in a pipeline', async () => {
    const c = await cluster(6);
    const data = randomBytes(1_000_003);
    const w = await ErasureWriter.open(c.stores, L4x2, { names: names(6) });
    await pipeline(Readable.from([data.subarray(0, 5), data.subarray(5, 700_000), data.subarray(700_000)]), w.toWritable());
    const { fragments, cipherSize } = await w.finish();
    assert.ok((await read(c.map, { fragments, cipherSize, layout: L4x2 })).equals(data));
  });
});

describe('erasure resilience', () => {
  it('reads identical bytes with any two node directories deleted', async () => {
    const c = await cluster(6);
    const data = randomBytes(3 * 256 + 100);
    const small = await store(c.stores, S4x2, data);
    const bigData = randomBytes(2 * 1024 * 1024 + 77);
    const big = await store(c.stores, L4x2, bigData);
    for (let x = 0; x < 6; x++) {
      for (let y = x + 1; y < 6; y++) {
        await rename(c.dirs[x]!, `${c.dirs[x]}.gone`);
        await rename(c.dirs[y]!, `${c.dirs[y]}.gone`);
        try {
          const damage: [number, number, DamageReason][] = [];
          assert.ok((await read(c.map, small, 0, data.length, damage)).equals(data), `lost ${x},${y}`);
          for (const [a, b] of [[0, 1], [255, 257], [300, 800], [data.length - 1, data.length]] as const) {
            assert.ok((await read(c.map, small, a, b, damage)).equals(data.subarray(a, b)), `lost ${x},${y} ${a}..${b}`);
          }
          assert.ok((await read(c.map, big, 0, bigData.length, damage)).equals(bigData), `big, lost ${x},${y}`);
          assert.ok(damage.every(([i, , r]) => (i === x || i === y) && r === 'missing'));
          if (x < 4) assert.ok(damage.some(([i]) => i === x));
        } finally {
          await rename(`${c.dirs[x]}.gone`, c.dirs[x]!);
          await rename(`${c.dirs[y]}.gone`, c.dirs[y]!);
        }
      }
    }
  });

  for (const layout of [S4x2, L4x2]) {
    it(`finds a flipped byte in any fragment, reads around it and repairs it (shard ${layout.shardSize})`, async () => {
      const c = await cluster(6);
      const size = layout.shardSize === 64 ? 1000 : 1024 * 1024 * 3 + 5;
      for (let i = 0; i < 6; i++) {
        const data = randomBytes(size);
        const blob = await store(c.stores, layout, data);
        const fsize = fragmentSize(size, layout);
        const at = [0, fsize - 1, Math.floor(fsize / 2), layout.shardSize + 2][i % 4]!;
        await flipByte(fragmentPath(c, blob, i), at);
        const damage: [number, number, DamageReason][] = [];
        assert.ok((await read(c.map, blob, 0, size, damage)).equals(data));
        const stripe = Math.min(Math.floor(at / (layout.shardSize + 4)), stripeCount(size, layout) - 1);
        // Only shards that carry cipher bytes are read (the last stripe's may be all padding).
        const carries = i < 4 && stripe * 4 * layout.shardSize + i * shardLength(stripe, size, layout) < size;
        assert.deepEqual(damage, carries ? [[i, stripe, 'checksum']] : []);
        const checks = await inspectBlobFragments(c.map, blob);
        assert.deepEqual(checks.map((x) => x.status), [0, 1, 2, 3, 4, 5].map((j) => (j === i ? 'damaged' : 'ok')));
        assert.deepEqual(checks[i]!.badStripes, [stripe]);
        const oldPath = fragmentPath(c, blob, i);
        const result = await repairBlob(c.map, blob, { checks });
        assert.deepEqual(result.rebuilt, [i]);
        assert.equal(result.unrecoverable, false);
        assert.notEqual(result.fragments[i]!.name, blob.fragments[i]!.name);
        assert.equal(result.fragments[i]!.node, blob.fragments[i]!.node);
        await assert.rejects(stat(oldPath));
        const healed = { ...blob, fragments: result.fragments };
        assert.ok((await inspectBlobFragments(c.map, healed)).every((x) => x.status === 'ok'));
        const after: [number, number, DamageReason][] = [];
        assert.ok((await read(c.map, healed, 0, size, after)).equals(data));
        assert.deepEqual(after, []);
      }
    });
  }

  it('creates the parity fragments cold (a store may keep them out of its caches) and the data fragments not', async () => {
    const c = await cluster(6);
    const asked: (boolean | undefined)[] = [];
    const watched = c.stores.map((store, i): FragmentStore => Object.assign(Object.create(store) as FragmentStore, {
      create: (name: string, options?: { cold?: boolean }) => {
        asked[i] = options?.cold;
        return store.create(name, options);
      },
    }));
    const data = randomBytes(300_000);
    const blob = await store(watched, L4x2, data);
    assert.deepEqual(asked, [false, false, false, false, true, true]);
    assert.ok((await read(c.map, blob)).equals(data));
  });

  it('with checkShards: false yields a shard as stored (a flipped byte passes), still rebuilding missing ones', async () => {
    const c = await cluster(6);
    const data = randomBytes(3 * 1024 * 1024 + 5);
    const blob = await store(c.stores, L4x2, data);
    const at = L4x2.shardSize + 4 + 100; // fragment 1, stripe 1, byte 100 of its shard
    await flipByte(fragmentPath(c, blob, 1), at);
    const unchecked = async (b: ErasureBlob) => {
      const parts: Buffer[] = [];
      for await (const part of readErasureRange(c.map, b, 0, b.cipherSize, { checkShards: false })) parts.push(part);
      return Buffer.concat(parts);
    };
    const got = await unchecked(blob);
    const where = 4 * L4x2.shardSize + L4x2.shardSize + 100; // stripe 1, data shard 1
    assert.equal(got[where], data[where]! ^ 0x5a);
    assert.ok(got.subarray(0, where).equals(data.subarray(0, where)) && got.subarray(where + 1).equals(data.subarray(where + 1)));
    assert.ok((await read(c.map, blob)).equals(data), 'the checked read repairs it');
    const lost = { ...blob, fragments: blob.fragments.map((f, i) => (i === 2 ? null : f)) };
    assert.ok((await unchecked(lost)).subarray(0, 2 * L4x2.shardSize).equals(data.subarray(0, 2 * L4x2.shardSize)), 'a missing fragment is still rebuilt');
  });

  it('repairs lost fragments and reports a blob that cannot be repaired', async () => {
    const c = await cluster(6);
    const data = randomBytes(5000);
    const blob = await store(c.stores, S4x2, data);
    await rm(fragmentPath(c, blob, 1));
    await rm(fragmentPath(c, blob, 5));
    const result = await repairBlob(c.map, blob);
    assert.deepEqual(result.rebuilt, [1, 5]);
    const healed = { ...blob, fragments: result.fragments };
    assert.ok((await inspectBlobFragments(c.map, healed)).every((x) => x.status === 'ok'));
    for (const i of [0, 2, 3]) await rm(fragmentPath(c, healed, i));
    const lost = await repairBlob(c.map, healed);
    assert.equal(lost.unrecoverable, true);
    assert.deepEqual(lost.fragments, healed.fragments);
    assert.deepEqual((await files(c.root)).filter((f) => f.slice(c.root.length).includes('/tmp/')), []);
  });

  it('fails with InsufficientNodes, never wrong bytes, when three nodes are lost', async () => {
    const c = await cluster(6);
    const data = randomBytes(4000);
    const blob = await store(c.stores, S4x2, data);
    for (let x = 0; x < 6; x++) for (let y = x + 1; y < 6; y++) for (let z = y + 1; z < 6; z++) {
      const map = new Map([...c.map].filter(([id]) => ![x, y, z].includes(Number(id.slice(5)))));
      const got: Buffer[] = [];
      await assert.rejects(async () => {
        for await (const b of readErasureRange(map, blob, 0, data.length)) got.push(b);
      }, (err: { code?: string; message?: string }) => err.code === 'InsufficientNodes' && /only \d of the 6 fragments/.test(err.message ?? ''));
      const prefix = Buffer.concat(got);
      assert.ok(prefix.equals(data.subarray(0, prefix.length)));
    }
    // Three corrupt shards in one stripe are caught by their CRCs, not decoded into garbage.
    for (const i of [0, 2, 4]) await flipByte(fragmentPath(c, blob, i), 70);
    await assert.rejects(read(c.map, blob), (err: { code?: string }) => err.code === 'InsufficientNodes');
  });
});

/** A FragmentStore that fails on create, on a write past `afterBytes`, or on commit. */
function failing(inner: FragmentStore, mode: 'create' | 'write' | 'commit', afterBytes = 0): FragmentStore {
  return {
    id: inner.id,
    read: (...a) => inner.read(...a),
    delete: (n) => inner.delete(n),
    stat: (n) => inner.stat(n),
    list: (o) => inner.list(o),
    removeIncomplete: (d) => inner.removeIncomplete(d),
    health: () => inner.health(),
    close: () => inner.close(),
    async create(name, options) {
      if (mode === 'create') throw new Error('node down');
      const w = await inner.create(name, options);
      let written = 0;
      const wrapped: FragmentWriter = {
        async write(chunk) {
          written += chunk.length;
          if (mode === 'write' && written > afterBytes) throw new Error('disk on fire');
          return w.write(chunk);
        },
        async commit() {
          if (mode === 'commit') {
            await w.abort();
            throw new Error('commit failed');
          }
          return w.commit();
        },
        abort: () => w.abort(),
      };
      return wrapped;
    },
  };
}

describe('erasure writer failures', () => {
  for (const mode of ['create', 'write', 'commit'] as const) {
    it(`survives one node failing at ${mode} with minFragments 5`, async () => {
      const c = await cluster(6);
      const data = randomBytes(10_000);
      const nodes = c.stores.map((s, i) => (i === 2 ? failing(s, mode, 500) : s));
      const blob = await store(nodes, S4x2, data, 5);
      assert.equal(blob.fragments[2], null);
      assert.ok(blob.fragments.every((p, i) => i === 2 || p));
      assert.ok((await read(c.map, blob)).equals(data));
      assert.deepEqual(await files(c.dirs[2]!), []);
    });

    it(`fails with InsufficientNodes and leaves no file when two nodes fail at ${mode}`, async () => {
      const c = await cluster(6);
      const nodes = c.stores.map((s, i) => (i === 1 || i === 4 ? failing(s, mode, 700) : s));
      let writer: ErasureWriter | undefined;
      await assert.rejects(async () => {
        writer = await ErasureWriter.open(nodes, S4x2, { names: names(6), minFragments: 5 });
        for (let i = 0; i < 100; i++) await writer.write(randomBytes(100));
        await writer.finish();
      }, (err: { code?: string }) => err.code === 'InsufficientNodes');
      await writer?.abort();
      assert.deepEqual(await files(c.root), []);
    });
  }

  it('leaves nothing after abort, before or after finish, or through the AbortSignal', async () => {
    const c = await cluster(6);
    const w1 = await ErasureWriter.open(c.stores, S4x2, { names: names(6) });
    await w1.write(randomBytes(5000));
    await w1.abort();
    await assert.rejects(w1.write(randomBytes(1)));
    assert.deepEqual(await files(c.root), []);

    const w2 = await ErasureWriter.open(c.stores, S4x2, { names: names(6) });
    await w2.write(randomBytes(5000));
    await w2.finish();
    assert.equal((await files(c.root)).length, 6);
    await w2.abort();
    assert.deepEqual(await files(c.root), []);

    const controller = new AbortController();
    const w3 = await ErasureWriter.open(c.stores, L4x2, { names: names(6), signal: controller.signal });
    await w3.write(randomBytes(3 * 1024 * 1024));
    controller.abort();
    await assert.rejects(async () => {
      await w3.write(randomBytes(10));
      await w3.finish();
    }, (err: { code?: string }) => err.code === 'RequestAborted');
    await w3.abort();
    assert.deepEqual(await files(c.root), []);
  });
});
