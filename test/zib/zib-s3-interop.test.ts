import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { pseudoRandomBytes } from '../helpers/storage-fixture.js';
import { startZibServer, uploadSealed, type ZibTestServer } from './zib-server.js';

// One object, two protocols: the same tenant's credentials sign S3 requests and make the ZiB bearer.
describe('ZiB ⇄ S3 on the same server', () => {
  let zib: ZibTestServer;
  let s3: S3Client;
  before(async () => {
    zib = await startZibServer({ withS3: true });
    s3 = new S3Client({
      endpoint: zib.origin, region: 'us-east-1', forcePathStyle: true,
      credentials: { accessKeyId: zib.credentials.accessKey, secretAccessKey: zib.credentials.secretKey },
    });
  });
  after(async () => {
    s3.destroy();
    await zib.close();
  });

  it('a file uploaded through ZiB (single and multipart) is listed and read through S3', async () => {
    const small = pseudoRandomBytes(10_000, 11);
    const big = pseudoRandomBytes(400_000, 12);
    const a = await zib.initiate({ bucket: 'shared', key: 'from-zib/small.bin', file_size: small.length, content_type: 'image/webp' });
    const b = await zib.initiate({ bucket: 'shared', key: 'from-zib/big.bin', file_size: big.length });
    assert.equal(b.type, 'multipart');
    await uploadSealed(a, small);
    await uploadSealed(b, big);
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: 'shared', Prefix: 'from-zib/' }));
    assert.deepEqual(listed.Contents?.map((o) => [o.Key, o.Size]), [['from-zib/big.bin', big.length], ['from-zib/small.bin', small.length]]);
    const got = await s3.send(new GetObjectCommand({ Bucket: 'shared', Key: 'from-zib/small.bin' }));
    assert.equal(got.ContentType, 'image/webp');
    assert.deepEqual(Buffer.from(await got.Body!.transformToByteArray()), small);
    const gotBig = await s3.send(new GetObjectCommand({ Bucket: 'shared', Key: 'from-zib/big.bin' }));
    assert.deepEqual(Buffer.from(await gotBig.Body!.transformToByteArray()), big);
  });

  it('a file put through S3 is listed by the ZiB listing and served by its CDN', async () => {
    const body = pseudoRandomBytes(50_000, 13);
    await s3.send(new PutObjectCommand({ Bucket: 'shared', Key: 'from-s3/x.txt', Body: body, ContentType: 'text/plain' }));
    const xml = await (await zib.call('GET', '/s3/shared?prefix=from-s3%2F')).text();
    assert.match(xml, /<Key>from-s3\/x.txt<\/Key>.*<Size>50000<\/Size>/);
    const redirect = await zib.call('GET', '/s3/shared/from-s3/x.txt');
    assert.equal(redirect.status, 302);
    const cdnUrl = redirect.headers.get('location')!;
    assert.match(cdnUrl, new RegExp(`^${zib.base}/objects/[0-9a-f-]{36}$`));
    const cdn = await fetch(cdnUrl);
    assert.equal(cdn.headers.get('content-type'), 'text/plain');
    assert.deepEqual(Buffer.from(await cdn.arrayBuffer()), body);
    const fileId = cdnUrl.split('/').at(-1);
    const status = await (await zib.call('GET', `/v1/api/pipeline/${fileId}`)).json() as any;
    assert.deepEqual([status.status, status.stages.upload.phase], ['complete', 'safe']);
  });
});
