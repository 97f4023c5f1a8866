/**
 * The FragmentStore contract as node:test cases; every implementation (local dir, S3, IPFS, composites) runs it.
 * Errors are checked by `code`, never `instanceof`, so this file needs only types from @omnigate/core.
 */
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, it } from 'node:test';
import type { FragmentStore, FragmentWriter } from '@omnigate/core';

export interface FragmentStoreFactory {
  setup(): Promise<FragmentStore>;
  teardown(store: FragmentStore): Promise<void>;
  /** Optional: leave the remains of a write interrupted by a crash (what removeIncomplete must sweep). */
  makeIncomplete?(store: FragmentStore): Promise<void>;
}

function hasCode(code: string) {
  return (err: unknown) => {
    assert.equal((err as { code?: unknown }).code, code, `expected code ${code}, got ${String(err)}`);
    return true;
  };
}

async function put(store: FragmentStore, name: string, ...chunks: Buffer[]): Promise<Buffer> {
  const w = await store.create(name);
  for (const c of chunks) await w.write(c);
  const { size } = await w.commit();
  const all = Buffer.concat(chunks);
  assert.equal(size, all.length);
  return all;
}

async function names(store: FragmentStore): Promise<string[]> {
  const out: string[] = [];
  for await (const info of store.list()) out.push(info.name);
  return out.sort();
}

export function fragmentStoreSuite(name: string, factory: FragmentStoreFactory): void {
  describe(`FragmentStore conformance: ${name}`, () => {
    let store: FragmentStore;
    beforeEach(async () => {
      store = await factory.setup();
    });
    afterEach(async () => {
      await factory.teardown(store);
    });

    it('round-trips written bytes and reads any range', async () => {
      const id = randomUUID();
      const data = await put(store, id, randomBytes(1000), randomBytes(1), randomBytes(70_000));
      assert.deepEqual(await store.read(id, 0, data.length), data);
      for (const [off, len] of [[0, 1], [1, 999], [999, 2], [1001, 5000], [data.length - 1, 1], [12_345, 0]] as const) {
        assert.deepEqual(await store.read(id, off, len), data.subarray(off, off + len), `range ${off}+${len}`);
      }
    });

    it('applies writes in call order even when not awaited one by one', async () => {
      const id = randomUUID();
      const parts = Array.from({ length: 50 }, (_, i) => randomBytes(1 + ((i * 7919) % 5000)));
      const w = await store.create(id);
      await Promise.all(parts.map((p) => w.write(p)));
      await w.commit();
      assert.deepEqual(await store.read(id, 0, 1 << 20), Buffer.concat(parts));
    });

    it('keeps bytes invisible until commit', async () => {
      const id = randomUUID();
      const w = await store.create(id);
      await w.write(randomBytes(100));
      await assert.rejects(store.read(id, 0, 10), hasCode('NoSuchKey'));
      assert.equal(await store.stat(id), undefined);
      assert.deepEqual(await names(store), []);
      await w.commit();
      assert.equal((await store.stat(id))?.size, 100);
    });

    it('leaves nothing behind after abort', async () => {
      const id = randomUUID();
      const w = await store.create(id);
      await w.write(randomBytes(4096));
      await w.abort();
      await w.abort(); // idempotent
      await assert.rejects(store.read(id, 0, 10), hasCode('NoSuchKey'));
      assert.deepEqual(await names(store), []);
      assert.equal(await store.removeIncomplete(new Date(Date.now() + 60_000)), 0);
      await assert.rejects(w.write(Buffer.from('x')));
      await assert.rejects(w.commit());
    });

    it('rejects reads of a missing fragment with NoSuchKey', async () => {
      await assert.rejects(store.read(randomUUID(), 0, 1), hasCode('NoSuchKey'));
      await assert.rejects(store.read(randomUUID(), 0, 0), hasCode('NoSuchKey'));
    });

    it('returns the bytes that exist for reads past the end', async () => {
      const id = randomUUID();
      const data = await put(store, id, randomBytes(100));
      assert.deepEqual(await store.read(id, 97, 10), data.subarray(97));
      assert.equal((await store.read(id, 100, 10)).length, 0);
      assert.equal((await store.read(id, 5000, 10)).length, 0);
      assert.deepEqual(await store.read(id, 0, Number.MAX_SAFE_INTEGER), data);
    });

    it('stores empty fragments', async () => {
      const id = randomUUID();
      await put(store, id);
      assert.equal((await store.stat(id))?.size, 0);
      assert.equal((await store.read(id, 0, 10)).length, 0);
    });

    it('deletes idempotently', async () => {
      const id = randomUUID();
      await put(store, id, randomBytes(10));
      await store.delete(id);
      await store.delete(id);
      await store.delete(randomUUID());
      await assert.rejects(store.read(id, 0, 1), hasCode('NoSuchKey'));
      assert.equal(await store.stat(id), undefined);
    });

    it('stats committed fragments', async () => {
      const id = randomUUID();
      const before = Date.now();
      await put(store, id, randomBytes(12_345));
      const info = await store.stat(id);
      assert.ok(info);
      assert.equal(info.name, id);
      assert.equal(info.size, 12_345);
      assert.ok(info.modifiedAt instanceof Date);
      assert.ok(info.modifiedAt.getTime() >= before - 5_000 && info.modifiedAt.getTime() <= Date.now() + 5_000);
      assert.equal(await store.stat(randomUUID()), undefined);
    });

    it('lists committed fragments only', async () => {
      const committed = [randomUUID(), randomUUID(), randomUUID()];
      for (const id of committed) await put(store, id, randomBytes(7));
      const pending = await store.create(randomUUID());
      await pending.write(randomBytes(7));
      const infos = [];
      for await (const info of store.list()) infos.push(info);
      assert.deepEqual(infos.map((i) => i.name).sort(), [...committed].sort());
      assert.ok(infos.every((i) => i.size === 7));
      await pending.abort();
    });

    it('removes only incomplete writes older than the given date', async () => {
      const keep = randomUUID();
      await put(store, keep, randomBytes(10));
      const live = randomUUID();
      const w = await store.create(live);
      await w.write(randomBytes(10));
      // A write younger than the cut-off is not touched and still commits.
      assert.equal(await store.removeIncomplete(new Date(Date.now() - 3_600_000)), 0);
      await w.commit();
      if (factory.makeIncomplete) {
        await factory.makeIncomplete(store);
        assert.equal(await store.removeIncomplete(new Date(Date.now() - 3_600_000)), 0);
        assert.ok((await store.removeIncomplete(new Date(Date.now() + 60_000))) >= 1);
      }
      assert.equal(await store.removeIncomplete(new Date(Date.now() + 60_000)), 0);
      assert.deepEqual(await names(store), [keep, live].sort());
    });

    it('rejects names that are not UUIDs with InvalidArgument', async () => {
      const bad = ['', '.', '..', '../etc/passwd', 'a/b', 'not-a-uuid', `${randomUUID()}/x`, `../${randomUUID()}`,
        `${randomUUID()}\0`, 'x'.repeat(300)];
      for (const n of bad) {
        await assert.rejects(store.create(n), hasCode('InvalidArgument'), JSON.stringify(n));
        await assert.rejects(store.read(n, 0, 1), hasCode('InvalidArgument'), JSON.stringify(n));
        await assert.rejects(store.stat(n), hasCode('InvalidArgument'), JSON.stringify(n));
        await assert.rejects(store.delete(n), hasCode('InvalidArgument'), JSON.stringify(n));
      }
    });

    it('aborts a write through its AbortSignal', async () => {
      const id = randomUUID();
      const controller = new AbortController();
      const w = await store.create(id, { signal: controller.signal });
      await w.write(randomBytes(1000));
      controller.abort();
      await assert.rejects(async () => {
        await w.write(randomBytes(10));
        await w.commit();
      });
      await assert.rejects(store.read(id, 0, 1), hasCode('NoSuchKey'));
      assert.deepEqual(await names(store), []);
      await w.abort();
      assert.equal(await store.removeIncomplete(new Date(Date.now() + 60_000)), 0);
      await assert.rejects(store.create(randomUUID(), { signal: controller.signal }));
    });

    it('runs concurrent writers to different names', async () => {
      const ids = Array.from({ length: 8 }, () => randomUUID());
      const writers: FragmentWriter[] = await Promise.all(ids.map((id) => store.create(id)));
      const expected = ids.map(() => [] as Buffer[]);
      for (let round = 0; round < 5; round++) {
        await Promise.all(writers.map((w, i) => {
          const chunk = randomBytes(1000 + round * 100 + i);
          expected[i]!.push(chunk);
          return w.write(chunk);
        }));
      }
      await Promise.all(writers.map((w) => w.commit()));
      for (const [i, id] of ids.entries()) assert.deepEqual(await store.read(id, 0, 1 << 20), Buffer.concat(expected[i]!));
      assert.deepEqual(await names(store), [...ids].sort());
    });

    it('reports health', async () => {
      const health = await store.health();
      assert.equal(health.healthy, true, health.message);
      assert.equal(typeof store.id, 'string');
      assert.ok(store.id.length > 0);
    });
  });
}
