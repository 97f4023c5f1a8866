import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { CreateBucketCommand, DeleteBucketCorsCommand, GetBucketCorsCommand, GetObjectCommand, PutBucketCorsCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { fetchSigned, s3Error, startS3Server, type S3TestServer } from './s3-server.js';

describe('S3 bucket CORS', () => {
  let s3: S3TestServer;
  const Bucket = 'cors';
  before(async () => {
    s3 = await startS3Server();
    await s3.client.send(new CreateBucketCommand({ Bucket }));
    await s3.client.send(new PutObjectCommand({ Bucket, Key: 'page.txt', Body: 'for browsers' }));
  });
  after(async () => {
    await s3.close();
  });

  const preflight = (path: string, origin: string | undefined, method: string | undefined, requestHeaders?: string) => fetch(`${s3.endpoint}${path}`, {
    method: 'OPTIONS',
    headers: { ...(origin ? { origin } : {}), ...(method ? { 'access-control-request-method': method } : {}), ...(requestHeaders ? { 'access-control-request-headers': requestHeaders } : {}) },
  });

  test('no configuration: NoSuchCORSConfiguration, preflights refused', async () => {
    const e = await s3Error(s3.client.send(new GetBucketCorsCommand({ Bucket })));
    assert.deepEqual([e.code, e.status], ['NoSuchCORSConfiguration', 404]);
    const res = await preflight(`/${Bucket}/page.txt`, 'https://app.example', 'GET');
    assert.equal(res.status, 403);
    assert.match(await res.text(), /<Code>AccessForbidden<\/Code>/);
  });

  test('put, get; preflight and actual requests get the matching rule\'s headers', async () => {
    await s3.client.send(new PutBucketCorsCommand({
      Bucket,
      CORSConfiguration: {
        CORSRules: [
          { ID: 'app', AllowedOrigins: ['https://app.example', 'https://*.preview.example'], AllowedMethods: ['GET', 'PUT', 'HEAD'], AllowedHeaders: ['content-type', 'x-amz-*'], ExposeHeaders: ['ETag', 'x-amz-request-id'], MaxAgeSeconds: 600 },
          { AllowedOrigins: ['*'], AllowedMethods: ['GET'] },
        ],
      },
    }));
    const config = await s3.client.send(new GetBucketCorsCommand({ Bucket }));
    assert.equal(config.CORSRules?.length, 2);
    assert.deepEqual(config.CORSRules?.[0]?.AllowedOrigins, ['https://app.example', 'https://*.preview.example']);
    assert.equal(config.CORSRules?.[0]?.MaxAgeSeconds, 600);

    const ok = await preflight(`/${Bucket}/page.txt`, 'https://pr-1.preview.example', 'PUT', 'Content-Type, X-Amz-Date');
    assert.equal(ok.status, 200);
    assert.equal(ok.headers.get('access-control-allow-origin'), 'https://pr-1.preview.example');
    assert.equal(ok.headers.get('access-control-allow-methods'), 'GET, PUT, HEAD');
    assert.equal(ok.headers.get('access-control-allow-headers'), 'content-type, x-amz-date');
    assert.equal(ok.headers.get('access-control-max-age'), '600');
    assert.match(ok.headers.get('vary') ?? '', /Origin/);
    const anyOrigin = await preflight(`/${Bucket}/page.txt`, 'https://elsewhere.example', 'GET');
    assert.equal(anyOrigin.headers.get('access-control-allow-origin'), '*');
    assert.equal((await preflight(`/${Bucket}/page.txt`, 'https://elsewhere.example', 'DELETE')).status, 403);
    assert.equal((await preflight(`/${Bucket}/page.txt`, 'https://app.example', 'PUT', 'x-custom')).status, 403);
    assert.equal((await preflight(`/${Bucket}/page.txt`, undefined, 'GET')).status, 400);
    assert.equal((await preflight(`/${Bucket}/page.txt`, 'https://app.example', undefined)).status, 400);
    assert.equal((await preflight('/no-such-bucket/x', 'https://app.example', 'GET')).status, 403);

    // A browser using a presigned URL: the actual response carries the CORS headers too.
    const url = await getSignedUrl(s3.client, new GetObjectCommand({ Bucket, Key: 'page.txt' }), { expiresIn: 300 });
    const get = await fetch(url, { headers: { origin: 'https://app.example' } });
    assert.equal(await get.text(), 'for browsers');
    assert.equal(get.headers.get('access-control-allow-origin'), 'https://app.example');
    assert.equal(get.headers.get('access-control-expose-headers'), 'ETag, x-amz-request-id');
    const missing = await fetch(await getSignedUrl(s3.client, new GetObjectCommand({ Bucket, Key: 'missing' }), { expiresIn: 300 }), { headers: { origin: 'https://app.example' } });
    assert.equal(missing.status, 404);
    assert.equal(missing.headers.get('access-control-allow-origin'), 'https://app.example', 'errors are readable by the page too');
    const noOrigin = await fetch(url);
    assert.equal(noOrigin.headers.get('access-control-allow-origin'), null);
  });

  test('invalid configurations are refused and change nothing; delete removes it', async () => {
    const bad = await s3Error(s3.client.send(new PutBucketCorsCommand({ Bucket, CORSConfiguration: { CORSRules: [{ AllowedOrigins: ['*'], AllowedMethods: ['PATCH'] }] } })));
    assert.deepEqual([bad.code, bad.status], ['InvalidRequest', 400]);
    for (const body of ['<CORSConfiguration><CORSRule><AllowedMethod>GET</AllowedMethod></CORSRule></CORSConfiguration>', '<CORSConfiguration>', '<CORSConfiguration/>']) {
      const res = await fetchSigned(s3, 'PUT', `/${Bucket}?cors`, { body });
      assert.equal(res.status, 400, body);
      assert.match(await res.text(), /<Code>MalformedXML<\/Code>/);
    }
    assert.equal((await s3.client.send(new GetBucketCorsCommand({ Bucket }))).CORSRules?.length, 2);
    await s3.client.send(new DeleteBucketCorsCommand({ Bucket }));
    assert.equal((await s3Error(s3.client.send(new GetBucketCorsCommand({ Bucket })))).code, 'NoSuchCORSConfiguration');
    assert.equal((await preflight(`/${Bucket}/page.txt`, 'https://app.example', 'GET')).status, 403);
  });

  test('a preflight finds every tenant\'s bucket of that name in one metadata query, not a scan of all tenants', async () => {
    // Many tenants; two of them own a bucket named `shared` with different rules.
    const tenants = await Promise.all(Array.from({ length: 30 }, (_, i) => s3.storage.tenants.create(`cors-many-${i}`)));
    for (const [i, origin] of [[3, 'https://three.example'], [17, 'https://seventeen.example']] as const) {
      const client = s3.newClient({ credentials: { accessKeyId: tenants[i]!.credentials.accessKey, secretAccessKey: tenants[i]!.credentials.secretKey } });
      await client.send(new CreateBucketCommand({ Bucket: 'shared' }));
      await client.send(new PutBucketCorsCommand({ Bucket: 'shared', CORSConfiguration: { CORSRules: [{ AllowedOrigins: [origin], AllowedMethods: ['GET'] }] } }));
    }
    const metadata = s3.storage.options.metadata;
    const calls: string[] = [];
    const spied = ['listTenants', 'getBucket', 'findBucketsByName'] as const;
    const originals = spied.map((name) => metadata[name]);
    for (const name of spied) {
      const original = metadata[name]!;
      (metadata as unknown as Record<string, unknown>)[name] = (...args: unknown[]) => { calls.push(name); return (original as (...a: unknown[]) => unknown).apply(metadata, args); };
    }
    try {
      for (const origin of ['https://three.example', 'https://seventeen.example']) {
        const res = await preflight('/shared/x', origin, 'GET');
        assert.equal(res.status, 200, origin);
        assert.equal(res.headers.get('access-control-allow-origin'), origin);
      }
      assert.equal((await preflight('/shared/x', 'https://other.example', 'GET')).status, 403);
      assert.deepEqual(calls, ['findBucketsByName', 'findBucketsByName', 'findBucketsByName']);
    } finally {
      spied.forEach((name, i) => { (metadata as unknown as Record<string, unknown>)[name] = originals[i]; });
    }
  });
});
