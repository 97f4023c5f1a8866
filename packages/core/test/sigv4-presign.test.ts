/**
 * presignUrl: byte-for-byte the URL @aws-sdk/s3-request-presigner builds for the same request and time, and a URL
 * verifySigV4 accepts (with the signed headers sent, and only then).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GetObjectCommand, PutObjectCommand, S3Client, UploadPartCommand } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { presignUrl, verifySigV4 } from '../src/auth/index.js';
import { AK, encodeKeyPath, KEYS, lookupOf, requestFromUrl, SK } from './helpers/sigv4.js';

const DATE = new Date('2025-01-02T03:04:05Z');
const at = (seconds: number) => () => new Date(DATE.getTime() + seconds * 1000);

function client(endpoint: string, region = 'us-east-1'): S3Client {
  return new S3Client({ region, endpoint, forcePathStyle: true, credentials: { accessKeyId: AK, secretAccessKey: SK } });
}

/** The SDK's URL with its auth parameters removed: the same request, as a caller of presignUrl would describe it. */
function unsigned(url: string): string {
  const [base, query = ''] = url.split('?') as [string, string?];
  const kept = query.split('&').filter((p) => !/^X-Amz-(Algorithm|Content-Sha256|Credential|Date|Expires|SignedHeaders|Signature)=/.test(p));
  return kept.length ? `${base}?${kept.join('&')}` : base;
}

describe('presignUrl', () => {
  it('equals getSignedUrl for PutObject and GetObject, every awkward key, other regions and ports', async () => {
    for (const [endpoint, region] of [['http://127.0.0.1:9000', 'us-east-1'], ['https://s3.example.com', 'eu-central-1']] as const) {
      const s3 = client(endpoint, region);
      for (const key of KEYS) {
        for (const command of [new PutObjectCommand({ Bucket: 'bucket', Key: key }), new GetObjectCommand({ Bucket: 'bucket', Key: key, ResponseContentType: 'text/plain; a=b' })]) {
          const sdk = await getSignedUrl(s3, command, { expiresIn: 3600, signingDate: DATE });
          const ours = presignUrl({ method: command instanceof PutObjectCommand ? 'PUT' : 'GET', url: unsigned(sdk), accessKey: AK, secretKey: SK, region, expiresInSeconds: 3600, now: DATE });
          assert.equal(ours, sdk, key);
        }
      }
      s3.destroy();
    }
  });

  it('equals getSignedUrl with a signed content-type, and UploadPart with its query', async () => {
    const s3 = client('http://127.0.0.1:9000');
    const put = await getSignedUrl(s3, new PutObjectCommand({ Bucket: 'bucket', Key: 'asset.png', ContentType: 'image/png' }),
      { expiresIn: 600, signingDate: DATE, signableHeaders: new Set(['content-type']) });
    assert.match(put, /X-Amz-SignedHeaders=content-type%3Bhost/);
    const ours = presignUrl({ method: 'PUT', url: unsigned(put), accessKey: AK, secretKey: SK, expiresInSeconds: 600, now: DATE, signedHeaders: { 'Content-Type': 'image/png' } });
    assert.equal(ours, put);
    const part = await getSignedUrl(s3, new UploadPartCommand({ Bucket: 'bucket', Key: 'big', UploadId: 'up/+= id', PartNumber: 3 }), { expiresIn: 600, signingDate: DATE });
    assert.equal(presignUrl({ method: 'PUT', url: unsigned(part), accessKey: AK, secretKey: SK, expiresInSeconds: 600, now: DATE }), part);
    s3.destroy();
  });

  it('verifies until it expires, only with the signed headers as signed', async () => {
    for (const key of KEYS) {
      const url = presignUrl({ method: 'PUT', url: `https://assets.example.com:443${encodeKeyPath('assets', key)}`, accessKey: AK, secretKey: SK,
        expiresInSeconds: 900, now: DATE, signedHeaders: { 'content-type': 'image/png' } });
      const req = requestFromUrl('PUT', url, { 'content-type': 'image/png' });
      req.headers['host'] = 'assets.example.com'; // clients leave the default port out of Host, and so does the signature
      const result = await verifySigV4(req, lookupOf(), { now: at(900) });
      assert.equal(result.presigned, true);
      assert.deepEqual(result.payload, { kind: 'unsigned' });
      await assert.rejects(verifySigV4(req, lookupOf(), { now: at(901) }), { code: 'AccessDenied', message: 'Request has expired' });
      await assert.rejects(verifySigV4({ ...req, headers: { ...req.headers, 'content-type': 'text/html' } }, lookupOf(), { now: at(1) }), { code: 'SignatureDoesNotMatch' });
      await assert.rejects(verifySigV4({ ...req, headers: { host: req.headers['host'] } }, lookupOf(), { now: at(1) }), { code: 'SignatureDoesNotMatch' });
      await assert.rejects(verifySigV4({ ...req, method: 'GET' }, lookupOf(), { now: at(1) }), { code: 'SignatureDoesNotMatch' });
    }
  });

  it('refuses bad expiries, relative URLs and URLs that are already signed', () => {
    const base = { method: 'GET', url: 'http://h/b/k', accessKey: AK, secretKey: SK, now: DATE };
    for (const expiresInSeconds of [0, -1, 1.5, 604801]) assert.throws(() => presignUrl({ ...base, expiresInSeconds }), { code: 'InvalidArgument' });
    assert.throws(() => presignUrl({ ...base, url: '/b/k', expiresInSeconds: 60 }), { code: 'InvalidArgument' });
    const signed = presignUrl({ ...base, expiresInSeconds: 60 });
    assert.throws(() => presignUrl({ ...base, url: signed, expiresInSeconds: 60 }), { code: 'InvalidArgument' });
    assert.match(presignUrl({ ...base, url: 'http://h', expiresInSeconds: 604800 }), /^http:\/\/h\/\?X-Amz-Algorithm=AWS4-HMAC-SHA256&/);
  });
});
