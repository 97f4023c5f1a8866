import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  CreateBucketCommand, ListObjectsCommand, ListObjectsV2Command, ListObjectVersionsCommand, PutObjectCommand,
  paginateListObjectsV2,
} from '@aws-sdk/client-s3';
import { fetchSigned, s3Error, startS3Server, type S3TestServer } from './s3-server.js';

describe('S3 listing', () => {
  let s3: S3TestServer;
  const Bucket = 'listing';
  const keys = ['a.txt', 'b/1.txt', 'b/2.txt', 'b/c/3.txt', 'd e+f.txt', 'photos/2024/jan.jpg', 'photos/2024/feb.jpg', 'photos/2025/mar.jpg', 'zeta', 'ü-unicode'];
  before(async () => {
    s3 = await startS3Server();
    await s3.client.send(new CreateBucketCommand({ Bucket }));
    for (const Key of keys) await s3.client.send(new PutObjectCommand({ Bucket, Key, Body: Key }));
  });
  after(async () => {
    await s3.close();
  });

  test('v2: everything, in byte order, with sizes and ETags', async () => {
    const r = await s3.client.send(new ListObjectsV2Command({ Bucket }));
    assert.deepEqual(r.Contents?.map((c) => c.Key), [...keys].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b))));
    assert.equal(r.KeyCount, keys.length);
    assert.equal(r.IsTruncated, false);
    assert.equal(r.Name, Bucket);
    assert.equal(r.MaxKeys, 1000);
    assert.equal(r.Contents?.[0]?.Size, 5);
    assert.match(r.Contents?.[0]?.ETag ?? '', /^"[0-9a-f]{32}"$/);
    assert.equal(r.Contents?.[0]?.StorageClass, 'STANDARD');
    assert.equal(r.Contents?.[0]?.Owner, undefined, 'v2 sends Owner only with fetch-owner');
    const owned = await s3.client.send(new ListObjectsV2Command({ Bucket, FetchOwner: true, MaxKeys: 1 }));
    assert.equal(owned.Contents?.[0]?.Owner?.ID, s3.tenant.id);
  });

  test('v2: prefix, delimiter and common prefixes', async () => {
    const root = await s3.client.send(new ListObjectsV2Command({ Bucket, Delimiter: '/' }));
    assert.deepEqual(root.Contents?.map((c) => c.Key), ['a.txt', 'd e+f.txt', 'zeta', 'ü-unicode']);
    assert.deepEqual(root.CommonPrefixes?.map((p) => p.Prefix), ['b/', 'photos/']);
    assert.equal(root.KeyCount, 6);
    const photos = await s3.client.send(new ListObjectsV2Command({ Bucket, Prefix: 'photos/', Delimiter: '/' }));
    assert.deepEqual(photos.Contents ?? [], []);
    assert.deepEqual(photos.CommonPrefixes?.map((p) => p.Prefix), ['photos/2024/', 'photos/2025/']);
    const b = await s3.client.send(new ListObjectsV2Command({ Bucket, Prefix: 'b/' }));
    assert.deepEqual(b.Contents?.map((c) => c.Key), ['b/1.txt', 'b/2.txt', 'b/c/3.txt']);
    const none = await s3.client.send(new ListObjectsV2Command({ Bucket, Prefix: 'nothing/' }));
    assert.deepEqual([none.Contents, none.KeyCount], [undefined, 0]);
  });

  test('v2: pages by max-keys and continuation token; start-after', async () => {
    const seen: string[] = [];
    let pages = 0;
    for await (const page of paginateListObjectsV2({ client: s3.client, pageSize: 3 }, { Bucket, Delimiter: '/' })) {
      pages++;
      seen.push(...(page.Contents?.map((c) => c.Key!) ?? []), ...(page.CommonPrefixes?.map((p) => p.Prefix!) ?? []));
      assert.ok((page.KeyCount ?? 0) <= 3);
    }
    assert.equal(pages, 2);
    assert.deepEqual(seen.sort(), ['a.txt', 'b/', 'd e+f.txt', 'photos/', 'zeta', 'ü-unicode'].sort());
    const after = await s3.client.send(new ListObjectsV2Command({ Bucket, StartAfter: 'photos/2024/jan.jpg' }));
    assert.deepEqual(after.Contents?.map((c) => c.Key), ['photos/2025/mar.jpg', 'zeta', 'ü-unicode']);
    assert.equal(after.StartAfter, 'photos/2024/jan.jpg');
    const zero = await s3.client.send(new ListObjectsV2Command({ Bucket, MaxKeys: 0 }));
    assert.deepEqual([zero.KeyCount, zero.IsTruncated], [0, false]);
    const badToken = await s3Error(s3.client.send(new ListObjectsV2Command({ Bucket, ContinuationToken: '!!!' })));
    assert.deepEqual([badToken.code, badToken.status], ['InvalidArgument', 400]);
    const badMax = await fetchSigned(s3, 'GET', `/${Bucket}?list-type=2&max-keys=abc`);
    assert.equal(badMax.status, 400);
    assert.match(await badMax.text(), /<Code>InvalidArgument<\/Code>/);
  });

  test('v1: marker, NextMarker, owner', async () => {
    const first = await s3.client.send(new ListObjectsCommand({ Bucket, MaxKeys: 4 }));
    assert.equal(first.IsTruncated, true);
    assert.equal(first.Contents?.length, 4);
    assert.equal(first.NextMarker, first.Contents?.at(-1)?.Key);
    assert.equal(first.Contents?.[0]?.Owner?.DisplayName, 's3-tenant');
    const second = await s3.client.send(new ListObjectsCommand({ Bucket, Marker: first.NextMarker }));
    assert.equal(second.IsTruncated, false);
    assert.equal(first.Contents!.length + second.Contents!.length, keys.length);
    const delimited = await s3.client.send(new ListObjectsCommand({ Bucket, Delimiter: '/', Prefix: 'b/' }));
    assert.deepEqual(delimited.Contents?.map((c) => c.Key), ['b/1.txt', 'b/2.txt']);
    assert.deepEqual(delimited.CommonPrefixes?.map((p) => p.Prefix), ['b/c/']);
  });

  test('encoding-type=url encodes keys and prefixes', async () => {
    const res = await fetchSigned(s3, 'GET', `/${Bucket}?list-type=2&encoding-type=url&prefix=d`);
    const xml = await res.text();
    assert.match(xml, /<Key>d\+e%2Bf\.txt<\/Key>/);
    assert.match(xml, /<EncodingType>url<\/EncodingType>/);
    const sdk = await s3.client.send(new ListObjectsV2Command({ Bucket, EncodingType: 'url', Prefix: 'ü' }));
    assert.equal(decodeURIComponent(sdk.Contents![0]!.Key!.replace(/\+/g, ' ')), 'ü-unicode');
    const bad = await fetchSigned(s3, 'GET', `/${Bucket}?list-type=2&encoding-type=base64`);
    assert.equal(bad.status, 400);
  });

  test('object versions of an unversioned bucket: each key once, version "null"', async () => {
    const r = await s3.client.send(new ListObjectVersionsCommand({ Bucket, Prefix: 'b/', Delimiter: '/' }));
    assert.deepEqual(r.Versions?.map((v) => [v.Key, v.VersionId, v.IsLatest]), [['b/1.txt', 'null', true], ['b/2.txt', 'null', true]]);
    assert.deepEqual(r.CommonPrefixes?.map((p) => p.Prefix), ['b/c/']);
  });

  test('missing bucket: NoSuchBucket', async () => {
    const e = await s3Error(s3.client.send(new ListObjectsV2Command({ Bucket: 'no-such-bucket' })));
    assert.deepEqual([e.code, e.status], ['NoSuchBucket', 404]);
  });
});
