import assert from 'node:assert/strict';
import { mkdir, open, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Storage, Tenant } from '@omnigate/core';
import { collect, createStorageFixture, fragmentFiles, pseudoRandomBytes, type StorageFixture } from '../helpers/storage-fixture.js';

const SIZES = [0, 1, 100_000, 1_048_304, 3_500_000];

/** Runs `fn` with the given node directories moved away, then puts them back. */
async function nodesGone<T>(fx: StorageFixture, indexes: number[], fn: () => Promise<T>): Promise<T> {
  for (const i of indexes) await rename(fx.nodeDirs[i]!, `${fx.nodeDirs[i]}.gone`);
  try {
    return await fn();
  } finally {
    for (const i of indexes) await rename(`${fx.nodeDirs[i]}.gone`, fx.nodeDirs[i]!);
  }
}

describe('Storage fault tolerance (4+2 over 6 local nodes)', () => {
  let fx: StorageFixture;
  let storage: Storage;
  let tenant: Tenant;
  const originals = new Map<string, Buffer>();
  before(async () => {
    fx = await createStorageFixture();
    ({ storage, tenant } = fx);
    await storage.createBucket(tenant, 'ftol');
    for (const size of SIZES) {
      const data = pseudoRandomBytes(size, size + 11);
      originals.set(`obj-${size}`, data);
      await storage.putObject(tenant, 'ftol', `obj-${size}`, [data]);
    }
  });
  after(() => fx.cleanup());

  async function readAll(): Promise<void> {
    for (const [key, data] of originals) {
      const got = await collect((await storage.getObject(tenant, 'ftol', key)).body);
      assert.ok(got.equals(data), `${key} reads back identically`);
      if (data.length > 10) {
        const { body } = await storage.getObject(tenant, 'ftol', key, { range: { start: 3, end: data.length - 4 } });
        assert.ok((await collect(body)).equals(data.subarray(3, data.length - 3)));
      }
    }
  }

  const withNodesGone = <T>(indexes: number[], fn: () => Promise<T>) => nodesGone(fx, indexes, fn);

  it('reads every object identically with any 2 node directories deleted', async () => {
    for (let a = 0; a < 6; a++) {
      for (let b = a + 1; b < 6; b++) await withNodesGone([a, b], readAll);
    }
  });

  it('reports degraded health when a node is gone', async () => {
    assert.equal((await storage.health()).status, 'ok');
    await withNodesGone([0], async () => {
      const health = await storage.health();
      assert.equal(health.status, 'degraded');
      assert.equal(health.nodes.filter((n) => !n.healthy).map((n) => n.id).join(), 'node-1');
    });
  });

  it('fails clearly, never with wrong bytes, when 3 nodes are gone', async () => {
    await withNodesGone([0, 2, 5], async () => {
      for (const [key, data] of originals) {
        if (data.length === 0) continue;
        await assert.rejects(async () => collect((await storage.getObject(tenant, 'ftol', key)).body), (err: { code?: string; message?: string }) => {
          assert.equal(err.code, 'InsufficientNodes');
          assert.match(err.message ?? '', /fragments/);
          return true;
        });
      }
    });
  });

  it('serves correct bytes past a flipped byte and repair heals the fragment', async () => {
    const files = await fragmentFiles(fx.nodeDirs);
    // Corrupt one byte in every fragment on node-2: a data shard for every object.
    const victims = files.filter((f) => f.includes('node-2'));
    assert.ok(victims.length >= SIZES.length);
    for (const file of victims) {
      const handle = await open(file, 'r+');
      const { size } = await handle.stat();
      if (size > 0) {
        const pos = Math.floor(size / 3);
        const byte = Buffer.alloc(1);
        await handle.read(byte, 0, 1, pos);
        byte[0] = byte[0]! ^ 0xff;
        await handle.write(byte, 0, 1, pos);
      }
      await handle.close();
    }
    await readAll();
    const report = await storage.maintenance.repair();
    assert.ok(report.fragmentsRebuilt >= victims.length - 1, `rebuilt ${report.fragmentsRebuilt}`);
    assert.deepEqual(report.unrecoverable, []);
    const second = await storage.maintenance.repair();
    assert.equal(second.fragmentsRebuilt, 0, 'a second pass finds nothing to heal');
    // The healed node-2 fragments must now carry the data: lose two other nodes and read again.
    await withNodesGone([0, 3], readAll);
  });

  it('a read that meets a corrupt shard resumes where it stopped, checking shards, for every range', async () => {
    // Reads skip shard CRCs and rely on each segment's GCM tag; a failed tag resumes the read at the first byte not yet
    // delivered, with checks. Two corrupt shards in different stripes and fragments make it resume from the middle.
    const data = pseudoRandomBytes(5 * 1024 * 1024 + 321, 77);
    await storage.putObject(tenant, 'ftol', 'resume', [data]);
    const stripeFile = 256 * 1024 + 4; // one shard and its CRC per stripe in every fragment
    const { metadata } = storage.options;
    const row = await metadata.getLiveObject((await metadata.getBucket(tenant.id, 'ftol'))!.id, 'resume');
    const [blob] = await metadata.getBlobs([row!.extents[0]!.blobId]);
    const fragmentPath = (i: number) => join(fx.nodeDirs[i]!, blob!.fragments[i]!.name.slice(0, 2), blob!.fragments[i]!.name);
    for (const [fragment, stripe] of [[0, 1], [2, 3]] as const) {
      const handle = await open(fragmentPath(fragment), 'r+');
      const pos = stripe * stripeFile + 1000;
      const byte = Buffer.alloc(1);
      await handle.read(byte, 0, 1, pos);
      byte[0] = byte[0]! ^ 0x01;
      await handle.write(byte, 0, 1, pos);
      await handle.close();
    }
    for (const [start, end] of [[0, data.length], [1, data.length - 1], [1_300_000, 3_200_000], [3 * 1024 * 1024 + 17, data.length], [5_000_000, 5_000_100]]) {
      const { body } = await storage.getObject(tenant, 'ftol', 'resume', { range: { start, end: end - 1 } });
      assert.ok((await collect(body)).equals(data.subarray(start, end)), `bytes ${start}-${end}`);
    }
  });

  it('rebuilds every fragment of a node whose disk was replaced by an empty one', async () => {
    await rename(fx.nodeDirs[4]!, `${fx.nodeDirs[4]}.lost`);
    await mkdir(fx.nodeDirs[4]!);
    const report = await storage.maintenance.repair();
    assert.ok(report.fragmentsRebuilt >= SIZES.length - 1);
    await withNodesGone([0, 1], readAll);
  });
});

describe('Storage writes with a node down (minWriteFragments 5)', () => {
  let fx: StorageFixture;
  before(async () => { fx = await createStorageFixture({ storage: { minWriteFragments: 5 } }); });
  after(() => fx.cleanup());

  it('writes with a node down as `distributed`, and repair makes the object `safe` once its fragments are back', async () => {
    const data = pseudoRandomBytes(700_000, 99);
    const { storage, tenant } = fx;
    await storage.createBucket(tenant, 'ftol');
    const written = await nodesGone(fx, [2], () => storage.putObject(tenant, 'ftol', 'written-degraded', [data]));
    assert.equal(written.phase, 'distributed');
    assert.equal(written.replicationSafeAt, null);
    const before = Date.now();
    const report = await storage.maintenance.repair();
    assert.equal(report.objectsMadeSafe, 1);
    const info = await storage.headObject(tenant, 'ftol', 'written-degraded');
    assert.equal(info.phase, 'safe');
    assert.ok(info.replicationSafeAt && info.replicationSafeAt.getTime() >= before);
    assert.equal((await storage.maintenance.repair()).objectsMadeSafe, 0);
    await nodesGone(fx, [0, 1], async () => assert.ok((await collect((await storage.getObject(tenant, 'ftol', 'written-degraded')).body)).equals(data)));
  });
});
