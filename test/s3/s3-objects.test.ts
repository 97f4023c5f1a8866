import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import {
  CopyObjectCommand, CreateBucketCommand, DeleteObjectCommand, DeleteObjectTaggingCommand, GetObjectCommand,
  GetObjectTaggingCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand, PutObjectTaggingCommand,
  GetObjectAttributesCommand, GetObjectAclCommand,
} from '@aws-sdk/client-s3';
import { collect } from '../helpers/storage-fixture.js';
import { fetchSigned, s3Error, startS3Server, type S3TestServer } from './s3-server.js';

const md5 = (b: Buffer | string) => createHash('md5').update(b).digest('hex');

describe('S3 objects', () => {
  let s3: S3TestServer;
  const Bucket = 'objects';
  const keysOf = async () => (await s3.client.send(new ListObjectsV2Command({ Bucket }))).Contents?.map((c) => `${c.Key}:${c.ETag}`) ?? [];
  before(async () => {
    s3 = await startS3Server();
    await s3.client.send(new CreateBucketCommand({ Bucket }));
  });
  after(async () => {
    await s3.close();
  });

  test('put, get and head round-trip bytes, metadata, stored headers and tags', async () => {
    const body = 'hello, omnigate';
    const put = await s3.client.send(new PutObjectCommand({
      Bucket, Key: 'docs/hello.txt', Body: body, ContentType: 'text/plain; charset=utf-8',
      Metadata: { author: 'Ada', 'project-name': 'og' },
      ContentDisposition: 'attachment; filename="hello.txt"', CacheControl: 'max-age=60', ContentEncoding: 'identity',
      ContentLanguage: 'en', Expires: new Date('2030-01-01T00:00:00Z'), Tagging: 'team=storage&kind=doc',
    }));
    assert.equal(put.ETag, `"${md5(body)}"`);
    assert.equal(put.ServerSideEncryption, 'AES256');
    const get = await s3.client.send(new GetObjectCommand({ Bucket, Key: 'docs/hello.txt' }));
    assert.equal(await get.Body!.transformToString(), body);
    assert.equal(get.ContentType, 'text/plain; charset=utf-8');
    assert.equal(get.ContentLength, body.length);
    assert.equal(get.ETag, `"${md5(body)}"`);
    assert.deepEqual(get.Metadata, { author: 'Ada', 'project-name': 'og' });
    assert.equal(get.ContentDisposition, 'attachment; filename="hello.txt"');
    assert.equal(get.CacheControl, 'max-age=60');
    assert.equal(get.ContentEncoding, 'identity');
    assert.equal(get.ContentLanguage, 'en');
    assert.equal(get.ExpiresString ?? get.Expires?.toUTCString(), 'Tue, 01 Jan 2030 00:00:00 GMT');
    assert.equal(get.TagCount, 2);
    assert.equal(get.AcceptRanges, 'bytes');
    assert.ok(get.LastModified instanceof Date);
    const head = await s3.client.send(new HeadObjectCommand({ Bucket, Key: 'docs/hello.txt' }));
    assert.equal(head.ContentLength, body.length);
    assert.deepEqual(head.Metadata, { author: 'Ada', 'project-name': 'og' });
    const tags = await s3.client.send(new GetObjectTaggingCommand({ Bucket, Key: 'docs/hello.txt' }));
    assert.deepEqual(tags.TagSet, [{ Key: 'team', Value: 'storage' }, { Key: 'kind', Value: 'doc' }]);
    const acl = await s3.client.send(new GetObjectAclCommand({ Bucket, Key: 'docs/hello.txt' }));
    assert.equal(acl.Grants?.[0]?.Permission, 'FULL_CONTROL');
    const attrs = await s3.client.send(new GetObjectAttributesCommand({ Bucket, Key: 'docs/hello.txt', ObjectAttributes: ['ETag', 'ObjectSize', 'StorageClass'] }));
    assert.deepEqual([attrs.ETag, attrs.ObjectSize, attrs.StorageClass], [md5(body), body.length, 'STANDARD']);
  });

  test('missing objects: NoSuchKey (GET), 404 without body (HEAD), 204 (DELETE)', async () => {
    const get = await s3Error(s3.client.send(new GetObjectCommand({ Bucket, Key: 'nope' })));
    assert.deepEqual([get.code, get.status], ['NoSuchKey', 404]);
    const head = await s3Error(s3.client.send(new HeadObjectCommand({ Bucket, Key: 'nope' })));
    assert.deepEqual([head.code, head.status], ['NotFound', 404]);
    const del = await s3.client.send(new DeleteObjectCommand({ Bucket, Key: 'nope' }));
    assert.equal(del.$metadata.httpStatusCode, 204);
    const noBucket = await s3Error(s3.client.send(new GetObjectCommand({ Bucket: 'no-such-bucket', Key: 'k' })));
    assert.deepEqual([noBucket.code, noBucket.status], ['NoSuchBucket', 404]);
  });

  test('ranges: closed, open, suffix, unsatisfiable', async () => {
    await s3.client.send(new PutObjectCommand({ Bucket, Key: 'digits', Body: '0123456789' }));
    const range = async (Range: string) => {
      const r = await s3.client.send(new GetObjectCommand({ Bucket, Key: 'digits', Range }));
      return [r.$metadata.httpStatusCode, await r.Body!.transformToString(), r.ContentRange, r.ContentLength];
    };
    assert.deepEqual(await range('bytes=2-4'), [206, '234', 'bytes 2-4/10', 3]);
    assert.deepEqual(await range('bytes=7-'), [206, '789', 'bytes 7-9/10', 3]);
    assert.deepEqual(await range('bytes=-3'), [206, '789', 'bytes 7-9/10', 3]);
    assert.deepEqual(await range('bytes=8-100'), [206, '89', 'bytes 8-9/10', 2]);
    assert.deepEqual(await range('bytes=-100'), [206, '0123456789', 'bytes 0-9/10', 10]);
    const bad = await s3Error(s3.client.send(new GetObjectCommand({ Bucket, Key: 'digits', Range: 'bytes=10-' })));
    assert.deepEqual([bad.code, bad.status], ['InvalidRange', 416]);
    const raw = await s3.client.send(new GetObjectCommand({ Bucket, Key: 'digits', Range: 'items=0-1' }));
    assert.equal(raw.$metadata.httpStatusCode, 200, 'a Range header S3 does not understand is ignored');
    const head = await s3.client.send(new HeadObjectCommand({ Bucket, Key: 'digits', Range: 'bytes=0-0' }));
    assert.deepEqual([head.$metadata.httpStatusCode, head.ContentLength, head.ContentRange], [206, 1, 'bytes 0-0/10']);
  });

  test('conditional GET and HEAD: 200, 304, 412', async () => {
    const put = await s3.client.send(new PutObjectCommand({ Bucket, Key: 'cond', Body: 'v1' }));
    const etag = put.ETag!;
    const past = new Date(Date.now() - 3600_000);
    const future = new Date(Date.now() + 3600_000);
    const status = async (input: Partial<ConstructorParameters<typeof GetObjectCommand>[0]>) => {
      try {
        const r = await s3.client.send(new GetObjectCommand({ Bucket, Key: 'cond', ...input }));
        await r.Body!.transformToString();
        return r.$metadata.httpStatusCode;
      } catch (err) {
        return (err as { $metadata: { httpStatusCode: number } }).$metadata.httpStatusCode;
      }
    };
    assert.equal(await status({ IfMatch: etag }), 200);
    assert.equal(await status({ IfMatch: '"0000"' }), 412);
    assert.equal(await status({ IfNoneMatch: etag }), 304);
    assert.equal(await status({ IfNoneMatch: '"0000"' }), 200);
    assert.equal(await status({ IfModifiedSince: future }), 304);
    assert.equal(await status({ IfModifiedSince: past }), 200);
    assert.equal(await status({ IfUnmodifiedSince: past }), 412);
    assert.equal(await status({ IfUnmodifiedSince: future }), 200);
    // If-Match wins over If-Unmodified-Since; If-None-Match over If-Modified-Since (RFC 9110 §13.2.2).
    assert.equal(await status({ IfMatch: etag, IfUnmodifiedSince: past }), 200);
    assert.equal(await status({ IfNoneMatch: '"0000"', IfModifiedSince: future }), 200);
    assert.equal(await status({ IfMatch: etag, Range: 'bytes=0-0' }), 206);
    const raw304 = await fetchSigned(s3, 'GET', `/${Bucket}/cond`, { headers: { 'if-none-match': etag } });
    assert.deepEqual([raw304.status, raw304.headers.get('etag'), await raw304.text()], [304, etag, '']);
    assert.ok(raw304.headers.get('last-modified'));
    const raw416 = await fetchSigned(s3, 'GET', `/${Bucket}/cond`, { headers: { range: 'bytes=50-' } });
    assert.deepEqual([raw416.status, raw416.headers.get('content-range'), raw416.headers.get('etag')], [416, 'bytes */2', null]);
    const notModified = await s3Error(s3.client.send(new HeadObjectCommand({ Bucket, Key: 'cond', IfNoneMatch: etag })));
    assert.equal(notModified.status, 304);
    const failed = await s3Error(s3.client.send(new HeadObjectCommand({ Bucket, Key: 'cond', IfMatch: '"x"' })));
    assert.equal(failed.status, 412);
    // Conditional writes.
    const exists = await s3Error(s3.client.send(new PutObjectCommand({ Bucket, Key: 'cond', Body: 'v2', IfNoneMatch: '*' })));
    assert.deepEqual([exists.code, exists.status], ['PreconditionFailed', 412]);
    await s3.client.send(new PutObjectCommand({ Bucket, Key: 'cond', Body: 'v2', IfMatch: etag }));
    assert.equal(await (await s3.client.send(new GetObjectCommand({ Bucket, Key: 'cond' }))).Body!.transformToString(), 'v2');
  });

  test('response-* overrides', async () => {
    await s3.client.send(new PutObjectCommand({ Bucket, Key: 'override', Body: '{}', ContentType: 'application/json' }));
    const get = await s3.client.send(new GetObjectCommand({
      Bucket, Key: 'override', ResponseContentType: 'text/plain', ResponseContentDisposition: 'attachment; filename="x.json"',
      ResponseCacheControl: 'no-store', ResponseContentEncoding: 'identity', ResponseContentLanguage: 'fr', ResponseExpires: new Date('2031-01-01T00:00:00Z'),
    }));
    await get.Body!.transformToString();
    assert.deepEqual(
      [get.ContentType, get.ContentDisposition, get.CacheControl, get.ContentEncoding, get.ContentLanguage, get.ExpiresString ?? get.Expires?.toUTCString()],
      ['text/plain', 'attachment; filename="x.json"', 'no-store', 'identity', 'fr', 'Wed, 01 Jan 2031 00:00:00 GMT'],
    );
  });

  test('checksums: SDK default CRC32 and every algorithm, header and trailer; returned with checksum mode', async () => {
    const body = Buffer.from('checksummed body '.repeat(1000));
    const put = await s3.client.send(new PutObjectCommand({ Bucket, Key: 'ck/default', Body: body }));
    assert.ok(put.ChecksumCRC32, 'the SDK sends CRC32 by default and we echo it');
    const get = await s3.client.send(new GetObjectCommand({ Bucket, Key: 'ck/default', ChecksumMode: 'ENABLED' }));
    assert.equal(get.ChecksumCRC32, put.ChecksumCRC32);
    assert.ok((await get.Body!.transformToByteArray()).length === body.length);
    for (const ChecksumAlgorithm of ['CRC32', 'CRC32C', 'CRC64NVME', 'SHA1', 'SHA256'] as const) {
      const key = `ck/${ChecksumAlgorithm}`;
      const r = await s3.client.send(new PutObjectCommand({ Bucket, Key: key, Body: body, ChecksumAlgorithm }));
      const field = `Checksum${ChecksumAlgorithm}` as const;
      assert.ok(r[field], `${ChecksumAlgorithm} echoed`);
      const back = await s3.client.send(new HeadObjectCommand({ Bucket, Key: key, ChecksumMode: 'ENABLED' }));
      assert.equal(back[field], r[field], ChecksumAlgorithm);
      // A stream body goes aws-chunked with the checksum in a trailer.
      const streamed = await s3.client.send(new PutObjectCommand({ Bucket, Key: `${key}-stream`, Body: Readable.from([body.subarray(0, 7000), body.subarray(7000)]), ContentLength: body.length, ChecksumAlgorithm }));
      assert.equal(streamed[field], r[field], `${ChecksumAlgorithm} from a trailer`);
      const streamedBack = await s3.client.send(new GetObjectCommand({ Bucket, Key: `${key}-stream`, ChecksumMode: 'ENABLED' }));
      assert.equal(md5(Buffer.from(await streamedBack.Body!.transformToByteArray())), md5(body));
      assert.equal(streamedBack[field], r[field]);
    }
    const before = await keysOf();
    const crc = await s3Error(s3.client.send(new PutObjectCommand({ Bucket, Key: 'ck/default', Body: 'other', ChecksumCRC32: put.ChecksumCRC32 })));
    assert.deepEqual([crc.code, crc.status], ['BadDigest', 400]);
    const sha = await s3Error(s3.client.send(new PutObjectCommand({ Bucket, Key: 'ck/new', Body: 'other', ChecksumSHA256: createHash('sha256').update('x').digest('base64') })));
    assert.deepEqual([sha.code, sha.status], ['BadDigest', 400]);
    const badMd5 = await s3Error(s3.client.send(new PutObjectCommand({ Bucket, Key: 'ck/default', Body: 'other', ContentMD5: createHash('md5').update('x').digest('base64') })));
    assert.deepEqual([badMd5.code, badMd5.status], ['BadDigest', 400]);
    const malformedMd5 = await s3Error(s3.client.send(new PutObjectCommand({ Bucket, Key: 'ck/default', Body: 'other', ContentMD5: 'not-an-md5' })));
    assert.deepEqual([malformedMd5.code, malformedMd5.status], ['InvalidDigest', 400]);
    const goodMd5 = await s3.client.send(new PutObjectCommand({ Bucket, Key: 'ck/md5', Body: 'md5 body', ContentMD5: createHash('md5').update('md5 body').digest('base64') }));
    assert.equal(goodMd5.ETag, `"${md5('md5 body')}"`);
    assert.deepEqual((await keysOf()).sort(), [...before, `ck/md5:"${md5('md5 body')}"`].sort(), 'failed puts changed nothing');
    const still = await s3.client.send(new GetObjectCommand({ Bucket, Key: 'ck/default' }));
    assert.equal(md5(Buffer.from(await still.Body!.transformToByteArray())), md5(body));
  });

  test('object tagging: put, get, delete, limits', async () => {
    await s3.client.send(new PutObjectCommand({ Bucket, Key: 'tagged', Body: 't' }));
    assert.deepEqual((await s3.client.send(new GetObjectTaggingCommand({ Bucket, Key: 'tagged' }))).TagSet, []);
    await s3.client.send(new PutObjectTaggingCommand({ Bucket, Key: 'tagged', Tagging: { TagSet: [{ Key: 'a', Value: '1' }, { Key: 'b & c', Value: '<2>' }] } }));
    assert.deepEqual((await s3.client.send(new GetObjectTaggingCommand({ Bucket, Key: 'tagged' }))).TagSet, [{ Key: 'a', Value: '1' }, { Key: 'b & c', Value: '<2>' }]);
    const tooMany = await s3Error(s3.client.send(new PutObjectTaggingCommand({ Bucket, Key: 'tagged', Tagging: { TagSet: Array.from({ length: 11 }, (_, i) => ({ Key: `k${i}`, Value: 'v' })) } })));
    assert.deepEqual([tooMany.code, tooMany.status], ['InvalidTag', 400]);
    const dup = await s3Error(s3.client.send(new PutObjectTaggingCommand({ Bucket, Key: 'tagged', Tagging: { TagSet: [{ Key: 'a', Value: '1' }, { Key: 'a', Value: '2' }] } })));
    assert.equal(dup.code, 'InvalidTag');
    assert.equal((await s3.client.send(new GetObjectTaggingCommand({ Bucket, Key: 'tagged' }))).TagSet?.length, 2, 'unchanged');
    await s3.client.send(new DeleteObjectTaggingCommand({ Bucket, Key: 'tagged' }));
    assert.deepEqual((await s3.client.send(new GetObjectTaggingCommand({ Bucket, Key: 'tagged' }))).TagSet, []);
    const missing = await s3Error(s3.client.send(new GetObjectTaggingCommand({ Bucket, Key: 'untagged-missing' })));
    assert.equal(missing.code, 'NoSuchKey');
    const badHeader = await s3Error(s3.client.send(new PutObjectCommand({ Bucket, Key: 'tagged2', Body: 'x', Tagging: 'a=1&a=2' })));
    assert.equal(badHeader.code, 'InvalidTag');
  });

  test('copy: COPY and REPLACE directives, encoded source keys, source conditions, self-copy', async () => {
    const srcKey = 'src/ünï cödé+plus.txt';
    const put = await s3.client.send(new PutObjectCommand({ Bucket, Key: srcKey, Body: 'copy me', ContentType: 'text/x-src', Metadata: { origin: 'src' }, Tagging: 'from=src' }));
    const CopySource = `${Bucket}/${encodeURIComponent(srcKey)}`;
    const copied = await s3.client.send(new CopyObjectCommand({ Bucket, Key: 'dst/copy', CopySource }));
    assert.equal(copied.CopyObjectResult?.ETag, put.ETag);
    assert.ok(copied.CopyObjectResult?.LastModified instanceof Date);
    const got = await s3.client.send(new GetObjectCommand({ Bucket, Key: 'dst/copy' }));
    assert.deepEqual([await got.Body!.transformToString(), got.ContentType, got.Metadata, got.TagCount], ['copy me', 'text/x-src', { origin: 'src' }, 1]);
    await s3.client.send(new CopyObjectCommand({
      Bucket, Key: 'dst/replaced', CopySource: `/${CopySource}?versionId=null`, MetadataDirective: 'REPLACE', ContentType: 'text/x-new', Metadata: { origin: 'new' },
      TaggingDirective: 'REPLACE', Tagging: 'a=1&b=2',
    }));
    const replaced = await s3.client.send(new HeadObjectCommand({ Bucket, Key: 'dst/replaced' }));
    assert.deepEqual([replaced.ContentType, replaced.Metadata, replaced.TagCount], ['text/x-new', { origin: 'new' }, 2]);
    const failed = await s3Error(s3.client.send(new CopyObjectCommand({ Bucket, Key: 'dst/cond', CopySource, CopySourceIfMatch: '"nope"' })));
    assert.deepEqual([failed.code, failed.status], ['PreconditionFailed', 412]);
    const notModified = await s3Error(s3.client.send(new CopyObjectCommand({ Bucket, Key: 'dst/cond', CopySource, CopySourceIfNoneMatch: put.ETag })));
    assert.deepEqual([notModified.code, notModified.status], ['PreconditionFailed', 412]);
    await s3.client.send(new CopyObjectCommand({ Bucket, Key: 'dst/cond', CopySource, CopySourceIfMatch: put.ETag, CopySourceIfModifiedSince: new Date(Date.now() - 3600_000) }));
    const self = await s3Error(s3.client.send(new CopyObjectCommand({ Bucket, Key: srcKey, CopySource })));
    assert.deepEqual([self.code, self.status], ['InvalidRequest', 400]);
    await s3.client.send(new CopyObjectCommand({ Bucket, Key: srcKey, CopySource, MetadataDirective: 'REPLACE', Metadata: { origin: 'self' } }));
    assert.deepEqual((await s3.client.send(new HeadObjectCommand({ Bucket, Key: srcKey }))).Metadata, { origin: 'self' });
    const missing = await s3Error(s3.client.send(new CopyObjectCommand({ Bucket, Key: 'dst/x', CopySource: `${Bucket}/missing` })));
    assert.deepEqual([missing.code, missing.status], ['NoSuchKey', 404]);
    const badVersion = await s3Error(s3.client.send(new CopyObjectCommand({ Bucket, Key: 'dst/x', CopySource: `${CopySource}?versionId=abc` })));
    assert.equal(badVersion.code, 'InvalidArgument');
    const badDirective = await s3Error(s3.client.send(new CopyObjectCommand({ Bucket, Key: 'dst/x', CopySource, MetadataDirective: 'MERGE' as never })));
    assert.equal(badDirective.code, 'InvalidArgument');
  });

  test('keys: .., //, unicode, spaces, + are plain key bytes; 1024 bytes ok, 1025 KeyTooLongError', async () => {
    const keys = ['a/../b', '../up', 'x//y', '//lead', 'trail/', 'ünï/cödé/日本語.txt', 'with space', 'plus+sign', 'a+b c%20d', 'q?x=1&y', '#hash', 'tab\there', '~!*\'()'];
    for (const Key of keys) {
      await s3.client.send(new PutObjectCommand({ Bucket: 'objects', Key, Body: `body of ${Key}` }));
      const got = await s3.client.send(new GetObjectCommand({ Bucket: 'objects', Key }));
      assert.equal(await got.Body!.transformToString(), `body of ${Key}`, Key);
    }
    const listed = (await s3.client.send(new ListObjectsV2Command({ Bucket, MaxKeys: 1000 }))).Contents?.map((c) => c.Key) ?? [];
    for (const key of keys) assert.ok(listed.includes(key), key);
    const long = 'k'.repeat(1021) + 'é'; // 1023 bytes + 'x' = 1024
    await s3.client.send(new PutObjectCommand({ Bucket, Key: `${long}x`, Body: 'long' }));
    const before = await keysOf();
    const tooLong = await s3Error(s3.client.send(new PutObjectCommand({ Bucket, Key: `${long}xy`, Body: 'long' })));
    assert.deepEqual([tooLong.code, tooLong.status], ['KeyTooLongError', 400]);
    assert.deepEqual(await keysOf(), before);
  });

  test('oversize metadata is MetadataTooLarge and changes nothing', async () => {
    const before = await keysOf();
    const big = await s3Error(s3.client.send(new PutObjectCommand({ Bucket, Key: 'meta', Body: 'x', Metadata: { a: 'v'.repeat(1500), b: 'w'.repeat(600) } })));
    assert.deepEqual([big.code, big.status], ['MetadataTooLarge', 400]);
    assert.deepEqual(await keysOf(), before);
    await s3.client.send(new PutObjectCommand({ Bucket, Key: 'meta', Body: 'x', Metadata: { a: 'v'.repeat(1000) } }));
  });

  test('cross-protocol: S3 put read by fileId; storage put listed and read through S3', async () => {
    await s3.client.send(new PutObjectCommand({ Bucket, Key: 'cross/s3', Body: 'from s3' }));
    const info = await s3.storage.headObject(s3.tenant, Bucket, 'cross/s3');
    const byId = await s3.storage.getObjectById(info.fileId);
    assert.equal((await collect(byId.body)).toString(), 'from s3');
    await s3.storage.putObject(s3.tenant, Bucket, 'cross/core', Readable.from([Buffer.from('from core')]), { contentType: 'text/x-core', metadata: { via: 'core' } });
    const listed = await s3.client.send(new ListObjectsV2Command({ Bucket, Prefix: 'cross/' }));
    assert.deepEqual(listed.Contents?.map((c) => [c.Key, c.Size]), [['cross/core', 9], ['cross/s3', 7]]);
    const got = await s3.client.send(new GetObjectCommand({ Bucket, Key: 'cross/core' }));
    assert.deepEqual([await got.Body!.transformToString(), got.ContentType, got.Metadata], ['from core', 'text/x-core', { via: 'core' }]);
  });
});
