import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { Storage, Tenant } from '@omnigate/core';
import { collect, createStorageFixture, fragmentFiles, pseudoRandomBytes, type StorageFixture } from '../helpers/storage-fixture.js';

const MIN = 64 * 1024; // minPartSize for these tests, so parts stay small

function md5(data: Buffer): string {
  return createHash('md5').update(data).digest('hex');
}

for (const dialect of ['sqlite', 'postgres'] as const) {
  describe(`Storage multipart (${dialect})`, () => {
    let fx: StorageFixture;
    let storage: Storage;
    let tenant: Tenant;
    before(async () => {
      fx = await createStorageFixture({ dialect, storage: { minPartSize: MIN } });
      ({ storage, tenant } = fx);
      await storage.createBucket(tenant, 'mpu');
    });
    after(() => fx.cleanup());

    it('reads an object of many parts whole and across part boundaries without piling listeners on the output', async () => {
      const warnings: string[] = [];
      const onWarning = (w: Error) => warnings.push(w.name);
      process.on('warning', onWarning);
      try {
        const parts = Array.from({ length: 14 }, (_, i) => pseudoRandomBytes(i === 13 ? 123 : MIN, 100 + i));
        const whole = Buffer.concat(parts);
        const upload = await storage.multipart.create(tenant, 'mpu', 'many-parts');
        for (const [i, part] of parts.entries()) await storage.multipart.uploadPart(tenant, 'mpu', 'many-parts', upload.uploadId, i + 1, [part]);
        await storage.multipart.complete(tenant, 'mpu', 'many-parts', upload.uploadId, parts.map((_, i) => ({ partNumber: i + 1 })));
        assert.ok((await collect((await storage.getObject(tenant, 'mpu', 'many-parts')).body)).equals(whole));
        const range = { start: MIN - 5, end: 12 * MIN + 9 };
        const { body } = await storage.getObject(tenant, 'mpu', 'many-parts', { range });
        assert.ok((await collect(body)).equals(whole.subarray(range.start, range.end + 1)));
        await new Promise((resolve) => setImmediate(resolve));
        assert.deepEqual(warnings.filter((name) => name === 'MaxListenersExceededWarning'), []);
      } finally {
        process.off('warning', onWarning);
      }
    });

    it('assembles out-of-order parts with S3\'s ETag of ETags, and replaced parts win', async () => {
      const parts = [pseudoRandomBytes(MIN, 1), pseudoRandomBytes(MIN + 7, 2), pseudoRandomBytes(1000, 3)];
      const upload = await storage.multipart.create(tenant, 'mpu', 'obj', { contentType: 'video/mp4', metadata: { origin: 'test' } });
      await storage.multipart.uploadPart(tenant, 'mpu', 'obj', upload.uploadId, 3, [parts[2]!]);
      await storage.multipart.uploadPart(tenant, 'mpu', 'obj', upload.uploadId, 1, [Buffer.from('to be replaced')]);
      const filesBefore = (await fragmentFiles(fx.nodeDirs)).length;
      await storage.multipart.uploadPart(tenant, 'mpu', 'obj', upload.uploadId, 1, [parts[0]!]);
      assert.equal((await fragmentFiles(fx.nodeDirs)).length, filesBefore, 'the replaced part\'s fragments are gone');
      const p2 = await storage.multipart.uploadPart(tenant, 'mpu', 'obj', upload.uploadId, 2, [parts[1]!], { size: parts[1]!.length });
      assert.equal(p2.etag, md5(parts[1]!));
      const listed = await storage.multipart.listParts(tenant, 'mpu', 'obj', upload.uploadId);
      assert.deepEqual(listed.parts.map((p) => [p.partNumber, p.etag, p.size]), parts.map((p, i) => [i + 1, md5(p), p.length]));
      const paged = await storage.multipart.listParts(tenant, 'mpu', 'obj', upload.uploadId, { maxParts: 2 });
      assert.equal(paged.isTruncated, true);
      assert.equal(paged.nextPartNumberMarker, 2);

      const info = await storage.multipart.complete(tenant, 'mpu', 'obj', upload.uploadId, parts.map((p, i) => ({ partNumber: i + 1, etag: `"${md5(p)}"` })));
      const whole = Buffer.concat(parts);
      const etagOfEtags = createHash('md5').update(Buffer.concat(parts.map((p) => createHash('md5').update(p).digest()))).digest('hex') + '-3';
      assert.equal(info.etag, etagOfEtags);
      assert.equal(info.size, whole.length);
      assert.equal(info.partsCount, 3);
      assert.equal(info.contentType, 'video/mp4');
      assert.deepEqual(info.metadata, { origin: 'test' });
      assert.ok((await collect((await storage.getObject(tenant, 'mpu', 'obj')).body)).equals(whole));
      for (const [start, end] of [[MIN - 1, MIN], [MIN - 5, 2 * MIN + 10], [whole.length - 1000, whole.length - 1], [0, whole.length - 1]] as const) {
        const { body } = await storage.getObject(tenant, 'mpu', 'obj', { range: { start, end } });
        assert.ok((await collect(body)).equals(whole.subarray(start, end + 1)), `${start}-${end}`);
      }
      await assert.rejects(storage.multipart.complete(tenant, 'mpu', 'obj', upload.uploadId, [{ partNumber: 1 }]), { code: 'NoSuchUpload' });
      assert.equal((await storage.multipart.list(tenant, 'mpu')).uploads.length, 0);
    });

    it('refuses bad part lists with InvalidPart, InvalidPartOrder and EntityTooSmall, changing nothing', async () => {
      const upload = await storage.multipart.create(tenant, 'mpu', 'bad');
      const a = pseudoRandomBytes(MIN, 4);
      await storage.multipart.uploadPart(tenant, 'mpu', 'bad', upload.uploadId, 1, [a]);
      await storage.multipart.uploadPart(tenant, 'mpu', 'bad', upload.uploadId, 2, [Buffer.from('small')]);
      await storage.multipart.uploadPart(tenant, 'mpu', 'bad', upload.uploadId, 3, [Buffer.from('last')]);
      await assert.rejects(storage.multipart.complete(tenant, 'mpu', 'bad', upload.uploadId, [{ partNumber: 2 }, { partNumber: 1 }]), { code: 'InvalidPartOrder' });
      await assert.rejects(storage.multipart.complete(tenant, 'mpu', 'bad', upload.uploadId, [{ partNumber: 1, etag: 'deadbeef' }]), { code: 'InvalidPart' });
      await assert.rejects(storage.multipart.complete(tenant, 'mpu', 'bad', upload.uploadId, [{ partNumber: 4 }]), { code: 'InvalidPart' });
      await assert.rejects(storage.multipart.complete(tenant, 'mpu', 'bad', upload.uploadId, [{ partNumber: 1 }, { partNumber: 2 }, { partNumber: 3 }]), { code: 'EntityTooSmall' });
      await assert.rejects(storage.multipart.complete(tenant, 'mpu', 'bad', upload.uploadId, []), { code: 'InvalidArgument' });
      await assert.rejects(storage.multipart.uploadPart(tenant, 'mpu', 'bad', upload.uploadId, 0, [a]), { code: 'InvalidArgument' });
      await assert.rejects(storage.multipart.uploadPart(tenant, 'mpu', 'bad', upload.uploadId, 10001, [a]), { code: 'InvalidArgument' });
      await assert.rejects(storage.multipart.uploadPart(tenant, 'mpu', 'other-key', upload.uploadId, 1, [a]), { code: 'NoSuchUpload' });
      await assert.rejects(storage.headObject(tenant, 'mpu', 'bad'), { code: 'NoSuchKey' });
      assert.equal((await storage.multipart.listParts(tenant, 'mpu', 'bad', upload.uploadId)).parts.length, 3);
      // Completing with a subset frees the parts left out.
      const files = (await fragmentFiles(fx.nodeDirs)).length;
      const info = await storage.multipart.complete(tenant, 'mpu', 'bad', upload.uploadId, [{ partNumber: 1 }, { partNumber: 3 }]);
      assert.equal(info.size, a.length + 4);
      assert.equal((await fragmentFiles(fx.nodeDirs)).length, files - 6);
    });

    it('keeps part checksums from beforeCommit, checks named ones on complete (InvalidPart), and stores what the hook derives', async () => {
      const upload = await storage.multipart.create(tenant, 'mpu', 'summed', { checksumAlgorithm: 'sha256', checksumType: 'COMPOSITE' });
      assert.deepEqual([upload.attributes.checksumAlgorithm, upload.attributes.checksumType], ['sha256', 'COMPOSITE']);
      const parts = [pseudoRandomBytes(MIN, 21), pseudoRandomBytes(99, 22)];
      const sha = (b: Buffer) => createHash('sha256').update(b).digest('base64');
      for (const [i, part] of parts.entries()) {
        const info = await storage.multipart.uploadPart(tenant, 'mpu', 'summed', upload.uploadId, i + 1, [part], { beforeCommit: () => ({ checksums: { sha256: sha(part) } }) });
        assert.deepEqual(info.checksums, { sha256: sha(part) });
      }
      const listed = await storage.multipart.listParts(tenant, 'mpu', 'summed', upload.uploadId);
      assert.deepEqual(listed.parts.map((p) => p.checksums), parts.map((p) => ({ sha256: sha(p) })));
      const wrong = parts.map((p, i) => ({ partNumber: i + 1, checksums: { sha256: sha(i === 1 ? parts[0]! : p) } }));
      await assert.rejects(storage.multipart.complete(tenant, 'mpu', 'summed', upload.uploadId, wrong), { code: 'InvalidPart' });
      await assert.rejects(storage.multipart.complete(tenant, 'mpu', 'summed', upload.uploadId, [{ partNumber: 1, checksums: { crc32: 'AAAAAA==' } }]), { code: 'InvalidPart' }, 'a checksum the part does not have');
      await assert.rejects(storage.headObject(tenant, 'mpu', 'summed'), { code: 'NoSuchKey' });
      let seen: unknown;
      const info = await storage.multipart.complete(tenant, 'mpu', 'summed', upload.uploadId, parts.map((p, i) => ({ partNumber: i + 1, checksums: { sha256: sha(p) } })), {
        beforeCommit: (chosen, up) => {
          seen = [chosen.map((p) => p.checksums.sha256), up.attributes.checksumAlgorithm];
          return { checksums: { sha256: 'derived-2' }, checksumType: 'COMPOSITE', partChecksums: chosen.map((p) => p.checksums.sha256!) };
        },
      });
      assert.deepEqual(seen, [parts.map(sha), 'sha256']);
      assert.deepEqual([info.checksums, info.checksumType, info.partChecksums], [{ sha256: 'derived-2' }, 'COMPOSITE', parts.map(sha)]);
      const head = await storage.headObject(tenant, 'mpu', 'summed');
      assert.deepEqual([head.checksums, head.checksumType, head.partChecksums], [{ sha256: 'derived-2' }, 'COMPOSITE', parts.map(sha)]);
      assert.equal((head as { checksumAlgorithm?: string }).checksumAlgorithm, undefined, 'the upload\'s declaration is not kept on the object');
    });

    it('aborts an upload and removes every fragment of its parts', async () => {
      const files = (await fragmentFiles(fx.nodeDirs)).length;
      const upload = await storage.multipart.create(tenant, 'mpu', 'aborted');
      await storage.multipart.uploadPart(tenant, 'mpu', 'aborted', upload.uploadId, 1, [pseudoRandomBytes(MIN, 5)]);
      await storage.multipart.uploadPart(tenant, 'mpu', 'aborted', upload.uploadId, 2, [pseudoRandomBytes(10, 6)]);
      assert.equal((await fragmentFiles(fx.nodeDirs)).length, files + 12);
      const listed = await storage.multipart.list(tenant, 'mpu', { prefix: 'abort' });
      assert.deepEqual(listed.uploads.map((u) => u.uploadId), [upload.uploadId]);
      await storage.multipart.abort(tenant, 'mpu', 'aborted', upload.uploadId);
      assert.equal((await fragmentFiles(fx.nodeDirs)).length, files);
      await assert.rejects(storage.multipart.abort(tenant, 'mpu', 'aborted', upload.uploadId), { code: 'NoSuchUpload' });
      await assert.rejects(storage.multipart.uploadPart(tenant, 'mpu', 'aborted', upload.uploadId, 1, [Buffer.alloc(1)]), { code: 'NoSuchUpload' });
    });

    it('expires uploads that never complete', async () => {
      const upload = await storage.multipart.create(tenant, 'mpu', 'stale');
      await storage.multipart.uploadPart(tenant, 'mpu', 'stale', upload.uploadId, 1, [Buffer.alloc(100)]);
      const files = (await fragmentFiles(fx.nodeDirs)).length;
      assert.equal(await storage.maintenance.expireUploads(60_000), 0);
      await new Promise((r) => setTimeout(r, 20));
      assert.ok(await storage.maintenance.expireUploads(10) >= 1);
      assert.equal((await fragmentFiles(fx.nodeDirs)).length, files - 6);
      await assert.rejects(storage.multipart.listParts(tenant, 'mpu', 'stale', upload.uploadId), { code: 'NoSuchUpload' });
    });
  });
}
