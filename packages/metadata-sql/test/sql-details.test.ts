import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { sql } from 'kysely';
import pg from 'pg';
import { isStorageError, type CommitResult } from '@omnigate/core';
import { openSqlMetadataStore } from '../src/index.js';
import { prefixSuccessor } from '../src/keys.js';

/** What the conformance suite cannot see: dialect settings, schema details and edge cases of helpers. */
const POSTGRES_URL = process.env.OMNIGATE_TEST_POSTGRES_URL || 'postgres://postgres@127.0.0.1:5432/test';

/** Runs `fn` with a fresh PostgreSQL schema (its URL selects it), then drops the schema. */
async function withPostgresSchema(fn: (url: string, admin: pg.Client, schema: string) => Promise<void>): Promise<void> {
  const schema = `omnigate_test_${process.pid}_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: POSTGRES_URL });
  await admin.connect();
  await admin.query(`create schema ${schema}`);
  const url = new URL(POSTGRES_URL);
  url.searchParams.set('options', `-c search_path=${schema}`);
  try {
    await fn(url.toString(), admin, schema);
  } finally {
    await admin.query(`drop schema ${schema} cascade`);
    await admin.end();
  }
}

/** Runs `fn` on a migrated store of each dialect: SQLite in memory, then PostgreSQL in a fresh schema. */
async function withEachDialect(fn: (store: Awaited<ReturnType<typeof openSqlMetadataStore>>) => Promise<void>): Promise<void> {
  await withPostgresSchema(async (url) => {
    for (const storeUrl of ['sqlite::memory:', url]) {
      const store = await openSqlMetadataStore({ url: storeUrl });
      try {
        await store.migrate();
        await fn(store);
      } finally {
        await store.close();
      }
    }
  });
}

/** A tenant and its bucket `b`, inserted into `store`. */
async function insertTenantAndBucket(store: Awaited<ReturnType<typeof openSqlMetadataStore>>) {
  const now = new Date();
  const tenant = { id: randomUUID(), name: 't', accessKey: `AKIA${randomUUID()}`, sealedSecret: randomBytes(8), apiKeyHash: randomUUID(), quotaBytes: null, settings: {}, createdAt: now };
  await store.insertTenant(tenant);
  const bucket = { id: randomUUID(), tenantId: tenant.id, name: 'b', settings: {}, createdAt: now };
  await store.insertBucket(bucket);
  return { now, tenant, bucket };
}

describe('prefixSuccessor', () => {
  it('increments the last code point, carrying past U+10FFFF and skipping surrogates', () => {
    assert.equal(prefixSuccessor('abc'), 'abd');
    assert.equal(prefixSuccessor('a%'), 'a&');
    assert.equal(prefixSuccessor('a😀'), 'a😁');
    assert.equal(prefixSuccessor('a\u{10FFFF}'), 'b');
    assert.equal(prefixSuccessor('a\u{10FFFF}\u{10FFFF}'), 'b');
    assert.equal(prefixSuccessor('\uD7FF'), '\uE000');
    assert.equal(prefixSuccessor('\u{10FFFF}'), undefined);
    assert.equal(prefixSuccessor(''), undefined);
  });
});

describe('openSqlMetadataStore', () => {
  it('rejects unknown URL schemes', async () => {
    await assert.rejects(openSqlMetadataStore({ url: 'mysql://localhost/x' }), (e) => isStorageError(e) && e.code === 'InvalidArgument');
  });

  it('opens SQLite in WAL mode with NORMAL sync (commits are fsynced by WalSync), foreign keys and a busy timeout', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'omnigate-meta-'));
    const store = await openSqlMetadataStore({ url: `sqlite:${join(dir, 'meta.db')}` });
    try {
      const pragma = async (name: string) => Object.values((await sql.raw<Record<string, unknown>>(`pragma ${name}`).execute(store.db)).rows[0]!)[0];
      assert.equal(await pragma('journal_mode'), 'wal');
      assert.equal(await pragma('synchronous'), 1); // NORMAL: wal-sync.ts fsyncs the WAL before a commit resolves
      assert.equal(await pragma('foreign_keys'), 1);
      assert.equal(await pragma('busy_timeout'), 5000);
      assert.equal(store.dialect, 'sqlite');
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reuses prepared statements: the same SQL sees later writes and new parameters, and streamed listings interleave', async () => {
    const store = await openSqlMetadataStore({ url: 'sqlite::memory:' });
    try {
      await store.migrate();
      const now = new Date();
      const tenant = { id: randomUUID(), name: 't', accessKey: 'AKIASTATEMENTCACHE01', sealedSecret: randomBytes(8), apiKeyHash: 'h', quotaBytes: null, settings: {}, createdAt: now };
      await store.insertTenant(tenant);
      for (const name of ['a', 'b']) await store.insertBucket({ id: randomUUID(), tenantId: tenant.id, name, settings: {}, createdAt: now });
      assert.equal((await store.getBucket(tenant.id, 'a'))?.name, 'a');
      assert.equal((await store.getBucket(tenant.id, 'b'))?.name, 'b');
      assert.equal(await store.getBucket(tenant.id, 'c'), undefined);
      const a = (await store.getBucket(tenant.id, 'a'))!;
      await store.updateBucketSettings(a.id, { v: 2 });
      assert.deepEqual((await store.getBucket(tenant.id, 'a'))?.settings, { v: 2 });
      const fragments = Array.from({ length: 5 }, () => ({ node: 'n', name: randomUUID() }));
      for (const f of fragments) {
        await store.insertBlob({
          id: randomUUID(), state: 'pending', refCount: 0, plainSize: 0, cipherSize: 0, header: Buffer.alloc(0), wrappedKey: Buffer.alloc(0),
          kekId: 'k', dataShards: 1, parityShards: 0, shardSize: 4096, fragments: [f], createdAt: now,
        });
      }
      const list = async () => { const out: string[] = []; for await (const n of store.listFragmentNames('n')) out.push(n); return out.sort(); };
      const [x, y] = await Promise.all([list(), list()]);
      const expected = fragments.map((f) => f.name).sort();
      assert.deepEqual(x, expected);
      assert.deepEqual(y, expected);
    } finally {
      await store.close();
    }
  });

  it('commits concurrent SQLite transactions together, and one that fails in the batch changes nothing and fails alone', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'omnigate-meta-'));
    const store = await openSqlMetadataStore({ url: `sqlite:${join(dir, 'meta.db')}` });
    try {
      await store.migrate();
      const now = new Date();
      const tenant = { id: randomUUID(), name: 't', accessKey: 'AKIAGROUPCOMMIT00001', sealedSecret: randomBytes(8), apiKeyHash: 'h', quotaBytes: null, settings: {}, createdAt: now };
      await store.insertTenant(tenant);
      const bucket = { id: randomUUID(), tenantId: tenant.id, name: 'b', settings: {}, createdAt: now };
      await store.insertBucket(bucket);
      const commit = (bucketId: string, key: string) => {
        const blob = {
          id: randomUUID(), state: 'pending' as const, refCount: 0, plainSize: 1, cipherSize: 1, header: Buffer.alloc(0), wrappedKey: Buffer.alloc(0),
          kekId: 'k', dataShards: 1, parityShards: 0, shardSize: 4096, fragments: [], inline: Buffer.from('x'), createdAt: now,
        };
        const row = {
          fileId: randomUUID(), tenantId: tenant.id, bucketId, key, state: 'live' as const, phase: 'safe' as const, cancelledReason: null,
          size: 1, etag: 'e', sha256: null, contentType: 'x/y', attributes: { metadata: {}, headers: {}, tags: {} },
          extents: [{ blobId: blob.id, size: 1 }], partsCount: null, createdAt: now, updatedAt: now, replicationSafeAt: now,
        };
        return { blob, promise: store.commitObject(row, { commitBlobIds: [blob.id], supersedeReason: 's', newBlobs: [blob] }) };
      };
      const jobs = [commit(bucket.id, 'a'), commit(randomUUID(), 'lost'), commit(bucket.id, 'b'), commit(bucket.id, 'a')];
      const settled = await Promise.allSettled(jobs.map((j) => j.promise));
      assert.deepEqual(settled.map((s) => s.status), ['fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
      assert.ok(isStorageError((settled[1] as PromiseRejectedResult).reason) && (settled[1] as PromiseRejectedResult).reason.code === 'NoSuchBucket');
      // The failed commit's blob row, inserted before its bucket check failed, was rolled back with it.
      assert.deepEqual(await store.getBlobs([jobs[1]!.blob.id]), []);
      // The later commit of 'a' superseded the earlier one of the same batch, in order.
      assert.equal((settled[3] as PromiseFulfilledResult<CommitResult>).value.superseded?.extents[0]?.blobId, jobs[0]!.blob.id);
      assert.equal((await store.getLiveObject(bucket.id, 'a'))?.extents[0]?.blobId, jobs[3]!.blob.id);
      assert.equal((await store.getLiveObject(bucket.id, 'b'))?.extents[0]?.blobId, jobs[2]!.blob.id);
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('getBucketAndLiveObject: the tenant\'s bucket by name and its live object at a key, in one query', async () => {
    const store = await openSqlMetadataStore({ url: 'sqlite::memory:' });
    try {
      await store.migrate();
      const now = new Date();
      const tenant = (name: string) => ({ id: randomUUID(), name, accessKey: `AKIAJOIN${name.toUpperCase().padEnd(12, '0')}`, sealedSecret: randomBytes(8), apiKeyHash: name, quotaBytes: null, settings: {}, createdAt: now });
      const [t1, t2] = [tenant('one'), tenant('two')];
      await store.insertTenant(t1);
      await store.insertTenant(t2);
      const b1 = { id: randomUUID(), tenantId: t1.id, name: 'photos', settings: { a: 1 }, createdAt: now };
      await store.insertBucket(b1);
      await store.insertBucket({ id: randomUUID(), tenantId: t2.id, name: 'photos', settings: {}, createdAt: now });
      const put = async (key: string) => {
        const blob = {
          id: randomUUID(), state: 'pending' as const, refCount: 0, plainSize: 1, cipherSize: 1, header: Buffer.alloc(0), wrappedKey: Buffer.alloc(0),
          kekId: 'k', dataShards: 1, parityShards: 0, shardSize: 4096, fragments: [], inline: Buffer.from('x'), createdAt: now,
        };
        const row = {
          fileId: randomUUID(), tenantId: t1.id, bucketId: b1.id, key, state: 'live' as const, phase: 'safe' as const, cancelledReason: null,
          size: 1, etag: 'e', sha256: null, contentType: 'x/y', attributes: { metadata: { m: 'v' }, headers: {}, tags: {} },
          extents: [{ blobId: blob.id, size: 1 }], partsCount: null, createdAt: now, updatedAt: now, replicationSafeAt: now,
        };
        await store.commitObject(row, { commitBlobIds: [blob.id], supersedeReason: 's', newBlobs: [blob] });
        return row;
      };
      await put('k');
      const second = await put('k'); // the first is now a cancelled row of the same key
      assert.equal(await store.getBucketAndLiveObject!(t1.id, 'videos', 'k'), undefined);
      assert.deepEqual(await store.getBucketAndLiveObject!(t1.id, 'photos', 'none'), { bucket: b1, object: undefined });
      const found = await store.getBucketAndLiveObject!(t1.id, 'photos', 'k');
      assert.deepEqual(found?.bucket, b1);
      assert.deepEqual(found?.object, await store.getLiveObject(b1.id, 'k'));
      assert.equal(found?.object?.fileId, second.fileId);
      assert.equal((await store.getBucketAndLiveObject!(t2.id, 'photos', 'k'))?.object, undefined, 'another tenant\'s bucket of that name');
    } finally {
      await store.close();
    }
  });

  it('getBucketAndLiveObject reads an object\'s blob only while it is committed; any other state is left to getBlobs (SQLite and PostgreSQL)', async () => {
    await withEachDialect(async (store) => {
      const { now, tenant, bucket } = await insertTenantAndBucket(store);
      const blob = {
        id: randomUUID(), state: 'pending' as const, refCount: 0, plainSize: 1, cipherSize: 1, header: Buffer.alloc(0), wrappedKey: Buffer.alloc(0),
        kekId: 'k', dataShards: 1, parityShards: 0, shardSize: 4096, fragments: [], inline: Buffer.from('x'), createdAt: now,
      };
      const row = {
        fileId: randomUUID(), tenantId: tenant.id, bucketId: bucket.id, key: 'k', state: 'live' as const, phase: 'safe' as const, cancelledReason: null,
        size: 1, etag: 'e', sha256: null, contentType: 'x/y', attributes: { metadata: {}, headers: {}, tags: {} },
        extents: [{ blobId: blob.id, size: 1 }], partsCount: null, createdAt: now, updatedAt: now, replicationSafeAt: now,
      };
      await store.commitObject(row, { commitBlobIds: [blob.id], supersedeReason: 's', newBlobs: [blob] });
      const folded = async () => (await store.getBucketAndLiveObject!(tenant.id, 'b', 'k', { withBlob: true }))?.blob?.state;
      assert.equal(await folded(), 'committed', store.dialect);
      for (const state of ['deleting', 'pending']) {
        await sql`update blobs set state = ${state} where id = ${blob.id}`.execute(store.db);
        assert.equal(await folded(), undefined, `${store.dialect}: ${state}`);
        assert.equal((await store.getBlobs([blob.id]))[0]?.state, state, 'still there for getBlobs');
      }
    });
  });

  it('re-runs a core migration that was interrupted before it was recorded (SQLite DDL runs outside a transaction)', async () => {
    const store = await openSqlMetadataStore({ url: 'sqlite::memory:' });
    try {
      await store.migrate();
      await store.db.deleteFrom('core_migrations').execute(); // as if the process died before recording it
      await store.migrate();
      assert.equal((await store.db.selectFrom('core_migrations').selectAll().execute()).length, 3, 'every core migration recorded again');
    } finally {
      await store.close();
    }
  });

  it('migration 0003 upgrades a database whose parts predate part checksums: they read back with none (SQLite and PostgreSQL)', async () => {
    await withEachDialect(async (store) => {
      // Back to the schema of 0002, as a gateway of the previous version left it, with one part in it.
      await sql`alter table parts drop column checksums`.execute(store.db);
      await sql`delete from core_migrations where name = '0003_part_checksums'`.execute(store.db);
      const { now, tenant, bucket } = await insertTenantAndBucket(store);
      const uploadId = randomUUID();
      await store.insertUpload({ uploadId, tenantId: tenant.id, bucketId: bucket.id, key: 'k', contentType: 'x/y', attributes: { metadata: {}, headers: {}, tags: {}, checksums: {} }, createdAt: now });
      await sql`insert into parts (upload_id, part_number, blob_id, size, etag, created_at) values (${uploadId}, 1, ${randomUUID()}, 5, 'e1', ${now.getTime()})`.execute(store.db);
      await store.migrate();
      assert.deepEqual((await store.listParts(uploadId, { limit: 10 })).map((p) => [p.partNumber, p.checksums]), [[1, {}]], store.dialect);
    });
  });

  it('reports an unreachable PostgreSQL as an InternalError without connection details in the message', async () => {
    const store = await openSqlMetadataStore({ url: 'postgres://postgres@127.0.0.1:1/none' });
    try {
      await assert.rejects(store.migrate(), (e) => isStorageError(e) && e.code === 'InternalError' && !/127\.0\.0\.1|ECONNREFUSED/.test(e.message));
    } finally {
      await store.close();
    }
  });

  it('declares byte-order collation and the partial live-key index on PostgreSQL', async () => {
    await withPostgresSchema(async (url, admin, schema) => {
      const store = await openSqlMetadataStore({ url });
      try {
        await store.migrate();
        await store.migrate();
        assert.equal(store.dialect, 'postgres');
        const columns = await admin.query(
          `select table_name, column_name, collation_name from information_schema.columns
            where table_schema = $1 and column_name in ('key', 'upload_id', 'id') and table_name not like 'core_migrations%' order by 1, 2`, [schema]);
        for (const c of columns.rows) assert.equal(c.collation_name, 'C', `${c.table_name}.${c.column_name}`);
        assert.ok(columns.rows.some((c) => c.table_name === 'objects' && c.column_name === 'key'));
        const index = await admin.query(`select indexdef from pg_indexes where schemaname = $1 and indexname = 'objects_live_key'`, [schema]);
        assert.match(index.rows[0]?.indexdef ?? '', /UNIQUE INDEX .*\(bucket_id, key\) WHERE \(state = 'live'::text\)/);
        const types = await admin.query(`select column_name, data_type from information_schema.columns where table_schema = $1 and table_name = 'objects' and column_name in ('size', 'attributes')`, [schema]);
        assert.deepEqual(Object.fromEntries(types.rows.map((r) => [r.column_name, r.data_type])), { size: 'bigint', attributes: 'jsonb' });
      } finally {
        await store.close();
      }
    });
  });
});
