// The embedding example runs as documented: its own routes beside Omnigate's routers under prefixes, one core.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
// @ts-expect-error: the example is plain JavaScript, run as users would run it
import { createEmbeddedApp } from '../../examples/embed-express/app.mjs';

interface Embedded {
  app: http.RequestListener;
  credentials: { accessKey: string; secretKey: string };
  close(): Promise<void>;
}

let dir: string;
let embedded: Embedded;
let server: http.Server;
let base: string;
let s3: S3Client;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'omnigate-embed-'));
  embedded = await createEmbeddedApp({ dataDir: dir });
  server = http.createServer(embedded.app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  s3 = new S3Client({ endpoint: `${base}/s3`, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: embedded.credentials.accessKey, secretAccessKey: embedded.credentials.secretKey } });
});

after(async () => {
  s3?.destroy();
  await new Promise<void>((resolve) => server?.close(() => resolve()));
  await embedded?.close();
  await rm(dir, { recursive: true, force: true });
});

it('an object put through the S3 router under /s3 is listed and served by the app\'s own routes', async () => {
  const bytes = randomBytes(300_000);
  await s3.send(new PutObjectCommand({ Bucket: 'uploads', Key: 'reports/q3.bin', Body: bytes, ContentType: 'application/x-report' }));
  const listed = await s3.send(new ListObjectsV2Command({ Bucket: 'uploads' }));
  assert.deepEqual(listed.Contents?.map((c) => c.Key), ['reports/q3.bin']);

  const files = await (await fetch(`${base}/api/files`)).json() as Array<{ key: string; size: number; fileId: string; contentType: string }>;
  assert.equal(files.length, 1);
  assert.equal(files[0]!.key, 'reports/q3.bin');
  assert.equal(files[0]!.size, bytes.length);
  assert.equal(files[0]!.contentType, 'application/x-report');

  const res = await fetch(`${base}/api/files/${files[0]!.fileId}`);
  assert.equal(res.status, 200);
  assert.ok(Buffer.from(await res.arrayBuffer()).equals(bytes));
  const back = await s3.send(new GetObjectCommand({ Bucket: 'uploads', Key: 'reports/q3.bin' }));
  assert.ok(Buffer.from(await back.Body!.transformToByteArray()).equals(bytes));
});

it('the app\'s own 404 and the routers\' own error formats stay apart', async () => {
  assert.equal((await fetch(`${base}/api/files/00000000-0000-4000-8000-000000000000`)).status, 404);
  const qs = await fetch(`${base}/qs/buckets`);
  assert.equal(qs.status, 401);
  assert.match(qs.headers.get('content-type') ?? '', /json/);
  const s3Error = await fetch(`${base}/s3/uploads`);
  assert.equal(s3Error.status, 403);
  assert.match(await s3Error.text(), /<Error><Code>AccessDenied<\/Code>/);
});
