import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { fragmentFiles, pseudoRandomBytes } from '../helpers/storage-fixture.js';
import { errorOf, startZibServer, uploadSealed, type ZibTestServer } from './zib-server.js';

const md5 = (b: Buffer) => createHash('md5').update(b).digest('hex');

for (const dialect of ['sqlite', 'postgres'] as const) describe(`ZiB upload flow (mounted at /zib, ${dialect})`, () => {
  let zib: ZibTestServer;
  before(async () => { zib = await startZibServer({ dialect }); });
  after(async () => {
    await zib.close();
    assert.deepEqual(zib.internalErrors, []);
  });

  it('single: initiate → sealed PUT → CDN returns the bytes with the right headers', async () => {
    const plain = pseudoRandomBytes(200_000, 1);
    const reg = await zib.initiate({ bucket: 'media', key: 'img/a.png', file_size: plain.length, content_type: 'image/png' });
    assert.equal(reg.type, 'single');
    assert.match(reg.file_id, /^[0-9a-f-]{36}$/);
    assert.equal(reg.cdn_url, `${zib.base}/objects/${reg.file_id}`);
    assert.match(reg.upload_url!, new RegExp(`^${zib.base}/upload/[A-Za-z0-9_-]{43}$`));
    assert.equal(Buffer.from(reg.encryption.key, 'base64').length, 32);
    assert.deepEqual([reg.encryption.format, reg.encryption.segment_size], ['OGS1', 65536]);

    const status0 = await (await zib.call('GET', `/v1/api/pipeline/${reg.file_id}`)).json() as any;
    assert.deepEqual([status0.status, status0.stages.upload.phase], ['queued', 'pending']);

    const done = await uploadSealed(reg, plain);
    assert.deepEqual(done, { file_id: reg.file_id, cdn_url: reg.cdn_url, size: plain.length, etag: md5(plain) });

    const cdn = await fetch(reg.cdn_url);
    assert.equal(cdn.status, 200);
    assert.equal(cdn.headers.get('content-type'), 'image/png');
    assert.equal(cdn.headers.get('content-length'), String(plain.length));
    assert.equal(cdn.headers.get('etag'), `"${md5(plain)}"`);
    assert.equal(cdn.headers.get('access-control-allow-origin'), '*');
    assert.match(cdn.headers.get('cache-control')!, /public, max-age=\d+/);
    assert.deepEqual(Buffer.from(await cdn.arrayBuffer()), plain);

    const ranged = await fetch(reg.cdn_url, { headers: { range: 'bytes=70000-70009' } });
    assert.equal(ranged.status, 206);
    assert.equal(ranged.headers.get('content-range'), `bytes 70000-70009/${plain.length}`);
    assert.deepEqual(Buffer.from(await ranged.arrayBuffer()), plain.subarray(70000, 70010));
    const head = await fetch(reg.cdn_url, { method: 'HEAD' });
    assert.deepEqual([head.status, head.headers.get('content-length')], [200, String(plain.length)]);
    const cached = await fetch(reg.cdn_url, { headers: { 'if-none-match': `"${md5(plain)}"` } });
    assert.equal(cached.status, 304);
    const bad = await fetch(reg.cdn_url, { headers: { range: `bytes=${plain.length + 10}-` } });
    assert.equal((await errorOf(bad)).code, 'InvalidRange');

    const status = await (await zib.call('GET', `/v1/api/pipeline/${reg.file_id}`)).json() as any;
    assert.equal(status.status, 'complete');
    assert.equal(status.stages.upload.phase, 'safe');
    assert.ok(!Number.isNaN(Date.parse(status.stages.upload.replication_safe_at)));
    assert.deepEqual([status.declared, status.stages.encoding, status.error], [null, null, null]);
  });

  it('multipart: parts out of order, each its own OGS1 stream, then complete', async () => {
    const plain = pseudoRandomBytes(3 * 128 * 1024 + 4321, 2);
    const reg = await zib.initiate({ bucket: 'media', key: 'video/big.mp4', file_size: plain.length, content_type: 'video/mp4' });
    assert.equal(reg.type, 'multipart');
    assert.deepEqual([reg.part_size, reg.part_count, reg.parts!.length], [128 * 1024, 4, 4]);
    assert.equal(reg.parts![2]!.upload_url, reg.upload_url ?? `${reg.complete_url!.replace(/\/complete$/, '')}/parts/3`);
    const done = await uploadSealed(reg, plain, [3, 1, 4, 2]);
    assert.equal(done.file_id, reg.file_id);
    assert.match(done.etag, /^[0-9a-f]{32}-4$/);
    const cdn = await fetch(reg.cdn_url);
    assert.equal(cdn.headers.get('content-type'), 'video/mp4');
    assert.deepEqual(Buffer.from(await cdn.arrayBuffer()), plain);
  });

  it('an empty file round-trips (one sealed empty segment)', async () => {
    const reg = await zib.initiate({ bucket: 'media', key: 'empty', file_size: 0 });
    const done = await uploadSealed(reg, Buffer.alloc(0));
    assert.equal(done.size, 0);
    const cdn = await fetch(reg.cdn_url);
    assert.deepEqual([cdn.status, cdn.headers.get('content-length'), (await cdn.arrayBuffer()).byteLength], [200, '0', 0]);
  });

  it('node endpoints answer CORS preflights and send CORS on errors', async () => {
    const reg = await zib.initiate({ bucket: 'media', key: 'cors', file_size: 10 });
    const pre = await fetch(reg.upload_url!, { method: 'OPTIONS', headers: { origin: 'http://page.example', 'access-control-request-method': 'PUT' } });
    assert.equal(pre.status, 204);
    assert.equal(pre.headers.get('access-control-allow-origin'), '*');
    assert.match(pre.headers.get('access-control-allow-methods')!, /PUT/);
    assert.match(pre.headers.get('access-control-expose-headers')!, /ETag/);
    const refused = await fetch(reg.upload_url!, { method: 'PUT', body: 'plaintext!' });
    assert.equal(refused.status, 400);
    assert.equal(refused.headers.get('access-control-allow-origin'), '*');
    const sdk = await fetch(`${zib.base}/sdk/zib-sdk.js`);
    assert.equal(sdk.status, 200);
    assert.match(sdk.headers.get('content-type')!, /javascript/);
  });

  it('re-upload to the same bucket+key supersedes: old file_id cancelled with a reason, CDN redirects to the latest', async () => {
    const first = await zib.initiate({ bucket: 'media', key: 'doc.json', file_size: 5, content_type: 'application/json' });
    await uploadSealed(first, Buffer.from('"v1"\n'));
    const second = await zib.initiate({ bucket: 'media', key: 'doc.json', file_size: 5, content_type: 'application/json' });
    await uploadSealed(second, Buffer.from('"v2"\n'));
    assert.notEqual(first.file_id, second.file_id);
    const old = await zib.call('GET', `/v1/api/pipeline/${first.file_id}`);
    const status = await old.json() as any;
    assert.equal(status.status, 'failed');
    assert.equal(status.stages.upload.phase, 'cancelled');
    assert.equal(status.stages.upload.cancelled_reason, `superseded by re-upload to same bucket+object_key (file_id ${second.file_id})`);
    const redirect = await fetch(first.cdn_url, { redirect: 'manual' });
    assert.equal(redirect.status, 302);
    assert.equal(redirect.headers.get('location'), second.cdn_url);
    assert.equal(await (await fetch(first.cdn_url)).text(), '"v2"\n');
  });

  it('lists buckets and objects as S3 XML, redirects an object GET, deletes every fragment', async () => {
    const reg = await zib.initiate({ bucket: 'listing', key: 'a/b & <c>.txt', file_size: 200_000 });
    await uploadSealed(reg, pseudoRandomBytes(200_000, 3));
    const other = await zib.initiate({ bucket: 'listing', key: 'z.txt', file_size: 1 });
    await uploadSealed(other, Buffer.from('z'));
    const buckets = await (await zib.call('GET', '/s3/')).text();
    assert.match(buckets, /^<\?xml version="1.0" encoding="UTF-8"\?>\n<ListAllMyBucketsResult xmlns="http:\/\/s3.amazonaws.com\/doc\/2006-03-01\/">/);
    assert.match(buckets, /<Bucket><Name>listing<\/Name><CreationDate>[^<]+<\/CreationDate><\/Bucket>/);
    const res = await zib.call('GET', '/s3/listing?prefix=a%2F');
    assert.equal(res.headers.get('content-type'), 'application/xml');
    const xml = await res.text();
    assert.match(xml, /<Name>listing<\/Name><Prefix>a\/<\/Prefix>/);
    assert.match(xml, /<Contents><Key>a\/b &amp; &lt;c&gt;.txt<\/Key><LastModified>[^<]+<\/LastModified><ETag>&quot;[0-9a-f]{32}&quot;<\/ETag><Size>200000<\/Size>/);
    assert.doesNotMatch(xml, /z\.txt/);
    const all = await (await zib.call('GET', '/s3/listing?delimiter=%2F')).text();
    assert.match(all, /<CommonPrefixes><Prefix>a\/<\/Prefix><\/CommonPrefixes>/);

    const get = await zib.call('GET', `/s3/listing/${encodeURIComponent('a/b & <c>.txt')}`);
    assert.deepEqual([get.status, get.headers.get('location')], [302, reg.cdn_url]);
    const before = (await fragmentFiles(zib.fixture.nodeDirs)).length;
    const del = await zib.call('DELETE', `/s3/listing/${encodeURIComponent('a/b & <c>.txt')}`);
    assert.equal(del.status, 204);
    assert.equal((await fragmentFiles(zib.fixture.nodeDirs)).length, before - 6, 'all six fragments are gone');
    assert.equal((await errorOf(await fetch(reg.cdn_url))).code, 'NoSuchFile');
    assert.doesNotMatch(await (await zib.call('GET', '/s3/listing')).text(), /b &amp;/);
  });
});

describe('ZiB mounted at the root of an app', () => {
  let zib: ZibTestServer;
  before(async () => { zib = await startZibServer({ mount: '/' }); });
  after(() => zib.close());

  it('issues URLs relative to the mount and serves them', async () => {
    const reg = await zib.initiate({ bucket: 'root', key: 'k', file_size: 3 });
    assert.equal(reg.cdn_url, `${zib.origin}/objects/${reg.file_id}`);
    assert.ok(reg.upload_url!.startsWith(`${zib.origin}/upload/`));
    await uploadSealed(reg, Buffer.from('abc'));
    assert.equal(await (await fetch(reg.cdn_url)).text(), 'abc');
  });
});

describe('ZiB behind a trusted proxy', () => {
  let zib: ZibTestServer;
  before(async () => { zib = await startZibServer({ trustProxy: true }); });
  after(() => zib.close());

  it('issues public URLs from X-Forwarded-Proto/Host only when the app trusts proxies', async () => {
    const res = await zib.call('POST', '/v1/api/upload/initiate', {
      json: { bucket: 'proxied', key: 'k', file_size: 1 },
      headers: { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'files.example.com' },
    });
    const reg = await res.json() as { cdn_url: string; upload_url: string; file_id: string };
    assert.equal(reg.cdn_url, `https://files.example.com/zib/objects/${reg.file_id}`);
    assert.ok(reg.upload_url.startsWith('https://files.example.com/zib/upload/'));
  });
});
