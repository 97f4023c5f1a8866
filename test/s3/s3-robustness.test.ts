import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import express from 'express';
import { CreateBucketCommand, GetObjectCommand, ListBucketsCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { createS3Adapter } from '../../adapters/s3/src/index.js';
import { fragmentFiles } from '../helpers/storage-fixture.js';
import { s3Error, startS3Server, type S3TestServer } from './s3-server.js';

describe('S3 robustness: disconnects, internal errors, mounting, proxies', () => {
  let s3: S3TestServer;
  const Bucket = 'robust';
  const errors: unknown[] = [];
  before(async () => {
    s3 = await startS3Server({ adapter: { logger: { error: (obj) => errors.push(obj) } } });
    await s3.client.send(new CreateBucketCommand({ Bucket }));
  });
  after(async () => {
    await s3.close();
  });

  test('a client that disconnects mid-upload stores nothing and leaves no fragments behind', async () => {
    await s3.client.send(new PutObjectCommand({ Bucket, Key: 'settle', Body: 'x' }));
    const fragmentsBefore = await fragmentFiles(s3.fixture.nodeDirs);
    const url = new URL(await getSignedUrl(s3.client, new PutObjectCommand({ Bucket, Key: 'half' }), { expiresIn: 300 }));
    await new Promise<void>((resolve) => {
      const req = http.request({ host: '127.0.0.1', port: s3.port, method: 'PUT', path: url.pathname + url.search, headers: { 'content-length': String(10 * 1024 * 1024) } });
      req.on('error', () => resolve());
      req.write(Buffer.alloc(3 * 1024 * 1024, 1), () => setTimeout(() => { req.destroy(); resolve(); }, 200));
    });
    // The abort reaches storage asynchronously.
    for (let i = 0; i < 50 && (await fragmentFiles(s3.fixture.nodeDirs)).length !== fragmentsBefore.length; i++) await sleep(100);
    assert.deepEqual(await fragmentFiles(s3.fixture.nodeDirs), fragmentsBefore);
    const list = await s3.client.send(new ListObjectsV2Command({ Bucket }));
    assert.deepEqual(list.Contents?.map((c) => c.Key), ['settle']);
    assert.equal(errors.length, 0, 'a disconnect is not an internal error');
  });

  test('a client that disconnects mid-download is not an error', async () => {
    await s3.client.send(new PutObjectCommand({ Bucket, Key: 'large', Body: Buffer.alloc(8 * 1024 * 1024, 7) }));
    const url = new URL(await getSignedUrl(s3.client, new GetObjectCommand({ Bucket, Key: 'large' }), { expiresIn: 300 }));
    await new Promise<void>((resolve, reject) => {
      const req = http.get({ host: '127.0.0.1', port: s3.port, path: url.pathname + url.search }, (res) => {
        res.once('data', () => { req.destroy(); setTimeout(resolve, 300); });
      });
      req.on('error', (err) => { if (!req.destroyed) reject(err); });
    });
    assert.equal(errors.length, 0);
    const still = await s3.client.send(new GetObjectCommand({ Bucket, Key: 'large' }));
    assert.equal((await still.Body!.transformToByteArray()).length, 8 * 1024 * 1024);
  });

  test('unexpected failures are InternalError without internals', async () => {
    const original = s3.storage.listBuckets;
    s3.storage.listBuckets = async () => { throw new Error('db password=hunter2 at /secret/path'); };
    try {
      const res = await fetch(await getSignedUrl(s3.client, new ListBucketsCommand({}), { expiresIn: 60 }));
      assert.equal(res.status, 500);
      const text = await res.text();
      assert.match(text, /<Code>InternalError<\/Code><Message>We encountered an internal error. Please try again.<\/Message>/);
      assert.doesNotMatch(text, /hunter2|secret|at \//);
      assert.equal(errors.length, 1, 'the cause is logged on the server side');
    } finally {
      s3.storage.listBuckets = original;
    }
  });

  test('mounted under a path in an existing app; X-Forwarded-Host honoured only with trustProxy', async () => {
    for (const trustProxy of [true, false]) {
      const app = express();
      // A reverse proxy: the client addressed public.example:PORT, the app sees another Host.
      app.use((req, _res, next) => {
        const host = req.headers.host!;
        req.headers['x-forwarded-host'] = host;
        req.headers.host = 'internal.local:8080';
        for (let i = 0; i < req.rawHeaders.length; i += 2) if (req.rawHeaders[i]!.toLowerCase() === 'host') req.rawHeaders[i + 1] = 'internal.local:8080';
        req.rawHeaders.push('X-Forwarded-Host', host);
        next();
      });
      app.use('/storage/s3', createS3Adapter(s3.storage, { trustProxy }));
      app.get('/other', (_req, res) => { res.send('other route'); });
      const server = http.createServer(app);
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const port = (server.address() as AddressInfo).port;
      const client = new S3Client({
        endpoint: `http://127.0.0.1:${port}/storage/s3`, region: 'us-east-1', forcePathStyle: true,
        credentials: { accessKeyId: s3.credentials.accessKey, secretAccessKey: s3.credentials.secretKey },
      });
      try {
        if (trustProxy) {
          await client.send(new PutObjectCommand({ Bucket, Key: 'mounted/key', Body: 'under a prefix' }));
          assert.equal(await (await client.send(new GetObjectCommand({ Bucket, Key: 'mounted/key' }))).Body!.transformToString(), 'under a prefix');
        } else {
          const e = await s3Error(client.send(new ListBucketsCommand({})));
          assert.deepEqual([e.code, e.status], ['SignatureDoesNotMatch', 403]);
        }
        assert.equal(await (await fetch(`http://127.0.0.1:${port}/other`)).text(), 'other route');
      } finally {
        client.destroy();
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
      }
    }
  });
});
