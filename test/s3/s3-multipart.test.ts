import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import {
  AbortMultipartUploadCommand, CompleteMultipartUploadCommand, CreateBucketCommand, CreateMultipartUploadCommand,
  GetObjectCommand, HeadObjectCommand, ListMultipartUploadsCommand, ListObjectsV2Command, ListPartsCommand,
  PutObjectCommand, UploadPartCommand, UploadPartCopyCommand,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { pseudoRandomBytes, pseudoRandomStream, sha256Of } from '../helpers/storage-fixture.js';
import { fetchSigned, s3Error, startS3Server, type S3TestServer } from './s3-server.js';

const MiB = 1024 * 1024;
const md5hex = (b: Buffer) => createHash('md5').update(b).digest('hex');

describe('S3 multipart', () => {
  let s3: S3TestServer;
  const Bucket = 'multipart';
  const part1 = pseudoRandomBytes(5 * MiB, 1);
  const part2 = pseudoRandomBytes(123_457, 2);
  before(async () => {
    s3 = await startS3Server();
    await s3.client.send(new CreateBucketCommand({ Bucket }));
  });
  after(async () => {
    await s3.close();
  });

  test('create, upload parts (out of order, replaced), list parts and uploads, complete', async () => {
    const { UploadId } = await s3.client.send(new CreateMultipartUploadCommand({ Bucket, Key: 'mp/object.bin', ContentType: 'application/x-mp', Metadata: { kind: 'multipart' }, Tagging: 'a=1' }));
    assert.ok(UploadId);
    const p2 = await s3.client.send(new UploadPartCommand({ Bucket, Key: 'mp/object.bin', UploadId, PartNumber: 2, Body: Buffer.from('to be replaced') }));
    assert.ok(p2.ETag);
    const p2b = await s3.client.send(new UploadPartCommand({ Bucket, Key: 'mp/object.bin', UploadId, PartNumber: 2, Body: part2 }));
    assert.equal(p2b.ETag, `"${md5hex(part2)}"`);
    assert.ok(p2b.ChecksumCRC32, 'the part checksum the SDK sent is verified and echoed');
    const p1 = await s3.client.send(new UploadPartCommand({ Bucket, Key: 'mp/object.bin', UploadId, PartNumber: 1, Body: part1 }));
    const parts = await s3.client.send(new ListPartsCommand({ Bucket, Key: 'mp/object.bin', UploadId }));
    assert.deepEqual(parts.Parts?.map((p) => [p.PartNumber, p.ETag, p.Size]), [[1, p1.ETag, part1.length], [2, p2b.ETag, part2.length]]);
    const paged = await s3.client.send(new ListPartsCommand({ Bucket, Key: 'mp/object.bin', UploadId, MaxParts: 1 }));
    assert.deepEqual([paged.IsTruncated, paged.NextPartNumberMarker, paged.Parts?.length], [true, '1', 1]);
    const rest = await s3.client.send(new ListPartsCommand({ Bucket, Key: 'mp/object.bin', UploadId, PartNumberMarker: '1' }));
    assert.deepEqual(rest.Parts?.map((p) => p.PartNumber), [2]);
    const uploads = await s3.client.send(new ListMultipartUploadsCommand({ Bucket }));
    assert.deepEqual(uploads.Uploads?.map((u) => [u.Key, u.UploadId]), [['mp/object.bin', UploadId]]);
    const delimited = await s3.client.send(new ListMultipartUploadsCommand({ Bucket, Delimiter: '/' }));
    assert.deepEqual(delimited.CommonPrefixes?.map((p) => p.Prefix), ['mp/']);
    const done = await s3.client.send(new CompleteMultipartUploadCommand({
      Bucket, Key: 'mp/object.bin', UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: p1.ETag }, { PartNumber: 2, ETag: p2b.ETag }] },
    }));
    const expectedEtag = createHash('md5').update(Buffer.concat([createHash('md5').update(part1).digest(), createHash('md5').update(part2).digest()])).digest('hex');
    assert.equal(done.ETag, `"${expectedEtag}-2"`);
    assert.equal(done.Key, 'mp/object.bin');
    assert.match(done.Location ?? '', /\/multipart\/mp\/object\.bin$/);
    const got = await s3.client.send(new GetObjectCommand({ Bucket, Key: 'mp/object.bin', ChecksumMode: 'ENABLED' }));
    const bytes = Buffer.from(await got.Body!.transformToByteArray());
    assert.equal(md5hex(bytes), md5hex(Buffer.concat([part1, part2])));
    assert.deepEqual([got.ContentType, got.Metadata, got.TagCount, got.ETag], ['application/x-mp', { kind: 'multipart' }, 1, `"${expectedEtag}-2"`]);
    const ranged = await s3.client.send(new GetObjectCommand({ Bucket, Key: 'mp/object.bin', Range: `bytes=${5 * MiB - 2}-${5 * MiB + 1}` }));
    assert.deepEqual(Buffer.from(await ranged.Body!.transformToByteArray()), Buffer.concat([part1.subarray(-2), part2.subarray(0, 2)]));
    assert.deepEqual((await s3.client.send(new ListMultipartUploadsCommand({ Bucket }))).Uploads ?? [], []);
  });

  test('GetObject and HeadObject ?partNumber=N: that part\'s bytes (206, Content-Range), x-amz-mp-parts-count; bad numbers refused', async () => {
    const Key = 'mp/three-parts';
    const parts = [pseudoRandomBytes(5 * MiB, 11), pseudoRandomBytes(5 * MiB + 3, 12), pseudoRandomBytes(777, 13)];
    const whole = Buffer.concat(parts);
    const { UploadId } = await s3.client.send(new CreateMultipartUploadCommand({ Bucket, Key }));
    const etags: string[] = [];
    for (const [i, Body] of parts.entries()) etags.push((await s3.client.send(new UploadPartCommand({ Bucket, Key, UploadId, PartNumber: i + 1, Body }))).ETag!);
    const done = await s3.client.send(new CompleteMultipartUploadCommand({ Bucket, Key, UploadId, MultipartUpload: { Parts: etags.map((ETag, i) => ({ PartNumber: i + 1, ETag })) } }));
    let start = 0;
    for (const [i, part] of parts.entries()) {
      const range = `bytes ${start}-${start + part.length - 1}/${whole.length}`;
      const got = await s3.client.send(new GetObjectCommand({ Bucket, Key, PartNumber: i + 1 }));
      assert.equal(md5hex(Buffer.from(await got.Body!.transformToByteArray())), md5hex(part), `part ${i + 1}`);
      assert.deepEqual([got.$metadata.httpStatusCode, got.ContentLength, got.ContentRange, got.PartsCount, got.ETag], [206, part.length, range, 3, done.ETag]);
      const head = await s3.client.send(new HeadObjectCommand({ Bucket, Key, PartNumber: i + 1 }));
      assert.deepEqual([head.$metadata.httpStatusCode, head.ContentLength, head.ContentRange, head.PartsCount], [206, part.length, range, 3]);
      start += part.length;
    }
    const tooFar = await s3Error(s3.client.send(new GetObjectCommand({ Bucket, Key, PartNumber: 4 })));
    assert.deepEqual([tooFar.code, tooFar.status], ['InvalidPartNumber', 416]);
    assert.equal((await s3Error(s3.client.send(new HeadObjectCommand({ Bucket, Key, PartNumber: 4 })))).status, 416);
    const zero = await fetchSigned(s3, 'GET', `/${Bucket}/${Key}?partNumber=0`);
    assert.equal(zero.status, 400);
    assert.match(await zero.text(), /<Code>InvalidArgument<\/Code>/);
    const both = await s3Error(s3.client.send(new GetObjectCommand({ Bucket, Key, PartNumber: 2, Range: 'bytes=0-1' })));
    assert.deepEqual([both.code, both.status], ['InvalidRequest', 400]);
    const stale = await s3Error(s3.client.send(new GetObjectCommand({ Bucket, Key, PartNumber: 2, IfMatch: '"0123456789abcdef0123456789abcdef"' })));
    assert.deepEqual([stale.code, stale.status], ['PreconditionFailed', 412]);

    // A single-part object has one part, the whole object, still answered as a range (as S3 does), with no parts count.
    await s3.client.send(new PutObjectCommand({ Bucket, Key: 'mp/single', Body: 'just one' }));
    const single = await s3.client.send(new GetObjectCommand({ Bucket, Key: 'mp/single', PartNumber: 1 }));
    assert.deepEqual([single.$metadata.httpStatusCode, await single.Body!.transformToString(), single.ContentRange, single.PartsCount], [206, 'just one', 'bytes 0-7/8', undefined]);
    assert.equal((await s3Error(s3.client.send(new GetObjectCommand({ Bucket, Key: 'mp/single', PartNumber: 2 })))).code, 'InvalidPartNumber');
  });

  test('upload part copy, whole and by range', async () => {
    await s3.client.send(new PutObjectCommand({ Bucket, Key: 'src/big', Body: Buffer.concat([part1, part2]) }));
    await s3.client.send(new PutObjectCommand({ Bucket, Key: 'src/small', Body: 'tail' }));
    const { UploadId } = await s3.client.send(new CreateMultipartUploadCommand({ Bucket, Key: 'mp/copied' }));
    const c1 = await s3.client.send(new UploadPartCopyCommand({ Bucket, Key: 'mp/copied', UploadId, PartNumber: 1, CopySource: `${Bucket}/src/big`, CopySourceRange: `bytes=0-${5 * MiB - 1}` }));
    assert.equal(c1.CopyPartResult?.ETag, `"${md5hex(part1)}"`);
    const c2 = await s3.client.send(new UploadPartCopyCommand({ Bucket, Key: 'mp/copied', UploadId, PartNumber: 2, CopySource: `${Bucket}/src/small` }));
    const badRange = await s3Error(s3.client.send(new UploadPartCopyCommand({ Bucket, Key: 'mp/copied', UploadId, PartNumber: 3, CopySource: `${Bucket}/src/small`, CopySourceRange: 'bytes=0-100' })));
    assert.deepEqual([badRange.code, badRange.status], ['InvalidArgument', 400]);
    const cond = await s3Error(s3.client.send(new UploadPartCopyCommand({ Bucket, Key: 'mp/copied', UploadId, PartNumber: 3, CopySource: `${Bucket}/src/small`, CopySourceIfNoneMatch: '*' })));
    assert.deepEqual([cond.code, cond.status], ['PreconditionFailed', 412]);
    await s3.client.send(new CompleteMultipartUploadCommand({
      Bucket, Key: 'mp/copied', UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: c1.CopyPartResult?.ETag }, { PartNumber: 2, ETag: c2.CopyPartResult?.ETag }] },
    }));
    const got = await s3.client.send(new GetObjectCommand({ Bucket, Key: 'mp/copied' }));
    assert.equal(md5hex(Buffer.from(await got.Body!.transformToByteArray())), md5hex(Buffer.concat([part1, Buffer.from('tail')])));
  });

  test('complete errors: InvalidPartOrder, InvalidPart, EntityTooSmall, MalformedXML; nothing changes', async () => {
    const Key = 'mp/errors';
    const { UploadId } = await s3.client.send(new CreateMultipartUploadCommand({ Bucket, Key }));
    const a = await s3.client.send(new UploadPartCommand({ Bucket, Key, UploadId, PartNumber: 1, Body: Buffer.from('small one') }));
    const b = await s3.client.send(new UploadPartCommand({ Bucket, Key, UploadId, PartNumber: 2, Body: Buffer.from('small two') }));
    const complete = (Parts: Array<{ PartNumber: number; ETag?: string }>) => s3Error(s3.client.send(new CompleteMultipartUploadCommand({ Bucket, Key, UploadId, MultipartUpload: { Parts } })));
    assert.deepEqual(await complete([{ PartNumber: 2, ETag: b.ETag }, { PartNumber: 1, ETag: a.ETag }]).then((e) => [e.code, e.status]), ['InvalidPartOrder', 400]);
    assert.deepEqual(await complete([{ PartNumber: 1, ETag: '"00000000000000000000000000000000"' }]).then((e) => [e.code, e.status]), ['InvalidPart', 400]);
    assert.deepEqual(await complete([{ PartNumber: 3, ETag: a.ETag }]).then((e) => e.code), 'InvalidPart');
    assert.deepEqual(await complete([{ PartNumber: 1, ETag: a.ETag }, { PartNumber: 2, ETag: b.ETag }]).then((e) => [e.code, e.status]), ['EntityTooSmall', 400]);
    const path = `/${Bucket}/${Key}?uploadId=${encodeURIComponent(UploadId!)}`;
    for (const body of ['<CompleteMultipartUpload><Part><PartNumber>1</PartNumber>', '<CompleteMultipartUpload/>', '<Other><Part><PartNumber>1</PartNumber></Part></Other>', '<CompleteMultipartUpload><Part><PartNumber>one</PartNumber></Part></CompleteMultipartUpload>', 'not xml']) {
      const res = await fetchSigned(s3, 'POST', path, { body });
      assert.equal(res.status, 400, body);
      assert.match(await res.text(), /<Code>MalformedXML<\/Code>/, body);
    }
    const parts = await s3.client.send(new ListPartsCommand({ Bucket, Key, UploadId }));
    assert.equal(parts.Parts?.length, 2, 'the upload is intact');
    assert.equal((await s3.client.send(new ListObjectsV2Command({ Bucket, Prefix: Key }))).KeyCount, 0);
    // The last part may be small.
    await s3.client.send(new CompleteMultipartUploadCommand({ Bucket, Key, UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: a.ETag }] } }));
    assert.equal(await (await s3.client.send(new GetObjectCommand({ Bucket, Key }))).Body!.transformToString(), 'small one');
  });

  test('abort; unknown uploads and bad part numbers', async () => {
    const Key = 'mp/aborted';
    const { UploadId } = await s3.client.send(new CreateMultipartUploadCommand({ Bucket, Key }));
    await s3.client.send(new UploadPartCommand({ Bucket, Key, UploadId, PartNumber: 1, Body: Buffer.from('x') }));
    const badPart = await s3Error(s3.client.send(new UploadPartCommand({ Bucket, Key, UploadId, PartNumber: 10001, Body: Buffer.from('x') })));
    assert.deepEqual([badPart.code, badPart.status], ['InvalidArgument', 400]);
    const aborted = await s3.client.send(new AbortMultipartUploadCommand({ Bucket, Key, UploadId }));
    assert.equal(aborted.$metadata.httpStatusCode, 204);
    const again = await s3Error(s3.client.send(new UploadPartCommand({ Bucket, Key, UploadId, PartNumber: 2, Body: Buffer.from('x') })));
    assert.deepEqual([again.code, again.status], ['NoSuchUpload', 404]);
    assert.equal((await s3Error(s3.client.send(new ListPartsCommand({ Bucket, Key, UploadId })))).code, 'NoSuchUpload');
    assert.equal((await s3Error(s3.client.send(new AbortMultipartUploadCommand({ Bucket, Key, UploadId })))).code, 'NoSuchUpload');
    assert.equal((await s3Error(s3.client.send(new CompleteMultipartUploadCommand({ Bucket, Key, UploadId: 'nope', MultipartUpload: { Parts: [{ PartNumber: 1, ETag: '"x"' }] } })))).code, 'NoSuchUpload');
    assert.deepEqual((await s3.client.send(new ListMultipartUploadsCommand({ Bucket, Prefix: Key }))).Uploads ?? [], []);
  });

  test('lib-storage Upload of a 50 MiB stream (multipart), read back whole', async () => {
    const size = 50 * MiB;
    const upload = new Upload({ client: s3.client, params: { Bucket, Key: 'big/50mib.bin', Body: Readable.from(pseudoRandomStream(size, 7)) }, partSize: 5 * MiB, queueSize: 4 });
    const result = await upload.done();
    assert.match(result.ETag ?? '', /-10"$/);
    const head = await s3.client.send(new HeadObjectCommand({ Bucket, Key: 'big/50mib.bin' }));
    assert.equal(head.ContentLength, size);
    const got = await s3.client.send(new GetObjectCommand({ Bucket, Key: 'big/50mib.bin' }));
    const read = await sha256Of(got.Body as Readable);
    const expected = await sha256Of(pseudoRandomStream(size, 7));
    assert.deepEqual(read, expected);
  });
});
