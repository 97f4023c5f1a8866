/**
 * verifySigV4 against the real AWS signer (@smithy/signature-v4) and the real S3 client recorded on the wire:
 * header auth with signed and unsigned payloads, presigned queries, canonicalisation of awkward keys and queries.
 * Rejections are in sigv4-reject.test.ts, aws-chunked bodies in sigv4-chunked.test.ts, presignUrl in
 * sigv4-presign.test.ts.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { DeleteObjectsCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand, UploadPartCommand, CreateMultipartUploadCommand } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { hasSigV4, sigv4HeadersFromRaw, verifySigV4 } from '../src/auth/index.js';
import { canonicalUri, canonicalQuery } from '../src/auth/uri-encoding.js';
import {
  AK, attempt, clockOf, decode, encodeKeyPath, KEYS, lookupOf, presignSmithy, recordS3, requestFromUrl, requestOf, signHeader, SK,
} from './helpers/sigv4.js';

const DATE = new Date('2024-03-05T06:07:08Z');
const now = () => DATE;

describe('header auth signed by the real AWS signer', () => {
  it('accepts a signed payload for every awkward key, and the decoder checks the body against it', async () => {
    for (const key of KEYS) {
      const body = Buffer.from(`body of ${key}`);
      const req = await signHeader({ method: 'PUT', path: encodeKeyPath('examplebucket', key), headers: { 'content-type': 'text/plain', 'x-amz-meta-k': 'v' }, body, date: DATE });
      const lookup = lookupOf();
      const result = await verifySigV4(req, lookup, { now });
      assert.deepEqual(lookup.asked, [AK]);
      assert.equal(result.accessKey, AK);
      assert.equal(result.secretKey, SK);
      assert.deepEqual(result.principal, { tenant: `t-${AK}` });
      assert.equal(result.presigned, false);
      assert.equal(result.payload.kind, 'sha256', key);
      assert.equal(result.signingContext.scope, '20240305/us-east-1/s3/aws4_request');
      assert.equal(result.signingContext.amzDate, '20240305T060708Z');
      assert.deepEqual((await decode(result, body, 3)).data, body);
      assert.ok(hasSigV4(req));
    }
  });

  it('accepts UNSIGNED-PAYLOAD and passes the body through untouched', async () => {
    const req = await signHeader({ method: 'PUT', path: '/b/k', headers: { 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' }, date: DATE });
    const result = await verifySigV4(req, lookupOf(), { now });
    assert.deepEqual(result.payload, { kind: 'unsigned' });
    const body = Buffer.from('anything at all');
    assert.deepEqual((await decode(result, body)).data, body);
  });

  it('canonicalises query parameters: awkward values, valueless names, repeated spaces, strict or form encoding', async () => {
    const query = { prefix: 'a b+c/ü&=?', delimiter: '/', 'list-type': '2', 'start-after': "~!*'()", uploads: '', 'encoding-type': 'url' };
    for (const form of [false, true]) {
      const req = await signHeader({ method: 'GET', path: '/examplebucket', query, date: DATE }, form);
      await verifySigV4(req, lookupOf(), { now });
    }
    const bare = await signHeader({ method: 'POST', path: '/b/k', query: { uploads: '' }, date: DATE });
    await verifySigV4({ ...bare, rawQuery: 'uploads' }, lookupOf(), { now }); // "?uploads" signs as "uploads="
  });

  it('canonicalises header values (trimmed, runs of spaces collapsed) and accepts any scope region by default', async () => {
    const req = await signHeader({ method: 'GET', path: '/b/k', headers: { 'x-amz-meta-s': '  a   b \t c  ', range: 'bytes=0-9' }, date: DATE, region: 'eu-west-3' });
    const result = await verifySigV4(req, lookupOf(), { now });
    assert.equal(result.signingContext.region, 'eu-west-3');
  });

  it('accepts the canonical rendering of the path sent, or the path exactly as sent', async () => {
    // Signed canonical, sent in another encoding of the same bytes (a raw '!', raw UTF-8 as Node passes it: latin1).
    const canonical = await signHeader({ method: 'GET', path: '/b/~tilde/%21bang/%C3%BC', date: DATE });
    await verifySigV4({ ...canonical, rawPath: '/b/%7etilde/!bang/\u00c3\u00bc' }, lookupOf(), { now });
    // Signed exactly as sent, in a non-canonical encoding (old clients escape '~', some use lower-case hex).
    const asSent = await signHeader({ method: 'GET', path: '/b/%7Etilde/%21bang/%c3%bc', date: DATE });
    await verifySigV4(asSent, lookupOf(), { now });
    assert.equal(canonicalUri('/b/a%2fb/%e2%82%ac/%zz/+'), '/b/a%2Fb/%E2%82%AC/%25zz/%2B');
    assert.equal(canonicalUri('/b//../x/.'), '/b//../x/.');
    assert.equal(canonicalQuery('b=2&a=&a=1&c&X-Amz-Signature=s&sp=a+b%20c', 'X-Amz-Signature'), 'a=&a=1&b=2&c=&sp=a%20b%20c');
  });
});

describe('presigned queries signed by the real AWS signer', () => {
  it('accept, for every awkward key, as unsigned payloads', async () => {
    for (const key of KEYS) {
      // As @aws-sdk/s3-request-presigner does: x-amz-content-sha256 set, then hoisted into the query by the signer.
      const req = await presignSmithy({ method: 'GET', path: encodeKeyPath('examplebucket', key), query: { 'response-content-type': 'text/plain; charset=utf-8' }, headers: { 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' }, date: DATE, expiresIn: 3600 });
      const result = await verifySigV4(req, lookupOf(), { now: () => new Date(DATE.getTime() + 3599_000) });
      assert.equal(result.presigned, true);
      assert.deepEqual(result.payload, { kind: 'unsigned' });
      assert.ok(hasSigV4(req));
    }
  });

  it('accept a signed content hash in X-Amz-Content-Sha256 and enforce it', async () => {
    const body = Buffer.from('exact');
    const req = await presignSmithy({ method: 'PUT', path: '/b/k', headers: { 'x-amz-content-sha256': createHash('sha256').update(body).digest('hex') }, date: DATE, expiresIn: 60 });
    assert.match(req.rawQuery, /X-Amz-Content-Sha256=/i);
    const result = await verifySigV4(req, lookupOf(), { now });
    assert.equal(result.payload.kind, 'sha256');
    assert.deepEqual((await decode(result, body)).data, body);
  });
});

describe('the real S3 client, recorded on the wire', () => {
  it('PutObject, GetObject, ListObjectsV2, DeleteObjects and multipart requests verify', async () => {
    const recorded = await recordS3(async (s3) => {
      for (const key of KEYS) await attempt(s3.send(new PutObjectCommand({ Bucket: 'bucket', Key: key, Body: `content of ${key}`, Metadata: { note: 'a  b' } })));
      await attempt(s3.send(new GetObjectCommand({ Bucket: 'bucket', Key: 'unicode/ü', Range: 'bytes=0-1' })));
      await attempt(s3.send(new ListObjectsV2Command({ Bucket: 'bucket', Prefix: 'a b+c/ü', Delimiter: '/', StartAfter: "~!*'()" })));
      await attempt(s3.send(new DeleteObjectsCommand({ Bucket: 'bucket', Delete: { Objects: [{ Key: 'a' }, { Key: 'b c' }] } })));
      await attempt(s3.send(new CreateMultipartUploadCommand({ Bucket: 'bucket', Key: 'big file' })));
      await attempt(s3.send(new UploadPartCommand({ Bucket: 'bucket', Key: 'big file', UploadId: 'u/+=', PartNumber: 1, Body: 'part' })));
    });
    assert.equal(recorded.length, KEYS.length + 5);
    for (const rec of recorded) {
      const req = requestOf(rec);
      const result = await verifySigV4(req, lookupOf(), { now: clockOf(req) });
      if (result.payload.kind === 'sha256') assert.deepEqual((await decode(result, rec.body)).data, rec.body, rec.url);
    }
    const put = recorded.find((r) => r.url.startsWith('/bucket/unicode/'))!;
    assert.equal(put.url.split('?')[0], '/bucket/unicode/%C3%BCn%C3%AFc%C3%B8d%C3%A9/%E6%97%A5%E6%9C%AC%E8%AA%9E/%F0%9F%98%80');
    assert.ok(recorded.some((r) => r.url.startsWith('/bucket/dir/../dotdot')), 'the client does not normalise dot segments');
  });

  it('getSignedUrl URLs (PUT and GET) verify as the client that uses them sends them', async () => {
    await recordS3(async (s3) => {
      for (const key of KEYS) {
        const signingDate = DATE;
        const put = await getSignedUrl(s3, new PutObjectCommand({ Bucket: 'bucket', Key: key, ContentType: 'image/png' }), { expiresIn: 900, signingDate });
        const get = await getSignedUrl(s3, new GetObjectCommand({ Bucket: 'bucket', Key: key, ResponseContentDisposition: 'attachment; filename="a b.txt"' }), { expiresIn: 900, signingDate });
        for (const [method, url] of [['PUT', put], ['GET', get]] as const) {
          const req = requestFromUrl(method, url, { 'content-type': 'image/png' });
          const result = await verifySigV4(req, lookupOf(), { now });
          assert.equal(result.presigned, true);
        }
      }
    });
  });

  it('sigv4HeadersFromRaw lower-cases names, trims values and joins repeats with commas', () => {
    const raw = ['Host', 'h', 'X-Amz-Meta-A', ' one ', 'x-amz-meta-a', 'two', 'Content-Type', 'text/plain'];
    assert.deepEqual(sigv4HeadersFromRaw(raw), { host: 'h', 'x-amz-meta-a': 'one,two', 'content-type': 'text/plain' });
  });
});
