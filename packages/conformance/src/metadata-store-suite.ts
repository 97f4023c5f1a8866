import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { emptyAttributes, isStorageError } from '@omnigate/core';
import type { BlobRow, BucketRow, MetadataStore, ObjectRow, StorageErrorCode, TenantRow, UploadRow } from '@omnigate/core';

/** `setup` returns a store on an empty database (the suite runs `migrate()`); `teardown` closes and discards it. */
export interface MetadataStoreFactory {
  setup(): Promise<MetadataStore>;
  teardown(store: MetadataStore): Promise<void>;
}

const GiB = 2 ** 30;
const byteOrder = (a: string, b: string) => Buffer.compare(Buffer.from(a), Buffer.from(b));

async function rejectsWith(promise: Promise<unknown>, code: StorageErrorCode): Promise<void> {
  await assert.rejects(promise, (err: unknown) => {
    assert.ok(isStorageError(err), `expected a StorageError ${code}, got ${String(err)}`);
    assert.equal(err.code, code, err.message);
    assert.doesNotMatch(err.message, /\b(insert|select|update|delete|constraint|violates)\b/i, 'SQL leaked into the message');
    return true;
  });
}

/** Builders for valid rows; each inserts what it returns, with random ids and names. */
function fixtures(store: MetadataStore) {
  const f = {
    async tenant(over: Partial<TenantRow> = {}): Promise<TenantRow> {
      const id = randomUUID();
      const row: TenantRow = {
        id, name: `t-${id}`, accessKey: `AK${id}`, sealedSecret: Buffer.from([0, 1, 2, 255, id.length]), apiKeyHash: `h-${id}`,
        quotaBytes: null, settings: { webhooks: [{ url: 'https://example.test/h' }] }, createdAt: new Date(1_700_000_000_123), ...over,
      };
      await store.insertTenant(row);
      return row;
    },
    async bucket(tenant?: TenantRow, name = `b-${randomUUID().slice(0, 8)}`): Promise<BucketRow> {
      const row: BucketRow = { id: randomUUID(), tenantId: (tenant ?? (await f.tenant())).id, name, settings: { versioning: false }, createdAt: new Date() };
      await store.insertBucket(row);
      return row;
    },
    async blob(over: Partial<BlobRow> = {}): Promise<BlobRow> {
      const row: BlobRow = {
        id: randomUUID(), state: 'pending', refCount: 0, plainSize: 10, cipherSize: 42,
        header: Buffer.alloc(16, 7), wrappedKey: Buffer.alloc(40, 9), kekId: 'kek-1', dataShards: 4, parityShards: 2, shardSize: 65536,
        fragments: Array.from({ length: 6 }, (_, i) => ({ node: `n${i}`, name: randomUUID() })), inline: null, createdAt: new Date(), ...over,
      };
      await store.insertBlob(row);
      return row;
    },
    object(bucket: BucketRow, key: string, blobs: readonly BlobRow[], over: Partial<ObjectRow> = {}): ObjectRow {
      const now = new Date();
      return {
        fileId: randomUUID(), tenantId: bucket.tenantId, bucketId: bucket.id, key, state: 'live', phase: 'distributed',
        cancelledReason: null, size: blobs.reduce((n, b) => n + b.plainSize, 0), etag: '9e107d9d372bb6826bd81d3542a419d6',
        sha256: null, contentType: 'text/plain', attributes: emptyAttributes(), extents: blobs.map((b) => ({ blobId: b.id, size: b.plainSize })),
        partsCount: null, createdAt: now, updatedAt: now, replicationSafeAt: null, ...over,
      };
    },
    /** Writes a fresh blob (or shares `blobs`) and commits it as the live object of `key`. */
    async put(bucket: BucketRow, key: string, blobs?: readonly BlobRow[], over: Partial<ObjectRow> = {}) {
      const used = blobs ?? [await f.blob()];
      const row = f.object(bucket, key, used, over);
      const result = await store.commitObject(row, { commitBlobIds: used.map((b) => b.id), supersedeReason: 'replaced' });
      return { row, blobs: used, ...result };
    },
    async upload(bucket: BucketRow, key: string, over: Partial<UploadRow> = {}): Promise<UploadRow> {
      const row: UploadRow = {
        uploadId: randomUUID(), tenantId: bucket.tenantId, bucketId: bucket.id, key, contentType: 'video/mp4',
        attributes: { ...emptyAttributes(), metadata: { a: '1' } }, createdAt: new Date(), ...over,
      };
      await store.insertUpload(row);
      return row;
    },
    async part(upload: UploadRow, partNumber: number, blob?: BlobRow, checksums: Record<string, string> = {}) {
      const b = blob ?? (await f.blob());
      const result = await store.putPart({ uploadId: upload.uploadId, partNumber, blobId: b.id, size: b.plainSize, etag: `e${partNumber}`, checksums, createdAt: new Date() });
      return { blob: b, ...result };
    },
    async blobState(id: string): Promise<{ state: string; refCount: number } | undefined> {
      const [b] = await store.getBlobs([id]);
      return b && { state: b.state, refCount: b.refCount };
    },
    async keys(bucket: BucketRow, options: { prefix?: string; startAfter?: string; limit?: number } = {}): Promise<string[]> {
      return (await store.listObjects(bucket.id, { limit: 1000, ...options })).map((o) => o.key);
    },
  };
  return f;
}

const ids = (rows: readonly { id: string }[]) => rows.map((r) => r.id).sort();

export function metadataStoreSuite(name: string, factory: MetadataStoreFactory): void {
  describe(`MetadataStore conformance: ${name}`, () => {
    let store: MetadataStore;
    let open: MetadataStore | undefined; // torn down once, and not at all when setup failed
    let f: ReturnType<typeof fixtures>;
    beforeEach(async () => {
      store = open = await factory.setup();
      f = fixtures(store);
      await store.migrate();
    });
    afterEach(async () => {
      const s = open;
      open = undefined;
      if (s) await factory.teardown(s);
    });

    describe('tenants', () => {
      it('finds a tenant by id, access key, API key hash and name, with every field intact', async () => {
        const t = await f.tenant({ quotaBytes: 5 * 2 ** 40 });
        for (const by of [{ id: t.id }, { accessKey: t.accessKey }, { apiKeyHash: t.apiKeyHash }, { name: t.name }]) {
          assert.deepEqual(await store.findTenant(by), t);
        }
        assert.equal(await store.findTenant({ accessKey: 'nobody' }), undefined);
        assert.ok(['sqlite', 'postgres'].includes(store.dialect));
      });

      it('lists and updates tenants; duplicates and unknown ids are StorageErrors', async () => {
        const a = await f.tenant();
        const b = await f.tenant();
        assert.deepEqual(ids(await store.listTenants()), ids([a, b]));
        const patch = { name: 'renamed', accessKey: 'AKNEW', sealedSecret: Buffer.from('s'), apiKeyHash: 'h2', quotaBytes: 6 * GiB, settings: { x: 1 } };
        await store.updateTenant(a.id, patch);
        assert.deepEqual(await store.findTenant({ accessKey: 'AKNEW' }), { ...a, ...patch });
        await store.updateTenant(a.id, { quotaBytes: null });
        assert.equal((await store.findTenant({ id: a.id }))!.quotaBytes, null);
        await rejectsWith(store.updateTenant(randomUUID(), { name: 'x' }), 'NoSuchTenant');
        await assert.rejects(f.tenant({ accessKey: b.accessKey }), isStorageError);
        await assert.rejects(store.updateTenant(b.id, { name: 'renamed' }), isStorageError);
      });
    });

    describe('buckets', () => {
      it('keeps names unique per tenant, while two tenants may share a name', async () => {
        const [t1, t2] = [await f.tenant(), await f.tenant()];
        const b1 = await f.bucket(t1, 'photos');
        const b2 = await f.bucket(t2, 'photos');
        await rejectsWith(f.bucket(t1, 'photos'), 'BucketAlreadyOwnedByYou');
        assert.deepEqual(await store.getBucket(t1.id, 'photos'), b1);
        assert.deepEqual(await store.getBucket(t2.id, 'photos'), b2);
        assert.deepEqual(await store.getBucketById(b2.id), b2);
        assert.equal(await store.getBucket(t1.id, 'other'), undefined);
        assert.equal(await store.getBucketById(randomUUID()), undefined);
        // Optional: every tenant's bucket of a name at once (an S3 CORS preflight names no tenant).
        const named = await store.findBucketsByName?.('photos');
        if (named) {
          assert.ok(named.every((b) => b.name === 'photos'));
          assert.deepEqual(named.filter((b) => b.tenantId === t1.id || b.tenantId === t2.id).map((b) => b.id).sort(), [b1.id, b2.id].sort());
        }
        await assert.rejects(f.bucket({ ...t1, id: randomUUID() }), isStorageError);
      });

      it('lists a tenant’s buckets by name and updates settings', async () => {
        const t = await f.tenant();
        const z = await f.bucket(t, 'zeta');
        const a = await f.bucket(t, 'alpha');
        await f.bucket(undefined, 'elsewhere');
        assert.deepEqual((await store.listBuckets(t.id)).map((b) => b.name), ['alpha', 'zeta']);
        await store.updateBucketSettings(z.id, { cors: [{ origin: '*' }], n: 2 });
        assert.deepEqual((await store.getBucketById(z.id))!.settings, { cors: [{ origin: '*' }], n: 2 });
        assert.deepEqual(await store.getBucketById(a.id), a);
        await rejectsWith(store.updateBucketSettings(randomUUID(), {}), 'NoSuchBucket');
      });

      it('deleteBucketIfEmpty: missing, not-empty, and deleted with its uploads aborted', async () => {
        const bucket = await f.bucket();
        assert.deepEqual(await store.deleteBucketIfEmpty(randomUUID()), { result: 'missing', released: [] });
        const one = await f.put(bucket, 'k');
        await f.put(bucket, 'k'); // leaves a cancelled history row, which must not block the delete
        assert.deepEqual(await store.deleteBucketIfEmpty(bucket.id), { result: 'not-empty', released: [] });
        const upload = await f.upload(bucket, 'big');
        const p1 = await f.part(upload, 1);
        const p2 = await f.part(upload, 2);
        await store.deleteObject(bucket.id, 'k');
        const res = await store.deleteBucketIfEmpty(bucket.id);
        assert.equal(res.result, 'deleted');
        assert.deepEqual(ids(res.released), ids([p1.blob, p2.blob]));
        assert.ok(res.released.every((b) => b.state === 'deleting' && b.refCount === 0));
        assert.equal(await store.getBucketById(bucket.id), undefined);
        assert.equal(await store.getUpload(upload.uploadId), undefined);
        assert.equal(await store.getObject(one.row.fileId), undefined);
      });

      it('tenantUsage sums live objects only, sizes past 4 GiB included', async () => {
        const t = await f.tenant();
        const [b1, b2] = [await f.bucket(t), await f.bucket(t)];
        assert.deepEqual(await store.tenantUsage(t.id), { bytes: 0, objects: 0 });
        await f.put(b1, 'a', [await f.blob({ plainSize: 5 * GiB + 3 })]);
        await f.put(b1, 'b', [await f.blob({ plainSize: 100 })]);
        await f.put(b1, 'b', [await f.blob({ plainSize: 7 })]); // supersedes the 100
        await f.put(b2, 'c', [await f.blob({ plainSize: 3 * GiB })]);
        await f.put(await f.bucket(), 'other-tenant', [await f.blob({ plainSize: 999 })]);
        await store.deleteObject(b2.id, 'c');
        assert.deepEqual(await store.tenantUsage(t.id), { bytes: 5 * GiB + 10, objects: 2 });
      });
    });

    describe('blobs', () => {
      it('round-trips an inline blob\'s ciphertext and placement-free rows', async () => {
        const inline = Buffer.from('inline ciphertext bytes');
        const blob = await f.blob({ fragments: [], inline, cipherSize: inline.length });
        const [got] = await store.getBlobs([blob.id]);
        assert.ok(got?.inline?.equals(inline));
        assert.deepEqual(got?.fragments, []);
      });

      it('round-trips blob rows, sizes past 4 GiB, lost fragments and placement updates', async () => {
        const blob = await f.blob({ plainSize: 2 ** 40 + 1, cipherSize: 2 ** 40 + 4096, fragments: [{ node: 'n0', name: 'x' }, null] });
        assert.deepEqual(await store.getBlobs([blob.id, blob.id, randomUUID()]), [blob]);
        assert.deepEqual(await store.getBlobs([]), []);
        const fragments = [{ node: 'n9', name: 'y' }, { node: 'n1', name: 'z' }];
        await store.updateBlobPlacement(blob.id, fragments);
        assert.deepEqual((await store.getBlobs([blob.id]))[0], { ...blob, fragments });
        const written = { plainSize: 6 * GiB, cipherSize: 6 * GiB + 99, header: Buffer.alloc(16, 3) };
        await store.updateBlobPlacement(blob.id, fragments, written);
        assert.deepEqual((await store.getBlobs([blob.id]))[0], { ...blob, fragments, ...written });
      });

      it('lists blobs in id order after a marker, by state', async () => {
        const made = [await f.blob(), await f.blob(), await f.blob(), await f.blob()];
        await f.put(await f.bucket(), 'k', [made[0]!]);
        const all = made.map((b) => b.id).sort();
        const first = await store.listBlobs({ limit: 2 });
        assert.deepEqual(first.map((b) => b.id), all.slice(0, 2));
        assert.deepEqual((await store.listBlobs({ afterId: first[1]!.id, limit: 10 })).map((b) => b.id), all.slice(2));
        assert.deepEqual((await store.listBlobs({ limit: 10, states: ['committed'] })).map((b) => b.id), [made[0]!.id]);
        assert.equal((await store.listBlobs({ limit: 10, states: ['pending', 'deleting'] })).length, 3);
      });

      it('listAbandonedBlobs: old pending and all deleting, never committed or fresh', async () => {
        const old = await f.blob({ createdAt: new Date(Date.now() - 3_600_000) });
        await f.blob(); // fresh pending
        const bucket = await f.bucket();
        const gone = await f.put(bucket, 'k', [await f.blob({ createdAt: new Date(Date.now() - 3_600_000) })]);
        await f.put(bucket, 'keep', [await f.blob({ createdAt: new Date(Date.now() - 3_600_000) })]);
        await store.deleteObject(bucket.id, 'k');
        const found = await store.listAbandonedBlobs(new Date(Date.now() - 60_000), 10);
        assert.deepEqual(ids(found), ids([old, gone.blobs[0]!]));
        assert.equal((await store.listAbandonedBlobs(new Date(), 1)).length, 1);
      });

      it('deleteBlob removes pending and deleting blobs only, and tolerates missing ones', async () => {
        const pending = await f.blob();
        await store.deleteBlob(pending.id);
        assert.deepEqual(await store.getBlobs([pending.id]), []);
        const bucket = await f.bucket();
        const { blobs: [committed] } = await f.put(bucket, 'k');
        await rejectsWith(store.deleteBlob(committed!.id), 'InvalidArgument');
        const { released } = await store.deleteObject(bucket.id, 'k');
        await store.deleteBlob(released[0]!.id);
        await store.deleteBlob(randomUUID());
        assert.deepEqual(await store.getBlobs([committed!.id]), []);
      });

      it('listFragmentNames yields every fragment a blob row places on the node', async () => {
        const expected: string[] = [];
        for (let i = 0; i < 30; i++) {
          const name = randomUUID();
          if (i % 3 !== 2) expected.push(name);
          await f.blob({ fragments: [{ node: i % 3 === 2 ? 'other' : 'mine', name }, null, { node: 'other', name: randomUUID() }] });
        }
        const names: string[] = [];
        for await (const name of store.listFragmentNames('mine')) names.push(name);
        assert.deepEqual(names.sort(), expected.sort());
      });
    });

    describe('objects', () => {
      it('commits a live object and round-trips it by key and by file id', async () => {
        const bucket = await f.bucket();
        const blob = await f.blob({ plainSize: 5 * GiB + 1 });
        const attributes = { metadata: { color: 'blue' }, headers: { 'cache-control': 'no-cache' }, tags: { t: 'v' }, checksums: { crc32: 'AAAAAA==' } };
        const { row, superseded, released } = await f.put(bucket, 'dir/ü file', [blob], {
          sha256: 'ab'.repeat(32), attributes, partsCount: 3, replicationSafeAt: new Date(1_700_000_000_456),
        });
        assert.equal(superseded, undefined);
        assert.deepEqual(released, []);
        assert.deepEqual(await store.getLiveObject(bucket.id, 'dir/ü file'), row);
        assert.deepEqual(await store.getObject(row.fileId), row);
        assert.equal((await store.getObject(row.fileId))!.size, 5 * GiB + 1);
        assert.deepEqual(await f.blobState(blob.id), { state: 'committed', refCount: 1 });
        assert.equal(await store.getLiveObject(bucket.id, 'dir/u file'), undefined);
      });

      it('getBucketAndLiveObject (optional): the bucket, its live object and, asked for, the blob of its only extent', async (t) => {
        if (!store.getBucketAndLiveObject) return t.skip('not implemented; callers use getBucket, getLiveObject and getBlobs');
        const tenant = await f.tenant();
        const bucket = await f.bucket(tenant, 'photos');
        const sameName = await f.bucket(undefined, 'photos'); // another tenant's bucket of that name
        /** The lookup, with an absent blob and `blob: undefined` alike. */
        const lookup = async (key: string, { withBlob = true, tenantId = tenant.id, name = 'photos' } = {}) => {
          const found = await store.getBucketAndLiveObject!(tenantId, name, key, { withBlob });
          return found && { bucket: found.bucket, object: found.object, blob: found.blob };
        };
        const blobOf = async (id: string) => (await store.getBlobs([id]))[0];
        assert.equal(await lookup('k', { name: 'videos' }), undefined);
        assert.deepEqual(await lookup('none'), { bucket, object: undefined, blob: undefined });

        await f.put(bucket, 'k');
        const live = await f.put(bucket, 'k', [await f.blob({ inline: Buffer.from([0, 1, 2, 255]), fragments: [] })]);
        await f.put(bucket, 'other');
        const theirs = await f.put(sameName, 'k');
        const blob = await blobOf(live.blobs[0]!.id);
        assert.equal(blob?.state, 'committed');
        assert.deepEqual(await lookup('k'), { bucket, object: live.row, blob }, 'the live row (not the superseded one) and its own blob');
        assert.deepEqual(await lookup('k', { withBlob: false }), { bucket, object: live.row, blob: undefined }, 'no blob unless asked for');
        assert.deepEqual(await lookup('k', { tenantId: sameName.tenantId }), { bucket: sameName, object: theirs.row, blob: await blobOf(theirs.blobs[0]!.id) });

        const copy = await f.put(bucket, 'copy', live.blobs);
        assert.deepEqual(await lookup('copy'), { bucket, object: copy.row, blob: await blobOf(live.blobs[0]!.id) }, 'a blob shared with another object');
        const parts = await f.put(bucket, 'parts', [await f.blob(), await f.blob()]);
        assert.deepEqual(await lookup('parts'), { bucket, object: parts.row, blob: undefined }, 'several extents: no blob, callers use getBlobs');
      });

      it('supersedes the live object: cancelled with its reason, its blobs released exactly once', async () => {
        const bucket = await f.bucket();
        const first = await f.put(bucket, 'k');
        const second = await f.put(bucket, 'k');
        assert.equal(second.superseded?.fileId, first.row.fileId);
        assert.equal(second.superseded?.state, 'cancelled');
        assert.deepEqual(ids(second.released), ids(first.blobs));
        assert.deepEqual(second.released.map((b) => [b.state, b.refCount]), [['deleting', 0]]);
        const old = await store.getObject(first.row.fileId);
        assert.deepEqual([old?.state, old?.phase, old?.cancelledReason], ['cancelled', 'cancelled', 'replaced']);
        const third = await f.put(bucket, 'k');
        assert.deepEqual(ids(third.released), ids(second.blobs));
        assert.equal((await store.getLiveObject(bucket.id, 'k'))!.fileId, third.row.fileId);
        assert.deepEqual(await f.blobState(first.blobs[0]!.id), { state: 'deleting', refCount: 0 });
        assert.deepEqual(await f.keys(bucket), ['k']);
      });

      it('leaves exactly one live row after 10 concurrent commits of one key', async () => {
        const bucket = await f.bucket();
        await f.put(bucket, 'hot');
        const blobs = await Promise.all(Array.from({ length: 10 }, () => f.blob()));
        const results = await Promise.all(blobs.map((b) => f.put(bucket, 'hot', [b])));
        const live = (await store.listObjects(bucket.id, { limit: 100 }));
        assert.equal(live.length, 1);
        const winner = results.find((r) => r.row.fileId === live[0]!.fileId)!;
        // Every commit superseded exactly one other, so each blob but the winner's was released exactly once.
        assert.equal(results.filter((r) => r.superseded).length, 10);
        const released = results.flatMap((r) => r.released.map((b) => b.id)).sort();
        assert.equal(new Set(released).size, 10);
        assert.ok(!released.includes(winner.blobs[0]!.id));
        assert.deepEqual(await f.blobState(winner.blobs[0]!.id), { state: 'committed', refCount: 1 });
      });

      it('races: one of two deletes wins, a commit and a bucket delete never both succeed', async () => {
        const bucket = await f.bucket();
        const { blobs } = await f.put(bucket, 'k');
        const deletes = await Promise.all([store.deleteObject(bucket.id, 'k'), store.deleteObject(bucket.id, 'k')]);
        assert.equal(deletes.filter((d) => d.deleted).length, 1);
        assert.deepEqual(deletes.flatMap((d) => d.released.map((b) => b.id)), [blobs[0]!.id]);
        const [commit, removal] = await Promise.allSettled([f.put(bucket, 'k'), store.deleteBucketIfEmpty(bucket.id)]);
        assert.equal(removal.status, 'fulfilled');
        if (commit.status === 'fulfilled') assert.equal(removal.value.result, 'not-empty');
        else assert.deepEqual([(commit.reason as { code?: string }).code, removal.value.result], ['NoSuchBucket', 'deleted']);
      });

      it('shares a blob between objects (copy): released only with its last reference', async () => {
        const bucket = await f.bucket();
        const src = await f.put(bucket, 'src');
        const copy = await f.put(bucket, 'copy', src.blobs);
        assert.deepEqual(copy.released, []);
        assert.deepEqual(await f.blobState(src.blobs[0]!.id), { state: 'committed', refCount: 2 });
        const selfCopy = await f.put(bucket, 'copy', src.blobs); // onto itself: one reference swapped for another
        assert.deepEqual(selfCopy.released, []);
        assert.deepEqual(await f.blobState(src.blobs[0]!.id), { state: 'committed', refCount: 2 });
        assert.deepEqual((await store.deleteObject(bucket.id, 'src')).released, []);
        assert.deepEqual(await f.blobState(src.blobs[0]!.id), { state: 'committed', refCount: 1 });
        assert.deepEqual(ids((await store.deleteObject(bucket.id, 'copy')).released), ids(src.blobs));
      });

      it('rejects commits into a missing bucket, of missing blobs, or of blobs that are not its extents', async () => {
        const bucket = await f.bucket();
        await rejectsWith(f.put({ ...bucket, id: randomUUID() }, 'k'), 'NoSuchBucket');
        const missing = { ...(await f.blob()), id: randomUUID() };
        await assert.rejects(f.put(bucket, 'k', [missing]), isStorageError);
        const blob = await f.blob();
        await rejectsWith(store.commitObject(f.object(bucket, 'k', [blob]), { commitBlobIds: [], supersedeReason: 'x' }), 'InvalidArgument');
        assert.equal(await store.getLiveObject(bucket.id, 'k'), undefined);
        assert.deepEqual(await f.blobState(blob.id), { state: 'pending', refCount: 0 });
      });

      it('deleteObject honours expectedFileId and releases the blobs', async () => {
        const bucket = await f.bucket();
        assert.deepEqual(await store.deleteObject(bucket.id, 'none'), { deleted: undefined, released: [] });
        const { row, blobs } = await f.put(bucket, 'k');
        assert.deepEqual(await store.deleteObject(bucket.id, 'k', randomUUID()), { deleted: undefined, released: [] });
        assert.ok(await store.getLiveObject(bucket.id, 'k'));
        const res = await store.deleteObject(bucket.id, 'k', row.fileId);
        assert.deepEqual(res.deleted, row);
        assert.deepEqual(ids(res.released), ids(blobs));
        assert.equal(await store.getLiveObject(bucket.id, 'k'), undefined);
        await f.put(bucket, 'k2');
        assert.equal((await store.deleteObject(bucket.id, 'k2')).released.length, 1);
      });

      it('lists keys in UTF-8 byte order, with unicode and control characters', async () => {
        const bucket = await f.bucket();
        const keys = ['a', 'B', 'a/b', 'a\u0001', 'a\t', 'a\n', 'a\u007f', 'é', 'e\u0301', '😀', '\uE000', '\uFFFD', 'Z', 'a-', 'a.', 'ab', 'a~', ' lead', '中文'];
        for (const k of keys) await f.put(bucket, k);
        const expected = [...keys].sort(byteOrder);
        assert.notDeepEqual(expected, [...keys].sort()); // UTF-16 order differs (the emoji): the test would notice
        assert.deepEqual(await f.keys(bucket), expected);
        const paged: string[] = [];
        for (let after: string | undefined; ;) {
          const page = await f.keys(bucket, { limit: 3, ...(after !== undefined && { startAfter: after }) });
          paged.push(...page);
          if (page.length < 3) break;
          after = page[page.length - 1];
        }
        assert.deepEqual(paged, expected);
        assert.deepEqual(await f.keys(bucket, { startAfter: 'a\u0002' }), expected.filter((k) => byteOrder(k, 'a\u0002') > 0));
        assert.deepEqual(await f.keys(bucket, { limit: 0 }), []);
      });

      it('filters by prefix literally: %, _ and \\ are not wildcards, and the top code point is handled', async () => {
        const bucket = await f.bucket();
        const keys = ['p%1', 'p%2', 'pa', 'p_x', 'pbx', 'p\\y', 'p\\\\', 'p', 'q', 'z\u{10FFFF}', 'z\u{10FFFF}a', 'z\u{10FFFF}\u{10FFFF}', '{', 'éa', 'éb', 'f'];
        for (const k of keys) await f.put(bucket, k);
        const under = (p: string) => keys.filter((k) => k.startsWith(p)).sort(byteOrder);
        for (const prefix of ['p%', 'p_', 'p\\', 'p', 'z\u{10FFFF}', 'é', 'nothing', '%', '_']) {
          assert.deepEqual(await f.keys(bucket, { prefix }), under(prefix), `prefix ${JSON.stringify(prefix)}`);
        }
        assert.deepEqual(await f.keys(bucket, { prefix: 'p', startAfter: 'p%2', limit: 2 }), under('p').filter((k) => byteOrder(k, 'p%2') > 0).slice(0, 2));
        assert.deepEqual(await f.keys(bucket, { prefix: '' }), [...keys].sort(byteOrder));
      });

      it('updates phase, replicationSafeAt and attributes', async () => {
        const bucket = await f.bucket();
        const { row } = await f.put(bucket, 'k');
        const safeAt = new Date(1_800_000_000_000);
        await store.updateObjectPhase(row.fileId, 'safe', safeAt);
        let got = (await store.getObject(row.fileId))!;
        assert.deepEqual([got.phase, got.replicationSafeAt], ['safe', safeAt]);
        await store.updateObjectPhase(row.fileId, 'distributed');
        got = (await store.getObject(row.fileId))!;
        assert.deepEqual([got.phase, got.replicationSafeAt], ['distributed', safeAt]);
        await store.updateObjectPhase(row.fileId, 'safe', null);
        assert.equal((await store.getObject(row.fileId))!.replicationSafeAt, null);
        const attributes = { metadata: { a: 'ü' }, headers: {}, tags: { k: 'v' }, checksums: { sha256: 'x' } };
        await store.updateObjectAttributes(row.fileId, attributes);
        assert.deepEqual((await store.getLiveObject(bucket.id, 'k'))!.attributes, attributes);
        await rejectsWith(store.updateObjectAttributes(randomUUID(), attributes), 'NoSuchKey');
        await rejectsWith(store.updateObjectPhase(randomUUID(), 'safe'), 'NoSuchKey');
      });

      it('listObjectsInPhase pages through live objects of one phase in fileId order', async () => {
        const bucket = await f.bucket();
        const made = [];
        for (const key of ['a', 'b', 'c', 'd']) made.push((await f.put(bucket, key, undefined, { phase: 'safe' })).row);
        await f.put(bucket, 'd', undefined, { phase: 'safe' }); // the old d is cancelled
        for (const row of [...made.slice(0, 2), made[3]!]) await store.updateObjectPhase(row.fileId, 'uploading');
        await f.put(bucket, 'd', undefined, { phase: 'safe' }); // ...and this one was never `uploading`
        // Other tests' rows may share the store: walk every page and keep this bucket's.
        const seen: ObjectRow[] = [];
        let afterFileId: string | undefined;
        for (;;) {
          const page = await store.listObjectsInPhase('uploading', { afterFileId, limit: 2 });
          seen.push(...page);
          if (page.length < 2) break;
          afterFileId = page[1]!.fileId;
        }
        const fileIds = seen.map((r) => r.fileId);
        assert.deepEqual(fileIds, [...fileIds].sort(), 'fileId order');
        assert.ok(seen.every((r) => r.phase === 'uploading' && r.state === 'live'));
        assert.deepEqual(seen.filter((r) => r.bucketId === bucket.id).map((r) => r.key).sort(), ['a', 'b']);
        assert.deepEqual(await store.listObjectsInPhase('uploading', { limit: 0 }), []);
      });
    });

    describe('multipart uploads', () => {
      it('stores uploads and replaces parts, releasing the replaced blob', async () => {
        const bucket = await f.bucket();
        const upload = await f.upload(bucket, 'movie');
        assert.deepEqual(await store.getUpload(upload.uploadId), upload);
        await rejectsWith(f.upload({ ...bucket, id: randomUUID() }, 'x'), 'NoSuchBucket');
        const p1 = await f.part(upload, 1);
        assert.deepEqual(p1.released, []);
        assert.deepEqual(await f.blobState(p1.blob.id), { state: 'committed', refCount: 1 });
        const again = await f.part(upload, 1, p1.blob); // a retried request with the same blob
        assert.deepEqual(again.released, []);
        const p1b = await f.part(upload, 1, await f.blob({ plainSize: 5 * GiB }));
        assert.deepEqual(ids(p1b.released), ids([p1.blob]));
        await f.part(upload, 3);
        await f.part(upload, 2);
        const parts = await store.listParts(upload.uploadId, { limit: 10 });
        assert.deepEqual(parts.map((p) => p.partNumber), [1, 2, 3]);
        assert.deepEqual([parts[0]!.blobId, parts[0]!.size], [p1b.blob.id, 5 * GiB]);
        assert.deepEqual((await store.listParts(upload.uploadId, { afterPartNumber: 1, limit: 1 })).map((p) => p.partNumber), [2]);
        await rejectsWith(f.part({ ...upload, uploadId: randomUUID() }, 1), 'NoSuchUpload');
      });

      it('keeps each part\'s checksums and replaces them with the part; upload checksum attributes round-trip', async () => {
        const bucket = await f.bucket();
        const attributes = { ...emptyAttributes(), checksumAlgorithm: 'sha256', checksumType: 'COMPOSITE' as const };
        const upload = await f.upload(bucket, 'summed', { attributes });
        assert.deepEqual((await store.getUpload(upload.uploadId))?.attributes, attributes);
        const sha = Buffer.alloc(32, 0xab).toString('base64');
        await f.part(upload, 1, undefined, { sha256: sha, crc32: 'AAAAAA==' });
        await f.part(upload, 2);
        let parts = await store.listParts(upload.uploadId, { limit: 10 });
        assert.deepEqual(parts.map((p) => p.checksums), [{ sha256: sha, crc32: 'AAAAAA==' }, {}]);
        await f.part(upload, 1, undefined, { sha256: Buffer.alloc(32, 0xcd).toString('base64') }); // a replaced part's checksums go with it
        await f.part(upload, 2, undefined, { crc64nvme: 'AAAAAAAAAAA=' });
        parts = await store.listParts(upload.uploadId, { limit: 10 });
        assert.deepEqual(parts.map((p) => p.checksums), [{ sha256: Buffer.alloc(32, 0xcd).toString('base64') }, { crc64nvme: 'AAAAAAAAAAA=' }]);
        // The completed object's derived checksum and per-part values are plain attributes.
        const row = f.object(bucket, 'summed', [], {
          extents: parts.map((p) => ({ blobId: p.blobId, size: p.size })), size: parts.reduce((n, p) => n + p.size, 0), partsCount: 2,
          attributes: { ...emptyAttributes(), checksums: { sha256: `${sha}-2` }, checksumType: 'COMPOSITE', partChecksums: parts.map((p) => p.checksums.sha256 ?? '') },
        });
        await store.completeUpload(upload.uploadId, row, { partNumbers: [1, 2], supersedeReason: 'x' });
        assert.deepEqual((await store.getLiveObject(bucket.id, 'summed'))?.attributes, row.attributes);
      });

      it('completes with a subset of parts: unchosen released, upload gone, previous object superseded', async () => {
        const bucket = await f.bucket();
        const previous = await f.put(bucket, 'movie');
        const upload = await f.upload(bucket, 'movie');
        const parts = [await f.part(upload, 1), await f.part(upload, 2), await f.part(upload, 3)];
        const chosen = [parts[0]!.blob, parts[2]!.blob];
        const row = f.object(bucket, 'movie', chosen, { partsCount: 2, etag: 'abc-2' });
        await rejectsWith(store.completeUpload(upload.uploadId, row, { partNumbers: [1, 4], supersedeReason: 'x' }), 'InvalidPart');
        await rejectsWith(store.completeUpload(upload.uploadId, row, { partNumbers: [3, 1], supersedeReason: 'x' }), 'InvalidPartOrder');
        assert.ok(await store.getUpload(upload.uploadId), 'a rejected completion changes nothing');
        const res = await store.completeUpload(upload.uploadId, row, { partNumbers: [1, 3], supersedeReason: 'overwritten' });
        assert.equal(res.superseded?.fileId, previous.row.fileId);
        assert.deepEqual(ids(res.released), ids([parts[1]!.blob, ...previous.blobs]));
        assert.deepEqual(await store.getLiveObject(bucket.id, 'movie'), row);
        for (const b of chosen) assert.deepEqual(await f.blobState(b.id), { state: 'committed', refCount: 1 });
        assert.equal(await store.getUpload(upload.uploadId), undefined);
        assert.deepEqual(await store.listParts(upload.uploadId, { limit: 10 }), []);
        await rejectsWith(store.completeUpload(upload.uploadId, { ...row, fileId: randomUUID() }, { partNumbers: [1, 3], supersedeReason: 'x' }), 'NoSuchUpload');
        assert.deepEqual(ids((await store.deleteObject(bucket.id, 'movie')).released), ids(chosen));
      });

      it('of two concurrent completions one wins and the other gets NoSuchUpload', async () => {
        const bucket = await f.bucket();
        const upload = await f.upload(bucket, 'k');
        const { blob } = await f.part(upload, 1);
        const rows = [f.object(bucket, 'k', [blob]), f.object(bucket, 'k', [blob])];
        const results = await Promise.allSettled(rows.map((row) => store.completeUpload(upload.uploadId, row, { partNumbers: [1], supersedeReason: 'x' })));
        assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
        const lost = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
        assert.equal((lost.reason as { code?: string }).code, 'NoSuchUpload');
        assert.deepEqual(await f.blobState(blob.id), { state: 'committed', refCount: 1 });
      });

      it('deleteUpload releases every part and reports a missing upload', async () => {
        const bucket = await f.bucket();
        const upload = await f.upload(bucket, 'k');
        const parts = [await f.part(upload, 1), await f.part(upload, 2)];
        const res = await store.deleteUpload(upload.uploadId);
        assert.equal(res.deleted, true);
        assert.deepEqual(ids(res.released), ids(parts.map((p) => p.blob)));
        assert.deepEqual(await store.deleteUpload(upload.uploadId), { deleted: false, released: [] });
        assert.equal(await store.getUpload(upload.uploadId), undefined);
      });

      it('lists uploads by key then upload id, with prefix and markers; finds expired ones', async () => {
        const bucket = await f.bucket();
        const old = new Date(Date.now() - 86_400_000);
        const made = [await f.upload(bucket, 'b'), await f.upload(bucket, 'a', { createdAt: old }), await f.upload(bucket, 'a'), await f.upload(bucket, 'a%')];
        await f.upload(await f.bucket(), 'a');
        const order = [...made].sort((x, y) => byteOrder(x.key, y.key) || byteOrder(x.uploadId, y.uploadId)).map((u) => u.uploadId);
        const list = async (o: { prefix?: string; keyMarker?: string; uploadIdMarker?: string; limit?: number }) =>
          (await store.listUploads(bucket.id, { limit: 100, ...o })).map((u) => u.uploadId);
        assert.deepEqual(await list({}), order);
        assert.deepEqual(await list({ limit: 2 }), order.slice(0, 2));
        assert.deepEqual(await list({ keyMarker: 'a' }), order.slice(2));
        assert.deepEqual(await list({ keyMarker: 'a', uploadIdMarker: order[0]! }), order.slice(1));
        assert.deepEqual(await list({ prefix: 'a%' }), [made[3]!.uploadId]);
        assert.deepEqual(await list({ prefix: 'a' }), order.slice(0, 3));
        assert.deepEqual((await store.listExpiredUploads(new Date(Date.now() - 3_600_000), 10)).map((u) => u.uploadId), [made[1]!.uploadId]);
      });
    });

    describe('migrations', () => {
      it('migrate() is idempotent; an extension migration runs once and its tables work through db', async () => {
        await store.migrate();
        let runs = 0;
        const first = {
          name: '0001_notes',
          async up(db: MetadataStore['db']) {
            runs++;
            await db.schema.createTable('conf_notes').addColumn('id', 'text', (c) => c.primaryKey()).addColumn('body', 'text').execute();
          },
        };
        await store.migrateExtension('conf', [first]);
        await store.migrateExtension('conf', [first]);
        assert.equal(runs, 1);
        let second = 0;
        await store.migrateExtension('conf', [first, { name: '0002_more', async up() { second++; } }]);
        await store.migrateExtension('other', [{ name: '0001_notes', async up() { second++; } }]);
        assert.deepEqual([runs, second], [1, 2]);
        await store.db.insertInto('conf_notes').values({ id: '1', body: 'hello' }).execute();
        assert.deepEqual(await store.db.selectFrom('conf_notes').selectAll().execute(), [{ id: '1', body: 'hello' }]);
      });

      it('rolls back a failing extension migration and runs it again next time', async () => {
        const failing = {
          name: '0001_half',
          async up(db: MetadataStore['db']) {
            await db.schema.createTable('conf_half').addColumn('id', 'text').execute();
            throw new Error('boom');
          },
        };
        await assert.rejects(store.migrateExtension('conf', [failing]));
        let ran = false;
        await store.migrateExtension('conf', [{ name: '0001_half', async up(db) { ran = true; await db.schema.createTable('conf_half').addColumn('id', 'text').execute(); } }]);
        assert.equal(ran, true);
      });
    });
  });
}
