import assert from 'node:assert/strict';
import { createHash, createHmac } from 'node:crypto';
import { crc32 } from 'node:zlib';
import { after, before, describe, test } from 'node:test';
import {
  CreateBucketCommand, GetObjectCommand, HeadObjectCommand, ListBucketsCommand, ListObjectsV2Command, PutObjectCommand,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { SignatureV4 } from '@smithy/signature-v4';
import { Sha256 } from '@aws-crypto/sha256-js';
import { fetchSigned, rawRequest, s3Error, startS3Server, type S3TestServer } from './s3-server.js';

const sha256hex = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');
const EMPTY_SHA256 = sha256hex('');

describe('S3 authentication and addressing', () => {
  let s3: S3TestServer;
  const Bucket = 'auth';
  before(async () => {
    s3 = await startS3Server();
    await s3.client.send(new CreateBucketCommand({ Bucket }));
    await s3.client.send(new PutObjectCommand({ Bucket, Key: 'existing', Body: 'existing body' }));
  });
  after(async () => {
    await s3.close();
  });

  const objectKeys = async () => (await s3.client.send(new ListObjectsV2Command({ Bucket }))).Contents?.map((c) => `${c.Key}:${c.ETag}`) ?? [];

  test('wrong secret, unknown access key, tampered signature, skewed clock, anonymous: refused, nothing changes', async () => {
    const before = await objectKeys();
    const wrongSecret = s3.newClient({ credentials: { accessKeyId: s3.credentials.accessKey, secretAccessKey: 'x'.repeat(40) } });
    const e1 = await s3Error(wrongSecret.send(new PutObjectCommand({ Bucket, Key: 'evil', Body: 'x' })));
    assert.deepEqual([e1.code, e1.status], ['SignatureDoesNotMatch', 403]);
    const unknown = s3.newClient({ credentials: { accessKeyId: 'AKIAUNKNOWNUNKNOWN00', secretAccessKey: s3.credentials.secretKey } });
    const e2 = await s3Error(unknown.send(new ListBucketsCommand({})));
    assert.deepEqual([e2.code, e2.status], ['InvalidAccessKeyId', 403]);
    const skewed = await fetchSigned(s3, 'PUT', `/${Bucket}/evil`, { body: 'x', date: new Date(Date.now() - 3600_000) });
    assert.equal(skewed.status, 403);
    assert.match(await skewed.text(), /<Code>RequestTimeTooSkewed<\/Code>/);
    const url = await getSignedUrl(s3.client, new PutObjectCommand({ Bucket, Key: 'evil' }), { expiresIn: 300 });
    const tampered = url.replace(/X-Amz-Signature=([0-9a-f]+)/, (_m, sig: string) => `X-Amz-Signature=${sig.slice(0, -1)}${sig.endsWith('0') ? '1' : '0'}`);
    const t1 = await fetch(tampered, { method: 'PUT', body: 'x' });
    assert.equal(t1.status, 403);
    assert.match(await t1.text(), /<Code>SignatureDoesNotMatch<\/Code>/);
    const otherKey = await fetch(url.replace('/evil?', '/evil2?'), { method: 'PUT', body: 'x' });
    assert.equal(otherKey.status, 403);
    const anonymous = await fetch(`${s3.endpoint}/${Bucket}/evil`, { method: 'PUT', body: 'x' });
    assert.equal(anonymous.status, 403);
    assert.match(await anonymous.text(), /<Code>AccessDenied<\/Code>/);
    assert.deepEqual(await objectKeys(), before);
  });

  test('presigned GET, HEAD and PUT URLs work with plain fetch; expired ones do not', async () => {
    const putUrl = await getSignedUrl(s3.client, new PutObjectCommand({ Bucket, Key: 'presigned/ünï file.txt', ContentType: 'text/plain' }), { expiresIn: 300 });
    const put = await fetch(putUrl, { method: 'PUT', body: 'via presigned put', headers: { 'content-type': 'text/plain' } });
    assert.equal(put.status, 200, await put.clone().text());
    assert.equal(put.headers.get('etag'), `"${createHash('md5').update('via presigned put').digest('hex')}"`);
    const getUrl = await getSignedUrl(s3.client, new GetObjectCommand({ Bucket, Key: 'presigned/ünï file.txt', ResponseContentDisposition: 'attachment; filename="x.txt"' }), { expiresIn: 300 });
    const get = await fetch(getUrl);
    assert.equal(get.status, 200);
    assert.equal(await get.text(), 'via presigned put');
    assert.equal(get.headers.get('content-type'), 'text/plain');
    assert.equal(get.headers.get('content-disposition'), 'attachment; filename="x.txt"');
    const ranged = await fetch(getUrl, { headers: { range: 'bytes=4-' } });
    assert.deepEqual([ranged.status, await ranged.text()], [206, 'presigned put']);
    const headUrl = await getSignedUrl(s3.client, new HeadObjectCommand({ Bucket, Key: 'presigned/ünï file.txt' }), { expiresIn: 300 });
    const head = await fetch(headUrl, { method: 'HEAD' });
    assert.deepEqual([head.status, head.headers.get('content-length')], [200, '17']);
    const expiredUrl = await getSignedUrl(s3.client, new GetObjectCommand({ Bucket, Key: 'existing' }), { expiresIn: 60, signingDate: new Date(Date.now() - 600_000) });
    const expired = await fetch(expiredUrl);
    assert.equal(expired.status, 403);
    assert.match(await expired.text(), /<Code>AccessDenied<\/Code><Message>Request has expired/);
    const expiredPut = await getSignedUrl(s3.client, new PutObjectCommand({ Bucket, Key: 'existing' }), { expiresIn: 60, signingDate: new Date(Date.now() - 600_000) });
    assert.equal((await fetch(expiredPut, { method: 'PUT', body: 'overwrite' })).status, 403);
    assert.equal(await (await s3.client.send(new GetObjectCommand({ Bucket, Key: 'existing' }))).Body!.transformToString(), 'existing body');
  });

  test('signed sha256 payloads: a body that does not match is XAmzContentSHA256Mismatch', async () => {
    const signer = new SignatureV4({ service: 's3', region: 'us-east-1', sha256: Sha256, uriEscapePath: false, credentials: { accessKeyId: s3.credentials.accessKey, secretAccessKey: s3.credentials.secretKey } });
    const host = `127.0.0.1:${s3.port}`;
    const signed = await signer.sign({ method: 'PUT', protocol: 'http:', hostname: '127.0.0.1', port: s3.port, path: `/${Bucket}/sha`, query: {}, headers: { host, 'x-amz-content-sha256': sha256hex('signed body'), 'content-length': '11' } });
    const bad = await rawRequest(s3.port, 'PUT', `/${Bucket}/sha`, signed.headers as Record<string, string>, Buffer.from('signed bodY'));
    assert.equal(bad.status, 400);
    assert.match(bad.body, /XAmzContentSHA256Mismatch/);
    const good = await rawRequest(s3.port, 'PUT', `/${Bucket}/sha`, signed.headers as Record<string, string>, Buffer.from('signed body'));
    assert.equal(good.status, 200);
  });

  test('aws-chunked with chunk signatures (and a signed trailing checksum); tampered chunks are refused', async () => {
    const chunks = [Buffer.alloc(65536, 'a'), Buffer.alloc(65536, 'b'), Buffer.from('tail')];
    const payload = Buffer.concat(chunks);
    const send = (key: string, opts: { tamper?: boolean; trailerValue?: string } = {}) => signedChunkedPut(s3, `/${Bucket}/${key}`, chunks, opts);
    const ok = await send('chunked');
    assert.equal(ok.status, 200, ok.body);
    const got = await s3.client.send(new GetObjectCommand({ Bucket, Key: 'chunked' }));
    assert.equal(sha256hex(Buffer.from(await got.Body!.transformToByteArray())), sha256hex(payload));
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(payload));
    const withTrailer = await send('chunked-trailer', { trailerValue: crc.toString('base64') });
    assert.equal(withTrailer.status, 200, withTrailer.body);
    assert.equal(withTrailer.headers['x-amz-checksum-crc32'], crc.toString('base64'));
    const head = await s3.client.send(new HeadObjectCommand({ Bucket, Key: 'chunked-trailer', ChecksumMode: 'ENABLED' }));
    assert.equal(head.ChecksumCRC32, crc.toString('base64'));
    const before = await objectKeys();
    const tampered = await send('chunked-bad', { tamper: true });
    assert.equal(tampered.status, 403, tampered.body);
    assert.match(tampered.body, /SignatureDoesNotMatch/);
    const wrongCrc = await send('chunked-bad', { trailerValue: 'AAAAAA==' });
    assert.equal(wrongCrc.status, 400);
    assert.match(wrongCrc.body, /BadDigest/);
    assert.deepEqual(await objectKeys(), before);
  });

  test('virtual-hosted-style addressing: bucket.s3.localhost', async () => {
    const vhost = s3.newClient({ endpoint: `http://s3.localhost:${s3.port}`, forcePathStyle: false });
    await vhost.send(new PutObjectCommand({ Bucket, Key: 'vhost/a b+c.txt', Body: 'virtual' }));
    const got = await vhost.send(new GetObjectCommand({ Bucket, Key: 'vhost/a b+c.txt' }));
    assert.equal(await got.Body!.transformToString(), 'virtual');
    const list = await vhost.send(new ListObjectsV2Command({ Bucket, Prefix: 'vhost/' }));
    assert.deepEqual(list.Contents?.map((c) => c.Key), ['vhost/a b+c.txt']);
    // Path-style sees the same object.
    assert.equal(await (await s3.client.send(new GetObjectCommand({ Bucket, Key: 'vhost/a b+c.txt' }))).Body!.transformToString(), 'virtual');
    const buckets = await vhost.send(new ListBucketsCommand({}));
    assert.ok(buckets.Buckets?.some((b) => b.Name === Bucket));
    const missing = await s3Error(vhost.send(new GetObjectCommand({ Bucket: 'missing-bucket', Key: 'x' })));
    assert.deepEqual([missing.code, missing.status], ['NoSuchBucket', 404]);
  });
});

/** PUT with STREAMING-AWS4-HMAC-SHA256-PAYLOAD(-TRAILER), chunk signatures computed here from the AWS docs. */
async function signedChunkedPut(s3: S3TestServer, path: string, chunks: Buffer[], opts: { tamper?: boolean; trailerValue?: string }) {
  const date = new Date();
  const amzDate = date.toISOString().replace(/[:-]|\.\d{3}/g, '');
  const day = amzDate.slice(0, 8);
  const scope = `${day}/us-east-1/s3/aws4_request`;
  const hmac = (key: Buffer | string, data: string) => createHmac('sha256', key).update(data).digest();
  const signingKey = hmac(hmac(hmac(hmac(`AWS4${s3.credentials.secretKey}`, day), 'us-east-1'), 's3'), 'aws4_request');
  const trailer = opts.trailerValue !== undefined;
  const decoded = chunks.reduce((n, c) => n + c.length, 0);
  // Frame sizes do not depend on the signature values (64 hex digits each).
  const sigLen = 64;
  let encodedLength = 0;
  for (const c of [...chunks, Buffer.alloc(0)]) encodedLength += c.length.toString(16).length + ';chunk-signature='.length + sigLen + 2 + c.length + 2;
  const trailerLines = trailer ? `x-amz-checksum-crc32:${opts.trailerValue}\n` : '';
  if (trailer) encodedLength += -2 + trailerLines.length + 1 + 'x-amz-trailer-signature:'.length + sigLen + 2 + 2;
  const headers: Record<string, string> = {
    host: `127.0.0.1:${s3.port}`,
    'x-amz-content-sha256': trailer ? 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER' : 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD',
    'content-encoding': 'aws-chunked',
    'x-amz-decoded-content-length': String(decoded),
    'content-length': String(encodedLength),
    ...(trailer ? { 'x-amz-trailer': 'x-amz-checksum-crc32' } : {}),
  };
  const signer = new SignatureV4({ service: 's3', region: 'us-east-1', sha256: Sha256, uriEscapePath: false, credentials: { accessKeyId: s3.credentials.accessKey, secretAccessKey: s3.credentials.secretKey } });
  const signed = await signer.sign({ method: 'PUT', protocol: 'http:', hostname: '127.0.0.1', port: s3.port, path, query: {}, headers }, { signingDate: date });
  let previous = /Signature=([0-9a-f]{64})/.exec(String(signed.headers.authorization))![1]!;
  const parts: Buffer[] = [];
  for (const chunk of [...chunks, Buffer.alloc(0)]) {
    const sig = hmac(signingKey, ['AWS4-HMAC-SHA256-PAYLOAD', amzDate, scope, previous, EMPTY_SHA256, sha256hex(chunk)].join('\n')).toString('hex');
    previous = sig;
    const data = opts.tamper && chunk.length > 0 ? Buffer.from(chunk).fill('z', 0, 1) : chunk;
    parts.push(Buffer.from(`${chunk.length.toString(16)};chunk-signature=${sig}\r\n`), data, Buffer.from(chunk.length > 0 || !trailer ? '\r\n' : ''));
  }
  if (trailer) {
    const trailerSig = hmac(signingKey, ['AWS4-HMAC-SHA256-TRAILER', amzDate, scope, previous, sha256hex(trailerLines)].join('\n')).toString('hex');
    parts.push(Buffer.from(`${trailerLines.replace('\n', '\r\n')}x-amz-trailer-signature:${trailerSig}\r\n\r\n`));
  }
  const body = Buffer.concat(parts);
  assert.equal(body.length, encodedLength);
  return rawRequest(s3.port, 'PUT', path, signed.headers as Record<string, string>, body);
}
