import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Storage, Tenant } from '@omnigate/core';
import { createStorageFixture, type StorageFixture } from '../helpers/storage-fixture.js';

/** Keys chosen to catch ordering bugs: byte-wise UTF-8 order, LIKE metacharacters, delimiters at every depth. */
const KEYS = [
  'a', 'a/', 'a/b', 'a/b/c', 'a/b/d', 'a/c', 'a%b', 'a_b', 'a\\b', 'ab', 'b/1', 'b/2', 'b/3/x',
  'photos/2024/jan.jpg', 'photos/2024/feb.jpg', 'photos/2025/mar.jpg', 'photos/readme', 'z', 'é', 'Ω', '😀', 'Z', '0',
];

function byteOrder(keys: string[]): string[] {
  return [...keys].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y)));
}

for (const dialect of ['sqlite', 'postgres'] as const) {
  describe(`Storage listing (${dialect})`, () => {
    let fx: StorageFixture;
    let storage: Storage;
    let tenant: Tenant;
    before(async () => {
      fx = await createStorageFixture({ dialect });
      ({ storage, tenant } = fx);
      await storage.createBucket(tenant, 'list');
      for (const key of KEYS) await storage.putObject(tenant, 'list', key, [Buffer.from(key)]);
    });
    after(() => fx.cleanup());

    /** Pages through with `limit`, feeding nextMarker back, as S3 clients do with continuation tokens. */
    async function listAll(options: { prefix?: string; delimiter?: string; limit: number; startAfter?: string }) {
      const keys: string[] = [];
      const prefixes: string[] = [];
      let startAfter = options.startAfter;
      for (let pages = 0; pages < 100; pages++) {
        const page = await storage.listObjects(tenant, 'list', { ...options, startAfter });
        assert.ok(page.objects.length + page.commonPrefixes.length <= options.limit);
        keys.push(...page.objects.map((o) => o.key));
        prefixes.push(...page.commonPrefixes);
        if (!page.isTruncated) return { keys, prefixes };
        startAfter = page.nextMarker;
      }
      throw new Error('listing did not end');
    }

    it('lists every key in byte-wise UTF-8 order, at any page size', async () => {
      for (const limit of [1, 2, 3, 7, 1000]) {
        const { keys, prefixes } = await listAll({ limit });
        assert.deepEqual(keys, byteOrder(KEYS), `limit ${limit}`);
        assert.deepEqual(prefixes, []);
      }
    });

    it('filters by prefix, including LIKE metacharacters', async () => {
      assert.deepEqual((await listAll({ prefix: 'a%', limit: 10 })).keys, ['a%b']);
      assert.deepEqual((await listAll({ prefix: 'a_', limit: 10 })).keys, ['a_b']);
      assert.deepEqual((await listAll({ prefix: 'a\\', limit: 10 })).keys, ['a\\b']);
      assert.deepEqual((await listAll({ prefix: 'photos/2024/', limit: 1 })).keys, ['photos/2024/feb.jpg', 'photos/2024/jan.jpg']);
      assert.deepEqual((await listAll({ prefix: 'nothing', limit: 10 })).keys, []);
    });

    it('rolls keys up into common prefixes that count as one entry each', async () => {
      const expected = {
        keys: byteOrder(KEYS.filter((k) => !k.includes('/'))),
        prefixes: ['a/', 'b/', 'photos/'],
      };
      for (const limit of [1, 2, 5, 1000]) {
        const got = await listAll({ delimiter: '/', limit });
        assert.deepEqual(got.keys, expected.keys, `limit ${limit}`);
        assert.deepEqual(got.prefixes, expected.prefixes, `limit ${limit}`);
      }
      for (const limit of [1, 1000]) {
        assert.deepEqual(await listAll({ prefix: 'photos/', delimiter: '/', limit }), { keys: ['photos/readme'], prefixes: ['photos/2024/', 'photos/2025/'] });
        assert.deepEqual(await listAll({ prefix: 'a/', delimiter: '/', limit }), { keys: ['a/', 'a/b', 'a/c'], prefixes: ['a/b/'] });
      }
      assert.deepEqual(await listAll({ delimiter: 'b', limit: 1000, prefix: 'a' }), { keys: ['a', 'a/', 'a/c'], prefixes: ['a%b', 'a/b', 'a\\b', 'a_b', 'ab'] });
    });

    it('starts after a key or after a common prefix marker', async () => {
      assert.deepEqual((await listAll({ startAfter: 'photos/readme', limit: 1000 })).keys, byteOrder(KEYS).filter((k) => Buffer.compare(Buffer.from(k), Buffer.from('photos/readme')) > 0));
      const afterPrefix = await listAll({ delimiter: '/', startAfter: 'a/', limit: 1000 });
      assert.ok(!afterPrefix.prefixes.includes('a/'));
      assert.deepEqual(afterPrefix.prefixes, ['b/', 'photos/']);
      const page = await storage.listObjects(tenant, 'list', { limit: 0 });
      assert.equal(page.objects.length, 0);
    });

    it('lists 1,500 keys across pages of at most 1000', async () => {
      await storage.createBucket(tenant, 'many');
      for (let i = 0; i < 1500; i++) await storage.putObject(tenant, 'many', `k${String(i).padStart(5, '0')}`, [Buffer.alloc(0)]);
      const first = await storage.listObjects(tenant, 'many', { limit: 5000 });
      assert.equal(first.objects.length, 1000);
      assert.equal(first.isTruncated, true);
      const second = await storage.listObjects(tenant, 'many', { startAfter: first.nextMarker });
      assert.equal(second.objects.length, 500);
      assert.equal(second.isTruncated, false);
      assert.equal(second.objects.at(-1)?.key, 'k01499');
    });
  });
}
