import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import http from 'node:http';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { GetObjectCommand, HeadObjectCommand } from '@aws-sdk/client-s3';
import { pseudoRandomBytes } from '../helpers/storage-fixture.js';
import { curl, errorOf, startNetiksServer, withStatus, type NetiksTestServer } from './netiks-server.js';

const UPLOAD = '/api/v1/assets/developer-upload-file/';
const md5 = (b: Buffer) => createHash('md5').update(b).digest('hex');

describe('Netiks Mode 1: multipart/form-data upload', () => {
  let nk: NetiksTestServer;
  let dir: string;
  const internalErrors: unknown[] = [];
  before(async () => {
    nk = await startNetiksServer({ adapter: { maxFileSize: 4 * 1024 * 1024, logger: { error: (obj) => internalErrors.push(obj) } } });
    dir = await mkdtemp(join(tmpdir(), 'netiks-files-'));
  });
  after(async () => {
    await nk.close();
    await rm(dir, { recursive: true, force: true });
    assert.deepEqual(internalErrors, [], 'no internal errors');
  });

  it('stores a file sent with supertest, answers the asset, lists, gets and downloads it (Range too)', async () => {
    const bytes = pseudoRandomBytes(300_000, 7);
    const res = await request(nk.app).post(`/netiks${UPLOAD}`).set('x-api-key', nk.credentials.apiKey)
      .field('folder', 'reports/2025').attach('file', bytes, { filename: 'Q3 report (final).pdf', contentType: 'application/pdf' });
    assert.equal(res.status, 201, res.text);
    const asset = res.body as Record<string, any>;
    assert.match(asset.id, /^[0-9a-f-]{36}$/);
    assert.equal(asset.name, 'Q3 report (final).pdf');
    assert.equal(asset.key, `${asset.id}/Q3_report_final_.pdf`);
    assert.equal(asset.bucket, 'netiks-assets');
    assert.equal(asset.folder, 'reports/2025');
    assert.equal(asset.size, bytes.length);
    assert.equal(asset.content_type, 'application/pdf');
    assert.equal(asset.etag, md5(bytes));
    assert.deepEqual(asset.checksum, { md5: md5(bytes), sha256: createHash('sha256').update(bytes).digest('hex') });
    assert.equal(asset.upload_mode, 'direct');
    assert.match(asset.file_id, /^[0-9a-f-]{36}$/);
    assert.ok(!Number.isNaN(Date.parse(asset.created_at)));
    assert.match(asset.download_url, new RegExp(`/netiks/api/v1/assets/${asset.id}/download/$`));

    const got = await nk.call('GET', `/api/v1/assets/${asset.id}/`);
    assert.equal(got.status, 200);
    assert.equal((await got.json() as { id: string }).id, asset.id);
    const listed = await (await nk.call('GET', '/api/v1/assets/?folder=reports%2F2025')).json() as { count: number; results: Array<{ id: string }> };
    assert.deepEqual([listed.count, listed.results.map((a) => a.id)], [1, [asset.id]]);

    const dl = await nk.call('GET', new URL(asset.download_url).pathname.replace('/netiks', ''));
    assert.equal(dl.status, 200);
    assert.equal(dl.headers.get('content-type'), 'application/pdf');
    assert.equal(dl.headers.get('content-length'), String(bytes.length));
    assert.equal(dl.headers.get('content-disposition'), `attachment; filename="Q3 report (final).pdf"; filename*=UTF-8''Q3%20report%20%28final%29.pdf`);
    assert.ok(Buffer.from(await dl.arrayBuffer()).equals(bytes));
    const part = await nk.call('GET', `/api/v1/assets/${asset.id}/download/`, { headers: { range: 'bytes=1000-1999' } });
    assert.equal(part.status, 206);
    assert.equal(part.headers.get('content-range'), `bytes 1000-1999/${bytes.length}`);
    assert.ok(Buffer.from(await part.arrayBuffer()).equals(bytes.subarray(1000, 2000)));
    const bad = await nk.call('GET', `/api/v1/assets/${asset.id}/download/`, { headers: { range: `bytes=${bytes.length}-` } });
    assert.deepEqual([bad.status, bad.headers.get('content-range'), (await errorOf(bad)).code], [416, `bytes */${bytes.length}`, 'InvalidRange']);
    const head = await nk.call('HEAD', `/api/v1/assets/${asset.id}/download/`);
    assert.deepEqual([head.status, head.headers.get('content-length')], [200, String(bytes.length)]);

    // The same object through S3: same tenant, bucket and key.
    const s3Head = await nk.s3.send(new HeadObjectCommand({ Bucket: 'netiks-assets', Key: asset.key }));
    assert.deepEqual([s3Head.ContentLength, s3Head.ETag, s3Head.ContentType], [bytes.length, `"${md5(bytes)}"`, 'application/pdf']);
    assert.equal(s3Head.Metadata?.['netiks-asset-id'], asset.id);
  });

  it('stores a file sent with curl -F, the name field overriding the display name', async () => {
    const path = join(dir, 'фото 1.jpg');
    const bytes = pseudoRandomBytes(123_457, 8);
    await writeFile(path, bytes);
    const out = await curl(['-w', '\n%{http_code}', '-H', `x-api-key: ${nk.credentials.apiKey}`, '-F', 'name=holiday.jpg', '-F', `file=@${path};type=image/jpeg`, `${nk.base}${UPLOAD}`]);
    assert.equal(out.code, 0, out.stderr);
    const { status, body } = withStatus(out.stdout);
    assert.equal(status, 201, body);
    const asset = JSON.parse(body) as Record<string, any>;
    assert.deepEqual([asset.name, asset.key, asset.size, asset.content_type], ['holiday.jpg', `${asset.id}/holiday.jpg`, bytes.length, 'image/jpeg']);
    const s3Get = await nk.s3.send(new GetObjectCommand({ Bucket: 'netiks-assets', Key: asset.key }));
    assert.ok(Buffer.from(await s3Get.Body!.transformToByteArray()).equals(bytes));

    // Without a name field, the (Unicode) filename is the name; the key keeps letters, drops the space.
    const plain = withStatus((await curl(['-w', '\n%{http_code}', '-H', `x-api-key: ${nk.credentials.apiKey}`, '-F', `file=@${path}`, `${nk.base}${UPLOAD}`])).stdout);
    const second = JSON.parse(plain.body) as Record<string, any>;
    assert.equal(plain.status, 201);
    assert.deepEqual([second.name, second.key], ['фото 1.jpg', `${second.id}/фото_1.jpg`]);
    assert.equal((await nk.call('DELETE', `/api/v1/assets/${second.id}/`)).status, 204);
  });

  it('deletes an asset and its object', async () => {
    const res = await request(nk.app).post(`/netiks${UPLOAD}`).set('x-api-key', nk.credentials.apiKey).attach('file', Buffer.from('bye'), 'bye.txt');
    assert.equal(res.status, 201);
    const { id, key } = res.body as { id: string; key: string };
    assert.equal((await nk.call('DELETE', `/api/v1/assets/${id}`)).status, 204);
    assert.deepEqual(await errorOf(await nk.call('GET', `/api/v1/assets/${id}/`)), { status: 404, code: 'AssetNotFound', message: 'No such asset' });
    assert.equal((await errorOf(await nk.call('DELETE', `/api/v1/assets/${id}/`))).status, 404);
    await assert.rejects(nk.s3.send(new HeadObjectCommand({ Bucket: 'netiks-assets', Key: key })), { name: 'NotFound' });
  });

  it('refuses a missing or wrong API key (401 JSON), storing nothing', async () => {
    const before = await nk.snapshot();
    const none = await request(nk.app).post(`/netiks${UPLOAD}`).attach('file', Buffer.from('x'), 'x.txt');
    assert.deepEqual([none.status, none.body.error.code], [401, 'Unauthorized']);
    const wrong = await request(nk.app).post(`/netiks${UPLOAD}`).set('x-api-key', 'og_0000000000000000000000000000').attach('file', Buffer.from('x'), 'x.txt');
    assert.deepEqual([wrong.status, wrong.body], [401, { error: { code: 'InvalidApiKey', message: 'The x-api-key is not valid' } }]);
    for (const path of ['/api/v1/assets/', `/api/v1/assets/${'0'.repeat(8)}-0000-4000-8000-${'0'.repeat(12)}/download/`]) {
      assert.equal((await errorOf(await nk.call('GET', path, { apiKey: 'nope-nope-nope-nope' }))).code, 'InvalidApiKey');
    }
    await nk.assertUnchanged(before);
  });

  it('refuses malformed forms clearly and stores nothing', async () => {
    const before = await nk.snapshot();
    const key = nk.credentials.apiKey;
    const post = (contentType: string, body: string | Buffer) => nk.call('POST', UPLOAD, { headers: { 'content-type': contentType }, body });
    // No `file` field at all.
    const noFile = await request(nk.app).post(`/netiks${UPLOAD}`).set('x-api-key', key).field('name', 'a.txt');
    assert.deepEqual([noFile.status, noFile.body.error.code], [400, 'MissingFile']);
    // `file` sent as a text field.
    const textFile = await request(nk.app).post(`/netiks${UPLOAD}`).set('x-api-key', key).field('file', 'not a file');
    assert.deepEqual([textFile.status, textFile.body.error.code], [400, 'MissingFile']);
    // The file under another field name, and two files.
    const other = await request(nk.app).post(`/netiks${UPLOAD}`).set('x-api-key', key).attach('upload', Buffer.from('x'), 'x.txt');
    assert.deepEqual([other.status, other.body.error.code], [400, 'InvalidMultipart']);
    const two = await request(nk.app).post(`/netiks${UPLOAD}`).set('x-api-key', key)
      .attach('file', Buffer.alloc(70_000, 1), 'a.bin').attach('file', Buffer.from('second'), 'b.bin');
    assert.deepEqual([two.status, two.body.error.code], [400, 'InvalidMultipart']);
    // No boundary, a boundary the body does not use, a body cut off inside the file, a bad field.
    assert.equal((await errorOf(await post('multipart/form-data', 'x'))).code, 'InvalidMultipart');
    const wrongBoundary = await errorOf(await post('multipart/form-data; boundary=abc',
      '--xyz\r\nContent-Disposition: form-data; name="file"; filename="a.txt"\r\n\r\nhello\r\n--xyz--\r\n'));
    assert.deepEqual([wrongBoundary.status, wrongBoundary.code], [400, 'InvalidMultipart'], wrongBoundary.message);
    const cut = await errorOf(await post('multipart/form-data; boundary=abc',
      '--abc\r\nContent-Disposition: form-data; name="file"; filename="a.txt"\r\nContent-Type: text/plain\r\n\r\nhello, this file never'));
    assert.deepEqual([cut.status, cut.code], [400, 'InvalidMultipart']);
    const missingEnd = await errorOf(await post('multipart/form-data; boundary=abc',
      '--abc\r\nContent-Disposition: form-data; name="file"; filename="a.txt"\r\n\r\ncomplete file\r\n--abc\r\nContent-Disposition: form-data; name="folder"\r\n\r\nx'));
    assert.deepEqual([missingEnd.status, missingEnd.code], [400, 'InvalidMultipart']);
    const badField = await request(nk.app).post(`/netiks${UPLOAD}`).set('x-api-key', key)
      .attach('file', Buffer.from('data'), 'a.txt').field('name', 'tab\there');
    assert.deepEqual([badField.status, badField.body.error.code], [400, 'InvalidArgument']);
    // Neither multipart nor JSON; JSON without is_presigned.
    assert.deepEqual(await errorOf(await post('text/plain', 'hello')), {
      status: 415, code: 'UnsupportedMediaType', message: 'Use Content-Type multipart/form-data (direct upload) or application/json (confirm a presigned upload)',
    });
    assert.equal((await errorOf(await nk.call('POST', UPLOAD, { json: { key: 'x' } }))).code, 'InvalidArgument');
    assert.equal((await errorOf(await post('application/json', '{broken'))).code, 'MalformedJson');
    await nk.assertUnchanged(before, 'nothing stored, nothing half stored');
  });

  it('a client that disconnects in the middle of the file leaves nothing stored', async () => {
    const before = await nk.snapshot();
    const boundary = 'nkcut';
    const req = http.request(`${nk.base}${UPLOAD}`, {
      method: 'POST', headers: { 'x-api-key': nk.credentials.apiKey, 'content-type': `multipart/form-data; boundary=${boundary}`, 'content-length': String(3 * 1024 * 1024) },
    });
    req.on('error', () => {});
    req.write(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="cut.bin"\r\n\r\n`);
    req.write(pseudoRandomBytes(1024 * 1024, 9));
    await new Promise((r) => setTimeout(r, 300));
    req.destroy();
    await nk.assertUnchanged(before);
  });

  it('stops an oversize file (supertest and curl) and stores nothing', async () => {
    const before = await nk.snapshot();
    const max = 4 * 1024 * 1024;
    // Exactly the limit is fine.
    const exact = await request(nk.app).post(`/netiks${UPLOAD}`).set('x-api-key', nk.credentials.apiKey).attach('file', Buffer.alloc(max, 3), 'exact.bin');
    assert.equal(exact.status, 201, exact.text);
    assert.equal((await nk.call('DELETE', `/api/v1/assets/${exact.body.id}/`)).status, 204);
    // One byte more is not, whatever the client.
    const over = await request(nk.app).post(`/netiks${UPLOAD}`).set('x-api-key', nk.credentials.apiKey).attach('file', Buffer.alloc(max + 1, 3), 'over.bin');
    assert.deepEqual([over.status, over.body], [413, { error: { code: 'FileTooLarge', message: `Files may be at most ${max} bytes` } }]);
    const path = join(dir, 'big.bin');
    await writeFile(path, Buffer.alloc(max + 512 * 1024, 4));
    const out = await curl(['-w', '\n%{http_code}', '-H', `x-api-key: ${nk.credentials.apiKey}`, '-F', `file=@${path}`, `${nk.base}${UPLOAD}`]);
    const { status, body } = withStatus(out.stdout);
    assert.deepEqual([status, JSON.parse(body).error.code], [413, 'FileTooLarge'], out.stderr);
    // A Content-Length far over the limit is refused before any byte is read.
    const declared = await nk.call('POST', UPLOAD, { headers: { 'content-type': 'multipart/form-data; boundary=abc', 'content-length': String(max * 4) }, body: streamOf(1024) });
    assert.equal((await errorOf(declared)).code, 'FileTooLarge');
    await nk.assertUnchanged(before);
  });
});

/** A request body stream that sends `size` bytes and then never ends (a slow or endless client). */
export function streamOf(size: number): ReadableStream<Uint8Array> {
  let sent = false;
  return new ReadableStream({
    pull(c) {
      if (sent) return new Promise(() => {});
      sent = true;
      c.enqueue(new Uint8Array(size));
    },
  });
}
