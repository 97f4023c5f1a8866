import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { segmentedAead, type Storage, type Tenant } from '@omnigate/core';
import { collect, createStorageFixture, fragmentFiles, pseudoRandomBytes, type StorageFixture } from '../helpers/storage-fixture.js';

const INLINE = 128 * 1024;
/** Largest plaintext whose ciphertext (16-byte header + 16-byte tag per 64 KiB segment) fits INLINE exactly. */
const INLINE_PLAIN = INLINE - 16 - 2 * 16;

for (const dialect of ['sqlite', 'postgres'] as const) {
  describe(`Small objects inline in metadata (${dialect})`, () => {
    let fx: StorageFixture;
    let storage: Storage;
    let tenant: Tenant;
    before(async () => {
      fx = await createStorageFixture({ dialect, storage: { inlineMaxBytes: INLINE, minPartSize: 1 } });
      ({ storage, tenant } = fx);
      await storage.createBucket(tenant, 'inline');
    });
    after(() => fx.cleanup());

    it('stores objects up to the threshold without a fragment file, and larger ones as fragments', async () => {
      for (const size of [0, 1, 4096, INLINE_PLAIN - 1, INLINE_PLAIN]) {
        const data = pseudoRandomBytes(size, size);
        const info = await storage.putObject(tenant, 'inline', `k${size}`, [data], { size });
        assert.equal(info.etag, createHash('md5').update(data).digest('hex'));
        assert.equal(info.phase, 'safe');
        assert.deepEqual(await fragmentFiles(fx.nodeDirs), [], `${size} bytes stay inline`);
        assert.ok((await collect((await storage.getObject(tenant, 'inline', `k${size}`)).body)).equals(data));
        if (size > 2) {
          const { body } = await storage.getObject(tenant, 'inline', `k${size}`, { range: { start: 1, end: size - 2 } });
          assert.ok((await collect(body)).equals(data.subarray(1, size - 1)));
        }
      }
      const big = pseudoRandomBytes(INLINE_PLAIN + 1, 9);
      await storage.putObject(tenant, 'inline', 'big', [big]);
      assert.equal((await fragmentFiles(fx.nodeDirs)).length, 6, 'one byte over the threshold goes to the nodes');
      assert.ok((await collect((await storage.getObject(tenant, 'inline', 'big')).body)).equals(big));
    });

    it('supersedes, copies, deletes and survives a restart like any object', async () => {
      const first = await storage.putObject(tenant, 'inline', 'doc', [Buffer.from('one')]);
      await storage.putObject(tenant, 'inline', 'doc', [Buffer.from('two')]);
      assert.equal((await storage.headObjectById(first.fileId)).state, 'cancelled');
      assert.deepEqual(await storage.options.metadata.getBlobs([]), []);
      await storage.copyObject(tenant, { bucket: 'inline', key: 'doc' }, { bucket: 'inline', key: 'doc-copy' });
      await storage.deleteObject(tenant, 'inline', 'doc');
      const reopened = await fx.reopen({ inlineMaxBytes: INLINE });
      assert.equal((await collect((await reopened.getObject(tenant, 'inline', 'doc-copy')).body)).toString(), 'two');
      const report = await reopened.maintenance.repair();
      assert.deepEqual(report.unrecoverable, []);
      assert.equal(report.fragmentsRebuilt, 0);
    });

    it('keeps small multipart parts and client-sealed uploads inline too', async () => {
      const upload = await storage.multipart.create(tenant, 'inline', 'parts');
      await storage.multipart.uploadPart(tenant, 'inline', 'parts', upload.uploadId, 2, [Buffer.from('world')]);
      await storage.multipart.uploadPart(tenant, 'inline', 'parts', upload.uploadId, 1, [Buffer.from('hello ')]);
      await storage.multipart.complete(tenant, 'inline', 'parts', upload.uploadId, [{ partNumber: 1 }, { partNumber: 2 }]);
      assert.equal((await collect((await storage.getObject(tenant, 'inline', 'parts', { range: { start: 3, end: 8 } })).body)).toString(), 'lo wor');

      const key = Buffer.alloc(32, 5);
      const sealed = segmentedAead.sealBuffer(key, Buffer.from('client secret'), { segmentSize: 4096 });
      await storage.putObject(tenant, 'inline', 'sealed', [sealed], { clientKey: key });
      assert.equal((await collect((await storage.getObject(tenant, 'inline', 'sealed')).body)).toString(), 'client secret');
      await assert.rejects(storage.putObject(tenant, 'inline', 'sealed-bad', [Buffer.from('plain text, not sealed')], { clientKey: key }), { code: 'InvalidCiphertext' });
      await assert.rejects(storage.headObject(tenant, 'inline', 'sealed-bad'), { code: 'NoSuchKey' });
    });

    it('reads a small declared-size body whole with the streamed path\'s checks: too long, too short, every byte seen', async () => {
      await assert.rejects(storage.putObject(tenant, 'inline', 'long', [Buffer.alloc(6), Buffer.alloc(5)], { size: 10 }), { code: 'InvalidArgument' });
      await assert.rejects(storage.putObject(tenant, 'inline', 'short', [Buffer.alloc(10)], { size: 11 }), { code: 'IncompleteBody' });
      for (const key of ['long', 'short']) await assert.rejects(storage.headObject(tenant, 'inline', key), { code: 'NoSuchKey' });
      const data = pseudoRandomBytes(70_000, 7); // two segments, in uneven chunks
      const seen: Buffer[] = [];
      const filesBefore = (await fragmentFiles(fx.nodeDirs)).length;
      const info = await storage.putObject(tenant, 'inline', 'chunks', [data.subarray(0, 1), data.subarray(1, 65_537), data.subarray(65_537)], {
        size: data.length, onPlaintext: (chunk) => seen.push(Buffer.from(chunk)),
      });
      assert.ok(Buffer.concat(seen).equals(data));
      assert.equal(info.sha256, createHash('sha256').update(data).digest('hex'));
      assert.equal((await fragmentFiles(fx.nodeDirs)).length, filesBefore, 'stored inline');
      assert.ok((await collect((await storage.getObject(tenant, 'inline', 'chunks', { range: { start: 65_530, end: 65_545 } })).body)).equals(data.subarray(65_530, 65_546)));
    });

    it('refuses a tampered inline blob when the read is opened, before any body byte', async () => {
      const info = await storage.putObject(tenant, 'inline', 'tampered', [pseudoRandomBytes(5000, 3)]);
      const row = await storage.options.metadata.getLiveObject((await storage.options.metadata.getBucket(tenant.id, 'inline'))!.id, 'tampered');
      const blobId = row!.extents[0]!.blobId;
      const [blob] = await storage.options.metadata.getBlobs([blobId]);
      const bad = Buffer.from(blob!.inline!);
      bad[100]! ^= 1;
      const db = (storage.options.metadata as unknown as { db: { updateTable(t: string): any } }).db;
      await db.updateTable('blobs').set({ inline_data: bad }).where('id', '=', blobId).execute();
      await assert.rejects(storage.getObject(tenant, 'inline', 'tampered'), { code: 'InvalidCiphertext' });
      await assert.rejects(storage.getObject(tenant, 'inline', 'tampered', { range: { start: 4000, end: 4099 } }), { code: 'InvalidCiphertext' });
      assert.equal((await storage.headObject(tenant, 'inline', 'tampered')).etag, info.etag);
    });
  });
}
