import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { segmentedAead, type Storage, type Tenant } from '@omnigate/core';
import { collect, createStorageFixture, fragmentFiles, pseudoRandomBytes, pseudoRandomStream, sha256Of, type StorageFixture } from '../helpers/storage-fixture.js';

const SEG = 64 * 1024;
/** Plaintext size whose ciphertext (16-byte header + 16-byte tag per segment) is exactly one 4 × 256 KiB stripe. */
const STRIPE_PLAIN = 1048304;

for (const dialect of ['sqlite', 'postgres'] as const) {
  describe(`Storage objects (${dialect})`, () => {
    let fx: StorageFixture;
    let storage: Storage;
    let tenant: Tenant;
    before(async () => {
      fx = await createStorageFixture({ dialect });
      ({ storage, tenant } = fx);
      await storage.createBucket(tenant, 'bucket');
    });
    after(() => fx.cleanup());

    const sizes = [0, 1, SEG - 1, SEG, SEG + 1, STRIPE_PLAIN - 1, STRIPE_PLAIN, STRIPE_PLAIN + 1, 1024 * 1024, 3 * STRIPE_PLAIN + 12345];
    for (const size of sizes) {
      it(`round-trips ${size} bytes with MD5 ETag and SHA-256`, async () => {
        const data = pseudoRandomBytes(size, size);
        const info = await storage.putObject(tenant, 'bucket', `sizes/${size}`, [data], { size, contentType: 'application/x-test' });
        assert.equal(info.size, size);
        assert.equal(info.etag, createHash('md5').update(data).digest('hex'));
        assert.equal(info.sha256, createHash('sha256').update(data).digest('hex'));
        assert.equal(info.phase, 'safe');
        const { body, info: got } = await storage.getObject(tenant, 'bucket', `sizes/${size}`);
        assert.equal(got.contentType, 'application/x-test');
        assert.ok((await collect(body)).equals(data));
      });
    }

    it('serves every boundary class of byte range', async () => {
      const size = 3 * STRIPE_PLAIN + 12345;
      const data = pseudoRandomBytes(size, size);
      const edges = [0, 1, SEG - 1, SEG, SEG + 1, STRIPE_PLAIN - 1, STRIPE_PLAIN, STRIPE_PLAIN + 1, 2 * STRIPE_PLAIN, size - SEG, size - 2, size - 1];
      for (const start of edges) {
        for (const end of [start, start + 1, start + SEG, start + STRIPE_PLAIN, size - 1]) {
          if (end < start || end >= size) continue;
          const { body, range } = await storage.getObject(tenant, 'bucket', `sizes/${size}`, { range: { start, end } });
          assert.deepEqual(range, { start, end: end + 1 });
          assert.ok((await collect(body)).equals(data.subarray(start, end + 1)), `range ${start}-${end}`);
        }
      }
      const suffix = await storage.getObject(tenant, 'bucket', `sizes/${size}`, { range: { suffix: 70000 } });
      assert.ok((await collect(suffix.body)).equals(data.subarray(size - 70000)));
      const open = await storage.getObject(tenant, 'bucket', `sizes/${size}`, { range: { start: size - 5 } });
      assert.ok((await collect(open.body)).equals(data.subarray(size - 5)));
      await assert.rejects(storage.getObject(tenant, 'bucket', `sizes/${size}`, { range: { start: size } }), { code: 'InvalidRange' });
      await assert.rejects(storage.getObject(tenant, 'bucket', 'sizes/0', { range: { start: 0 } }), { code: 'InvalidRange' });
    });

    it('streams a 200 MiB object of unknown size in and out', { timeout: 180_000 }, async () => {
      const size = 200 * 1024 * 1024;
      const expected = await sha256Of(pseudoRandomStream(size, 7));
      const info = await storage.putObject(tenant, 'bucket', 'big', pseudoRandomStream(size, 7));
      assert.equal(info.size, size);
      assert.equal(info.sha256, expected.hex);
      const { body } = await storage.getObject(tenant, 'bucket', 'big');
      assert.deepEqual(await sha256Of(body), expected);
      const { body: part } = await storage.getObject(tenant, 'bucket', 'big', { range: { start: 150_000_000, end: 150_999_999 } });
      const slice = await collect(part);
      const reference = await collect((async function* () {
        let offset = 0;
        for await (const chunk of pseudoRandomStream(size, 7)) {
          const from = Math.max(0, 150_000_000 - offset);
          const to = Math.min(chunk.length, 151_000_000 - offset);
          if (from < to) yield chunk.subarray(from, to);
          offset += chunk.length;
          if (offset >= 151_000_000) break;
        }
      })());
      assert.ok(slice.equals(reference));
      await storage.deleteObject(tenant, 'bucket', 'big');
    });

    it('supersedes: a new put gets a new fileId and cancels the old one, whose fragments go', async () => {
      const before = (await fragmentFiles(fx.nodeDirs)).length;
      const first = await storage.putObject(tenant, 'bucket', 'doc', [Buffer.from('one')]);
      assert.equal((await fragmentFiles(fx.nodeDirs)).length, before + 6);
      const second = await storage.putObject(tenant, 'bucket', 'doc', [Buffer.from('two')]);
      assert.notEqual(first.fileId, second.fileId);
      assert.equal((await fragmentFiles(fx.nodeDirs)).length, before + 6);
      const old = await storage.headObjectById(first.fileId);
      assert.equal(old.state, 'cancelled');
      assert.equal(old.phase, 'cancelled');
      assert.equal(old.cancelledReason, `superseded by ${second.fileId}`);
      await assert.rejects(storage.getObjectById(first.fileId), { code: 'NoSuchKey' });
      const { body, info } = await storage.getObjectById(second.fileId);
      assert.equal(info.key, 'doc');
      assert.equal(info.bucket, 'bucket');
      assert.equal((await collect(body)).toString(), 'two');
      await assert.rejects(storage.getObjectById('not-a-uuid'), { code: 'NoSuchKey' });
    });

    it('copies server-side by sharing blobs, with COPY and REPLACE metadata', async () => {
      await storage.putObject(tenant, 'bucket', 'src', [Buffer.from('shared bytes')], { contentType: 'text/plain', metadata: { a: '1' } });
      const files = (await fragmentFiles(fx.nodeDirs)).length;
      const copy = await storage.copyObject(tenant, { bucket: 'bucket', key: 'src' }, { bucket: 'bucket', key: 'dst' });
      assert.equal((await fragmentFiles(fx.nodeDirs)).length, files, 'no bytes were rewritten');
      assert.deepEqual(copy.metadata, { a: '1' });
      assert.equal(copy.contentType, 'text/plain');
      const replaced = await storage.copyObject(tenant, { bucket: 'bucket', key: 'src' }, { bucket: 'bucket', key: 'src' }, { metadataDirective: 'REPLACE', contentType: 'text/x', metadata: { b: '2' } });
      assert.deepEqual(replaced.metadata, { b: '2' });
      assert.equal((await fragmentFiles(fx.nodeDirs)).length, files, 'copy onto itself keeps the shared blob');
      await storage.deleteObject(tenant, 'bucket', 'src');
      assert.equal((await collect((await storage.getObject(tenant, 'bucket', 'dst')).body)).toString(), 'shared bytes');
      await storage.deleteObject(tenant, 'bucket', 'dst');
      assert.equal((await fragmentFiles(fx.nodeDirs)).length, files - 6);
      await assert.rejects(storage.copyObject(tenant, { bucket: 'bucket', key: 'nope' }, { bucket: 'bucket', key: 'x' }), { code: 'NoSuchKey' });
    });

    it('evaluates conditional reads like S3', async () => {
      const info = await storage.putObject(tenant, 'bucket', 'cond', [Buffer.from('x')]);
      const later = new Date(info.lastModified.getTime() + 5000);
      const earlier = new Date(info.lastModified.getTime() - 5000);
      await storage.getObject(tenant, 'bucket', 'cond', { conditions: { ifMatch: `"${info.etag}"` } });
      await assert.rejects(storage.getObject(tenant, 'bucket', 'cond', { conditions: { ifMatch: '"abc"' } }), { code: 'PreconditionFailed' });
      await assert.rejects(storage.getObject(tenant, 'bucket', 'cond', { conditions: { ifNoneMatch: info.etag } }), { code: 'NotModified' });
      await assert.rejects(storage.getObject(tenant, 'bucket', 'cond', { conditions: { ifModifiedSince: later } }), { code: 'NotModified' });
      await assert.rejects(storage.getObject(tenant, 'bucket', 'cond', { conditions: { ifUnmodifiedSince: earlier } }), { code: 'PreconditionFailed' });
      // If-Match true wins over a failing If-Unmodified-Since (RFC 9110 §13.2.2).
      await storage.getObject(tenant, 'bucket', 'cond', { conditions: { ifMatch: info.etag, ifUnmodifiedSince: earlier } });
      await assert.rejects(storage.putObject(tenant, 'bucket', 'cond', [Buffer.from('y')], { conditions: { ifNoneMatch: '*' } }), { code: 'PreconditionFailed' });
      assert.equal((await collect((await storage.getObject(tenant, 'bucket', 'cond')).body)).toString(), 'x');
    });

    it('accepts client-sealed ciphertext and rejects plaintext or a wrong key, storing nothing', async () => {
      const key = Buffer.alloc(32, 7);
      const plain = pseudoRandomBytes(200_000, 3);
      const sealed = segmentedAead.sealBuffer(key, plain, { segmentSize: 16384 });
      const info = await storage.putObject(tenant, 'bucket', 'sealed', [sealed], { clientKey: key, size: plain.length });
      assert.equal(info.etag, createHash('md5').update(plain).digest('hex'));
      assert.ok((await collect((await storage.getObject(tenant, 'bucket', 'sealed', { range: { start: 16383, end: 50000 } })).body)).equals(plain.subarray(16383, 50001)));
      const files = await fragmentFiles(fx.nodeDirs);
      await assert.rejects(storage.putObject(tenant, 'bucket', 'sealed-bad', [plain], { clientKey: key }), { code: 'InvalidCiphertext' });
      await assert.rejects(storage.putObject(tenant, 'bucket', 'sealed-bad', [sealed], { clientKey: Buffer.alloc(32, 8) }), { code: 'InvalidCiphertext' });
      await assert.rejects(storage.putObject(tenant, 'bucket', 'sealed-bad', [sealed.subarray(0, sealed.length - 100)], { clientKey: key }), { code: 'InvalidCiphertext' });
      await assert.rejects(storage.putObject(tenant, 'bucket', 'sealed-bad', [sealed], { clientKey: key, size: plain.length + 1 }), { code: 'InvalidCiphertext' });
      await assert.rejects(storage.headObject(tenant, 'bucket', 'sealed-bad'), { code: 'NoSuchKey' });
      assert.deepEqual(await fragmentFiles(fx.nodeDirs), files);
    });

    it('stops an oversize or short body as it streams and leaves nothing', async () => {
      const small = await fx.reopen({ maxObjectSize: 100_000 });
      const files = await fragmentFiles(fx.nodeDirs);
      let pulled = 0;
      const endless = (async function* () { for (;;) { pulled += 65536; yield Buffer.alloc(65536); } })();
      await assert.rejects(small.putObject(tenant, 'bucket', 'huge', endless), { code: 'EntityTooLarge' });
      assert.ok(pulled < 400_000, `stopped early, after ${pulled} bytes`);
      await assert.rejects(small.putObject(tenant, 'bucket', 'huge', [Buffer.alloc(10)], { size: 200_000 }), { code: 'EntityTooLarge' });
      await assert.rejects(storage.putObject(tenant, 'bucket', 'short', [Buffer.alloc(10)], { size: 11 }), { code: 'IncompleteBody' });
      await assert.rejects(storage.putObject(tenant, 'bucket', 'long', [Buffer.alloc(12)], { size: 11 }), { code: 'InvalidArgument' });
      await assert.rejects(storage.headObject(tenant, 'bucket', 'short'), { code: 'NoSuchKey' });
      assert.deepEqual(await fragmentFiles(fx.nodeDirs), files);
    });

    it('a body that fails while the fragment writers are still opening leaves no file behind, not even a moment later', async () => {
      const everyFile = async () => (await Promise.all(fx.nodeDirs.map((dir) => readdir(dir, { recursive: true })))).flat().sort();
      const before = await everyFile();
      for (let i = 0; i < 5; i++) {
        const torn = (async function* () { yield Buffer.alloc(300_000, i); throw new Error('the client went away'); })();
        await assert.rejects(storage.putObject(tenant, 'bucket', 'torn', torn), /the client went away/);
        assert.deepEqual(await everyFile(), before, `attempt ${i}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
      assert.deepEqual(await everyFile(), before);
    });

    it('an aborted put settles at once and leaves nothing, even when its source never finishes closing', { timeout: 20_000 }, async () => {
      // A client that went away mid-body: its stream neither ends nor ever finishes being destroyed.
      const stuckSource = (bytes: number) => {
        const source = new Readable({ read() {}, destroy() { /* never calls back */ } });
        source.push(pseudoRandomBytes(bytes, 7));
        return source;
      };
      const inlining = await fx.reopen({ inlineMaxBytes: 64 * 1024 });
      const before = await fragmentFiles(fx.nodeDirs);
      const cases = [
        { store: storage, bytes: 3 * 1024 * 1024, size: undefined }, // streamed: fragment writers open, hashing thread
        { store: inlining, bytes: 5_000, size: 10_000 }, // declared small: read whole for its metadata row
      ];
      for (const { store, bytes, size } of cases) {
        const controller = new AbortController();
        const put = store.putObject(tenant, 'bucket', 'gone', stuckSource(bytes), { size, signal: controller.signal });
        setTimeout(() => controller.abort(new Error('the client went away')), 300);
        const started = Date.now();
        await assert.rejects(put, { name: 'AbortError' });
        assert.ok(Date.now() - started < 5_000, `settled ${Date.now() - started} ms after the abort`);
        await assert.rejects(store.headObject(tenant, 'bucket', 'gone'), { code: 'NoSuchKey' });
        assert.deepEqual(await fragmentFiles(fx.nodeDirs), before, `no fragment of a ${bytes}-byte body stays`);
      }
      const ok = await storage.putObject(tenant, 'bucket', 'after-abort', [Buffer.from('still works')]);
      assert.equal(ok.size, 11);
      await storage.deleteObject(tenant, 'bucket', 'after-abort');
    });

    it('validates names, keys and metadata and keeps tenants apart', async () => {
      for (const bad of ['ab', 'UPPER', 'has_underscore', '-start', 'end-', '192.168.1.1', 'a..b', 'zib', 'x'.repeat(64)]) {
        await assert.rejects(storage.createBucket(tenant, bad), { code: 'InvalidBucketName' }, bad);
      }
      await assert.rejects(storage.createBucket(tenant, 'bucket'), { code: 'BucketAlreadyOwnedByYou' });
      await assert.rejects(storage.putObject(tenant, 'bucket', 'k'.repeat(1025), [Buffer.alloc(1)]), { code: 'KeyTooLong' });
      await storage.putObject(tenant, 'bucket', 'é'.repeat(512), [Buffer.alloc(1)]);
      await assert.rejects(storage.putObject(tenant, 'bucket', '\ud800', [Buffer.alloc(1)]), { code: 'InvalidArgument' });
      await assert.rejects(storage.putObject(tenant, 'bucket', 'm', [Buffer.alloc(1)], { metadata: { big: 'v'.repeat(2048) } }), { code: 'MetadataTooLarge' });
      await assert.rejects(storage.putObject(tenant, 'missing-bucket', 'k', [Buffer.alloc(1)]), { code: 'NoSuchBucket' });
      const { tenant: other } = await storage.tenants.create(`other-${dialect}`);
      assert.deepEqual(await storage.listBuckets(other), []);
      await assert.rejects(storage.getObject(other, 'bucket', 'doc'), { code: 'NoSuchBucket' });
      await storage.createBucket(other, 'bucket');
      assert.deepEqual((await storage.listObjects(other, 'bucket')).objects, []);
      await storage.deleteBucket(other, 'bucket');
      await assert.rejects(storage.deleteBucket(tenant, 'bucket'), { code: 'BucketNotEmpty' });
    });

    it('enforces a tenant quota before and after the bytes', async () => {
      const { tenant: limited } = await storage.tenants.create(`quota-${dialect}`, {}, 1000);
      await storage.createBucket(limited, 'q-bucket');
      await storage.putObject(limited, 'q-bucket', 'a', [Buffer.alloc(600)], { size: 600 });
      await assert.rejects(storage.putObject(limited, 'q-bucket', 'b', [Buffer.alloc(600)], { size: 600 }), { code: 'QuotaExceeded' });
      await assert.rejects(storage.putObject(limited, 'q-bucket', 'b', [Buffer.alloc(600)]), { code: 'QuotaExceeded' });
      await assert.rejects(storage.headObject(limited, 'q-bucket', 'b'), { code: 'NoSuchKey' });
    });

    it('deletes in batches, counting missing keys as deleted', async () => {
      await storage.putObject(tenant, 'bucket', 'batch/1', [Buffer.from('1')]);
      await storage.putObject(tenant, 'bucket', 'batch/2', [Buffer.from('2')]);
      const results = await storage.deleteObjects(tenant, 'bucket', ['batch/1', 'batch/2', 'batch/none']);
      assert.deepEqual(results.map((r) => [r.key, r.deleted, r.error]), [['batch/1', true, undefined], ['batch/2', true, undefined], ['batch/none', false, undefined]]);
      assert.equal((await storage.listObjects(tenant, 'bucket', { prefix: 'batch/' })).objects.length, 0);
    });

    it('authenticates tenants by access key, secret and API key', async () => {
      const { tenant: t, credentials } = await storage.tenants.create(`auth-${dialect}`);
      assert.equal((await storage.tenants.findByAccessKey(credentials.accessKey))?.secretKey, credentials.secretKey);
      assert.equal((await storage.tenants.authenticate(credentials.accessKey, credentials.secretKey))?.id, t.id);
      assert.equal(await storage.tenants.authenticate(credentials.accessKey, credentials.secretKey + 'x'), undefined);
      assert.equal((await storage.tenants.findByApiKey(credentials.apiKey))?.id, t.id);
      assert.equal(await storage.tenants.findByApiKey(credentials.apiKey.slice(0, -1) + 'z'), undefined);
    });

    it('reuses an access key lookup for credentialCacheMs: own changes apply at once, another gateway\'s within that time', async () => {
      const { tenant: t, credentials } = await storage.tenants.create(`cache-${dialect}`);
      const other = await fx.reopen({ credentialCacheMs: 300 }); // a second gateway on the same metadata
      const secretSeenBy = async (s: Storage) => (await s.tenants.findByAccessKey(credentials.accessKey))?.secretKey;
      assert.equal(await secretSeenBy(other), credentials.secretKey);
      const newSecret = 'new-secret-' + 'x'.repeat(20);
      await storage.tenants.setCredentials(t.id, { secretKey: newSecret });
      assert.equal(await secretSeenBy(storage), newSecret, 'the gateway that made the change sees it at once');
      assert.equal(await secretSeenBy(other), credentials.secretKey, 'the other gateway still has the cached secret');
      await new Promise((resolve) => setTimeout(resolve, 350));
      assert.equal(await secretSeenBy(other), newSecret, 'and the new one once the cache time has passed');
      await storage.tenants.setQuota(t.id, 1234);
      assert.equal((await storage.tenants.findByAccessKey(credentials.accessKey))?.tenant.quotaBytes, 1234);
      const uncached = await fx.reopen({ credentialCacheMs: 0 });
      await storage.tenants.setQuota(t.id, 99);
      assert.equal((await uncached.tenants.findByAccessKey(credentials.accessKey))?.tenant.quotaBytes, 99);
    });
  });
}
