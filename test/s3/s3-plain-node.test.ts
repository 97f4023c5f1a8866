import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { createS3Handler } from '../../adapters/s3/src/index.js';
import { createStorageFixture, type StorageFixture } from '../helpers/storage-fixture.js';

// `createS3Handler` is the endpoint without Express: what `omnigate serve` runs for bucket paths, and what a user
// can put on a bare node:http server.
describe('S3 endpoint on a plain node:http server (createS3Handler)', () => {
  let fixture: StorageFixture;
  let server: http.Server;
  let client: S3Client;
  before(async () => {
    fixture = await createStorageFixture();
    const { credentials } = await fixture.storage.tenants.create('plain-node');
    server = http.createServer(createS3Handler(fixture.storage));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    client = new S3Client({ endpoint, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: credentials.accessKey, secretAccessKey: credentials.secretKey } });
  });
  after(async () => {
    client.destroy();
    await new Promise((resolve) => server.close(resolve));
    await fixture.cleanup();
  });

  it('serves SDK requests, presigned URLs and S3 errors', async () => {
    await client.send(new CreateBucketCommand({ Bucket: 'plain' }));
    await client.send(new PutObjectCommand({ Bucket: 'plain', Key: 'dir/a b+c.txt', Body: 'hello plain node', ContentType: 'text/plain' }));
    const got = await client.send(new GetObjectCommand({ Bucket: 'plain', Key: 'dir/a b+c.txt', Range: 'bytes=6-10' }));
    assert.equal(got.ContentRange, 'bytes 6-10/16');
    assert.equal(await got.Body!.transformToString(), 'plain');
    const url = await getSignedUrl(client, new GetObjectCommand({ Bucket: 'plain', Key: 'dir/a b+c.txt' }), { expiresIn: 60 });
    const res = await fetch(url);
    assert.equal(res.status, 200);
    assert.equal(await res.text(), 'hello plain node');
    const missing = await fetch(url.replace('a%20b%2Bc.txt', 'nope.txt'));
    assert.equal(missing.status, 403); // the signature covers the key
    const anonymous = await fetch(url.split('?')[0]!);
    assert.equal(anonymous.status, 403);
    assert.match(await anonymous.text(), /<Error><Code>AccessDenied<\/Code>.*<RequestId>[0-9A-F]{16}<\/RequestId><\/Error>/s);
    await assert.rejects(client.send(new GetObjectCommand({ Bucket: 'plain', Key: 'absent' })), (err: { name?: string }) => err.name === 'NoSuchKey');
  });
});
