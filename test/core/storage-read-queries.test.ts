import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { BlobRow, ByteRange, MetadataStore, Storage, Tenant } from '@omnigate/core';
import { openSqlMetadataStore } from '@omnigate/metadata-sql';
import { collect, createStorageFixture, type StorageFixture } from '../helpers/storage-fixture.js';

/** `store` with the name of every method called recorded in `calls`; `override` replaces methods (undefined removes one). */
function observed(store: MetadataStore, override: Partial<Record<keyof MetadataStore, unknown>> = {}) {
  const calls: string[] = [];
  const metadata = new Proxy(store, {
    get(target, name) {
      const own = Object.hasOwn(override, name);
      const value: unknown = own ? override[name as keyof MetadataStore] : Reflect.get(target, name);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        calls.push(String(name));
        return value.apply(own ? undefined : target, args);
      };
    },
  });
  return { metadata, calls };
}

for (const dialect of ['sqlite', 'postgres'] as const) {
  describe(`Metadata statements of a read (${dialect})`, () => {
    let fx: StorageFixture;
    let tenant: Tenant;
    /** Opens a Storage over the fixture's data whose metadata calls are recorded. */
    const open = async (override?: Partial<Record<keyof MetadataStore, unknown>>): Promise<{ storage: Storage; calls: string[] }> => {
      const { metadata, calls } = observed(await openSqlMetadataStore({ url: fx.databaseUrl }), override);
      const storage = await fx.reopen({ metadata });
      calls.length = 0;
      return { storage, calls };
    };
    const read = async (storage: Storage, key: string, range?: ByteRange) =>
      (await collect((await storage.getObject(tenant, 'reads', key, { range })).body)).toString();

    before(async () => {
      fx = await createStorageFixture({ dialect, storage: { inlineMaxBytes: 64 * 1024, minPartSize: 1 } });
      const { storage } = fx;
      ({ tenant } = fx);
      await storage.createBucket(tenant, 'reads');
      await storage.putObject(tenant, 'reads', 'small', [Buffer.from('small object')]);
      await storage.putObject(tenant, 'reads', 'decoy', [Buffer.from('another object')]);
      await storage.putObject(tenant, 'reads', 'large', [Buffer.alloc(100_000, 'L')]); // fragments, not inline
      const upload = await storage.multipart.create(tenant, 'reads', 'parts');
      await storage.multipart.uploadPart(tenant, 'reads', 'parts', upload.uploadId, 1, [Buffer.from('first ')]);
      await storage.multipart.uploadPart(tenant, 'reads', 'parts', upload.uploadId, 2, [Buffer.from('second')]);
      await storage.multipart.complete(tenant, 'reads', 'parts', upload.uploadId, [{ partNumber: 1 }, { partNumber: 2 }]);
    });
    after(() => fx.cleanup());

    it('a GET of a single-extent object is one statement, its blob read with it; a HEAD asks for no blob', async () => {
      const { storage, calls } = await open();
      assert.equal(await read(storage, 'small'), 'small object');
      assert.equal(await read(storage, 'small', { start: 6, end: 9 }), 'obje');
      assert.equal(await read(storage, 'large', { suffix: 2 }), 'LL');
      assert.deepEqual(calls, Array(3).fill('getBucketAndLiveObject'));
      calls.length = 0;
      const info = await storage.headObject(tenant, 'reads', 'small');
      await assert.rejects(storage.getObject(tenant, 'reads', 'small', { conditions: { ifNoneMatch: info.etag } }), { code: 'NotModified' });
      await assert.rejects(storage.getObject(tenant, 'reads', 'small', { conditions: { ifMatch: '"0"' } }), { code: 'PreconditionFailed' });
      assert.deepEqual(calls, Array(3).fill('getBucketAndLiveObject'));
      calls.length = 0;
      assert.equal(await read(storage, 'parts'), 'first second');
      assert.deepEqual(calls, ['getBucketAndLiveObject', 'getBlobs'], 'several extents: their blobs are a second statement');
    });

    it('HEAD leaves the blob out of the query and GET asks for it', async () => {
      const asked: unknown[] = [];
      const { storage } = await open({
        getBucketAndLiveObject: async (...args: Parameters<NonNullable<MetadataStore['getBucketAndLiveObject']>>) => {
          asked.push(args[3]?.withBlob);
          return fx.storage.options.metadata.getBucketAndLiveObject!(...args);
        },
      });
      await storage.headObject(tenant, 'reads', 'small');
      await read(storage, 'small');
      assert.deepEqual(asked, [false, true]);
    });

    it('a blob row the store returns for another blob is not read: the object\'s own is looked up', async () => {
      const main = fx.storage.options.metadata;
      const decoy = (await main.getBucketAndLiveObject!(tenant.id, 'reads', 'decoy', { withBlob: true }))!.blob as BlobRow;
      assert.ok(decoy);
      const { storage, calls } = await open({
        getBucketAndLiveObject: async (...args: Parameters<NonNullable<MetadataStore['getBucketAndLiveObject']>>) => ({ ...(await main.getBucketAndLiveObject!(...args))!, blob: decoy }),
      });
      assert.equal(await read(storage, 'small'), 'small object');
      assert.deepEqual(calls, ['getBucketAndLiveObject', 'getBlobs']);
    });

    it('a store without getBucketAndLiveObject still serves GET and HEAD, with getBucket, getLiveObject and getBlobs', async () => {
      const { storage, calls } = await open({ getBucketAndLiveObject: undefined });
      assert.equal(await read(storage, 'small'), 'small object');
      assert.deepEqual(calls, ['getBucket', 'getLiveObject', 'getBlobs']);
      assert.equal((await storage.headObject(tenant, 'reads', 'parts')).size, 12);
    });
  });
}
