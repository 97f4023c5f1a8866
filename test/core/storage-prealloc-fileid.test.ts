import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { segmentedAead, type Storage, type Tenant } from '@omnigate/core';
import { collect, createStorageFixture, fragmentFiles, pseudoRandomBytes, type StorageFixture } from '../helpers/storage-fixture.js';

// ZiB hands out the file_id at initiate, before any byte arrives: putObject and multipart complete accept it.
for (const dialect of ['sqlite', 'postgres'] as const) {
  describe(`Storage pre-allocated fileId (${dialect})`, () => {
    let fx: StorageFixture;
    let storage: Storage;
    let tenant: Tenant;
    before(async () => {
      fx = await createStorageFixture({ dialect });
      ({ storage, tenant } = fx);
      await storage.createBucket(tenant, 'pre');
    });
    after(() => fx.cleanup());

    it('putObject commits under the given fileId, client ciphertext included', async () => {
      const fileId = randomUUID();
      const key = Buffer.alloc(segmentedAead.KEY_SIZE, 7);
      const plain = pseudoRandomBytes(100_000, 1);
      const sealed = segmentedAead.sealBuffer(key, plain, { streamIndex: 0 });
      const info = await storage.putObject(tenant, 'pre', 'a', [sealed], { fileId, clientKey: key, size: plain.length });
      assert.equal(info.fileId, fileId);
      assert.deepEqual(await collect((await storage.getObjectById(fileId)).body), plain);
    });

    it('multipart complete commits under the given fileId', async () => {
      const fileId = randomUUID();
      const up = await storage.multipart.create(tenant, 'pre', 'b');
      await storage.multipart.uploadPart(tenant, 'pre', 'b', up.uploadId, 1, [Buffer.from('hello ')]);
      await storage.multipart.uploadPart(tenant, 'pre', 'b', up.uploadId, 2, [Buffer.from('world')]);
      const info = await storage.multipart.complete(tenant, 'pre', 'b', up.uploadId, [{ partNumber: 1 }, { partNumber: 2 }], { minPartSize: 0, fileId });
      assert.equal(info.fileId, fileId);
      assert.equal((await collect((await storage.getObjectById(fileId)).body)).toString(), 'hello world');
    });

    it('refuses a used or malformed fileId before storing anything', async () => {
      const used = (await storage.putObject(tenant, 'pre', 'c', [Buffer.from('x')])).fileId;
      const files = (await fragmentFiles(fx.nodeDirs)).length;
      await assert.rejects(storage.putObject(tenant, 'pre', 'd', [Buffer.from('y')], { fileId: used }), { code: 'InvalidArgument' });
      await assert.rejects(storage.putObject(tenant, 'pre', 'd', [Buffer.from('y')], { fileId: 'not-a-uuid' }), { code: 'InvalidArgument' });
      const up = await storage.multipart.create(tenant, 'pre', 'e');
      await storage.multipart.uploadPart(tenant, 'pre', 'e', up.uploadId, 1, [Buffer.from('z')]);
      await assert.rejects(storage.multipart.complete(tenant, 'pre', 'e', up.uploadId, [{ partNumber: 1 }], { fileId: used }), { code: 'InvalidArgument' });
      await assert.rejects(storage.headObject(tenant, 'pre', 'd'), { code: 'NoSuchKey' });
      await assert.rejects(storage.headObject(tenant, 'pre', 'e'), { code: 'NoSuchKey' });
      assert.equal((await fragmentFiles(fx.nodeDirs)).length, files + 6, 'only the open part\'s fragments were added');
    });
  });
}
