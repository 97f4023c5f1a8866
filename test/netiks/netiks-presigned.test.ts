import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { GetObjectCommand, HeadObjectCommand } from '@aws-sdk/client-s3';
import { pseudoRandomBytes } from '../helpers/storage-fixture.js';
import { curl, errorOf, startNetiksServer, withStatus, type NetiksTestServer } from './netiks-server.js';

const UPLOAD = '/api/v1/assets/developer-upload-file/';
const PRESIGN = '/api/v1/assets/developer-generate-presigned-url/';
const md5 = (b: Buffer) => createHash('md5').update(b).digest('hex');

interface Presigned {
  upload_id: string;
  name: string;
  method: string;
  url: string;
  headers: Record<string, string>;
  expires_in: number;
  expires_at: string;
  storage: { is_presigned: true; upload_id: string; bucket: string; key: string; size: number; content_type: string };
}

// On both metadata dialects: the grant claim is one conditional UPDATE, the asset list a COUNT and a page.
for (const dialect of ['sqlite', 'postgres'] as const) describe(`Netiks bulk upload: presigned PUT URLs, then confirm (Mode 2, ${dialect})`, () => {
  let nk: NetiksTestServer;
  let dir: string;
  const internalErrors: unknown[] = [];
  const MAX = 2 * 1024 * 1024;
  before(async () => {
    nk = await startNetiksServer({ dialect, adapter: { maxFileSize: MAX, maxFilesPerPresign: 10, logger: { error: (obj) => internalErrors.push(obj) } } });
    dir = await mkdtemp(join(tmpdir(), 'netiks-presign-'));
  });
  after(async () => {
    await nk.close();
    await rm(dir, { recursive: true, force: true });
    assert.deepEqual(internalErrors, [], 'no internal errors');
  });

  const presign = async (files: Array<{ name: string; size: number; content_type?: string; folder?: string }>, apiKey?: string) => {
    const res = await nk.call('POST', PRESIGN, { json: { files }, apiKey });
    assert.equal(res.status, 200, await res.clone().text());
    return (await res.json() as { files: Presigned[] }).files;
  };
  /** PUT with fetch, sending exactly the headers the presign answer lists unless told otherwise. */
  const put = (p: Presigned, body: Buffer, headers: Record<string, string> = p.headers) => fetch(p.url, { method: 'PUT', headers, body });
  const confirm = (details: unknown, apiKey?: string) => nk.call('POST', UPLOAD, { json: details, apiKey });

  it('generates URLs for several files, takes each with curl -T or fetch, confirms, lists, downloads, and S3 sees the objects', async () => {
    const files = [
      { name: 'cover.jpg', bytes: pseudoRandomBytes(700_000, 21), content_type: 'image/jpeg', folder: 'album' },
      { name: 'notes 2025.txt', bytes: Buffer.from('plain text, small\n'), content_type: 'text/plain; charset=utf-8', folder: 'album' },
      { name: 'empty.bin', bytes: Buffer.alloc(0), content_type: undefined, folder: undefined },
      { name: 'data.csv', bytes: pseudoRandomBytes(MAX, 22), content_type: 'text/csv', folder: undefined },
    ];
    const urls = await presign(files.map((f) => ({ name: f.name, size: f.bytes.length, content_type: f.content_type, folder: f.folder })));
    assert.equal(urls.length, files.length);
    for (const [i, p] of urls.entries()) {
      const url = new URL(p.url);
      assert.equal(url.origin + '/netiks/uploads/netiks-assets/', `${nk.base}/uploads/netiks-assets/`);
      assert.equal(url.searchParams.get('X-Amz-Algorithm'), 'AWS4-HMAC-SHA256');
      assert.match(url.searchParams.get('X-Amz-Credential')!, new RegExp(`^${nk.credentials.accessKey}/\\d{8}/us-east-1/s3/aws4_request$`));
      assert.match(url.searchParams.get('X-Amz-Date')!, /^\d{8}T\d{6}Z$/);
      assert.equal(url.searchParams.get('X-Amz-Expires'), '900');
      assert.equal(url.searchParams.get('X-Amz-SignedHeaders'), 'content-type;host');
      assert.match(url.searchParams.get('X-Amz-Signature')!, /^[0-9a-f]{64}$/);
      assert.equal(p.method, 'PUT');
      assert.equal(p.expires_in, 900);
      assert.equal(p.name, files[i]!.name);
      assert.deepEqual(p.headers, { 'Content-Type': files[i]!.content_type ?? 'application/octet-stream' });
      assert.deepEqual(p.storage, {
        is_presigned: true, upload_id: p.upload_id, bucket: 'netiks-assets', key: p.storage.key, size: files[i]!.bytes.length,
        content_type: files[i]!.content_type ?? 'application/octet-stream',
      });
    }
    // Nothing is registered or stored before the PUTs.
    const before = await nk.snapshot();
    assert.ok(urls.every((p) => !before.objects.includes(p.storage.key)));

    // Step 2: plain curl -T for two files, fetch for the others.
    for (const i of [0, 3]) {
      const path = join(dir, `f${i}`);
      await writeFile(path, files[i]!.bytes);
      const out = await curl(['-w', '\n%{http_code}', '-T', path, '-H', `Content-Type: ${urls[i]!.headers['Content-Type']}`, urls[i]!.url]);
      assert.equal(out.code, 0, out.stderr);
      assert.deepEqual(withStatus(out.stdout), { status: 200, body: '' });
    }
    for (const i of [1, 2]) {
      const res = await put(urls[i]!, files[i]!.bytes);
      assert.equal(res.status, 200, await res.text());
      assert.equal(res.headers.get('etag'), `"${md5(files[i]!.bytes)}"`);
    }

    // Step 3: confirm each with the storage details as returned; the asset matches the file.
    const assets: Array<Record<string, any>> = [];
    for (const [i, p] of urls.entries()) {
      const res = await confirm(p.storage);
      assert.equal(res.status, 201);
      const asset = await res.json() as Record<string, any>;
      assert.deepEqual([asset.name, asset.key, asset.size, asset.etag, asset.upload_mode, asset.folder],
        [files[i]!.name, p.storage.key, files[i]!.bytes.length, md5(files[i]!.bytes), 'presigned', files[i]!.folder ?? null]);
      assert.equal(asset.content_type, p.storage.content_type);
      assets.push(asset);
    }
    // A second confirm is idempotent: 200 and the same asset; a flat body (no `storage` object) works too.
    const again = await confirm({ is_presigned: true, upload_id: urls[1]!.upload_id, key: urls[1]!.storage.key });
    assert.equal(again.status, 200);
    assert.deepEqual(await again.json(), assets[1]);

    // List (paginated), get, download: the bytes are the files'.
    const page1 = await (await nk.call('GET', '/api/v1/assets/?page_size=3')).json() as Record<string, any>;
    assert.equal(page1.count, 4);
    assert.equal(page1.total_pages, 2);
    assert.equal(page1.results.length, 3);
    assert.equal(page1.previous, null);
    const page2 = await (await fetch(page1.next, { headers: { 'x-api-key': nk.credentials.apiKey } })).json() as Record<string, any>;
    assert.equal(page2.next, null);
    const listed = [...page1.results, ...page2.results].map((a: { id: string }) => a.id).sort();
    assert.deepEqual(listed, assets.map((a) => a.id).sort());
    const album = await (await nk.call('GET', '/api/v1/assets/?folder=album')).json() as Record<string, any>;
    assert.deepEqual(album.results.map((a: { id: string }) => a.id).sort(), [assets[0]!.id, assets[1]!.id].sort());
    for (const [i, asset] of assets.entries()) {
      const dl = await fetch(asset.download_url, { headers: { 'x-api-key': nk.credentials.apiKey } });
      assert.equal(dl.status, 200);
      assert.ok(Buffer.from(await dl.arrayBuffer()).equals(files[i]!.bytes), `download ${i}`);
      // The same object through S3.
      const s3 = await nk.s3.send(new GetObjectCommand({ Bucket: 'netiks-assets', Key: asset.key }));
      assert.equal(s3.ETag, `"${md5(files[i]!.bytes)}"`);
      assert.equal(s3.ContentType, asset.content_type);
      assert.ok(Buffer.from(await s3.Body!.transformToByteArray()).equals(files[i]!.bytes), `S3 GetObject ${i}`);
    }
    // curl downloads too, and the asset's download URL needs the API key.
    const out = await curl(['-H', `x-api-key: ${nk.credentials.apiKey}`, '-o', join(dir, 'dl'), '-w', '%{http_code}', assets[3]!.download_url]);
    assert.equal(out.stdout, '200');
    assert.equal((await errorOf(await fetch(assets[3]!.download_url))).code, 'Unauthorized');

    // The URL worked once: a second PUT is refused and changes nothing.
    const reuse = await put(urls[1]!, Buffer.from('other bytes here!!'));
    assert.deepEqual(await errorOf(reuse), { status: 403, code: 'AccessDenied', message: 'This presigned URL has already been used' });
    const head = await nk.s3.send(new HeadObjectCommand({ Bucket: 'netiks-assets', Key: urls[1]!.storage.key }));
    assert.equal(head.ETag, `"${md5(files[1]!.bytes)}"`);
    // Even after the asset is deleted, its URL stays used up.
    assert.equal((await nk.call('DELETE', `/api/v1/assets/${assets[1]!.id}/`)).status, 204);
    assert.equal((await errorOf(await put(urls[1]!, files[1]!.bytes))).code, 'AccessDenied');
    assert.equal((await errorOf(await confirm(urls[1]!.storage))).code, 'FileNotUploaded');
  });

  it('a single-file call (no files array) answers one URL', async () => {
    const res = await nk.call('POST', PRESIGN, { json: { name: 'one.txt', size: 3, content_type: 'text/plain' } });
    assert.equal(res.status, 200);
    const p = await res.json() as Presigned;
    assert.equal((await put(p, Buffer.from('one'))).status, 200);
    const asset = await (await confirm({ is_presigned: true, storage: p.storage })).json() as Record<string, any>;
    assert.deepEqual([asset.name, asset.size], ['one.txt', 3]);
  });

  it('of two concurrent PUTs to one URL exactly one is stored; concurrent confirms register one asset', async () => {
    const bytes = pseudoRandomBytes(1024 * 1024, 24);
    const [p] = await presign([{ name: 'race.bin', size: bytes.length }]);
    const statuses = (await Promise.all([put(p!, bytes), put(p!, bytes)])).map((r) => r.status).sort();
    assert.deepEqual(statuses, [200, 403]);
    const answers = await Promise.all([confirm(p!.storage), confirm(p!.storage), confirm(p!.storage)]);
    const ids = new Set<string>();
    for (const res of answers) {
      assert.ok(res.status === 200 || res.status === 201, String(res.status));
      ids.add((await res.json() as { id: string }).id);
    }
    assert.equal(ids.size, 1);
  });

  it('refuses an expired URL, a tampered signature, another Content-Type and wrong sizes, storing nothing', async () => {
    const bytes = pseudoRandomBytes(300_000, 23); // over the 128 KiB inline limit: a failed write would leave fragment files
    const [a, b] = await presign([{ name: 'a.png', size: bytes.length, content_type: 'image/png' }, { name: 'b.png', size: bytes.length, content_type: 'image/png' }]);
    const before = await nk.snapshot();
    const fail = async (res: Response, status: number, code: string, message?: RegExp) => {
      const err = await errorOf(res);
      assert.deepEqual([err.status, err.code], [status, code], err.message);
      if (message) assert.match(err.message, message);
    };
    // The signature covers the query, the path and Content-Type.
    const tampered = new URL(a!.url);
    const sig = tampered.searchParams.get('X-Amz-Signature')!;
    tampered.searchParams.set('X-Amz-Signature', (sig[0] === '0' ? '1' : '0') + sig.slice(1));
    await fail(await fetch(tampered, { method: 'PUT', headers: a!.headers, body: bytes }), 403, 'SignatureDoesNotMatch');
    const longer = new URL(a!.url);
    longer.searchParams.set('X-Amz-Expires', '3600');
    await fail(await fetch(longer, { method: 'PUT', headers: a!.headers, body: bytes }), 400, 'AuthorizationQueryParametersError');
    await fail(await put(a!, bytes, { 'Content-Type': 'text/html' }), 403, 'SignatureDoesNotMatch');
    await fail(await put(a!, bytes, {}), 403, 'SignatureDoesNotMatch');
    const otherKey = a!.url.replace(a!.storage.key.split('/')[0]!, b!.storage.key.split('/')[0]!);
    await fail(await fetch(otherKey, { method: 'PUT', headers: a!.headers, body: bytes }), 403, 'SignatureDoesNotMatch');
    const unsigned = a!.url.split('?')[0]!;
    await fail(await fetch(unsigned, { method: 'PUT', headers: a!.headers, body: bytes }), 403, 'AccessDenied');
    // More or fewer bytes than declared.
    await fail(await put(a!, Buffer.concat([bytes, Buffer.from('!')])), 400, 'EntityTooLarge');
    await fail(await put(a!, bytes.subarray(1)), 400, 'IncompleteBody');
    // Confirm before any PUT.
    await fail(await confirm(a!.storage), 409, 'FileNotUploaded');
    // Expired: 15 minutes and one second later (the PUT and the URL both refuse).
    nk.clock.offsetMs = 901_000;
    try {
      await fail(await put(b!, bytes), 403, 'AccessDenied', /expired/);
    } finally {
      nk.clock.offsetMs = 0;
    }
    await nk.assertUnchanged(before, 'nothing stored or half stored');

    // After all that, the URL still works once (failed attempts do not use it up).
    assert.equal((await put(a!, bytes)).status, 200);
    assert.equal((await confirm(a!.storage)).status, 201);
  });

  it('refuses unknown, foreign and mismatched confirms, wrong API keys, oversize and malformed presign requests', async () => {
    const bytes = Buffer.from('hello netiks');
    const [p] = await presign([{ name: 'hello.txt', size: bytes.length, content_type: 'text/plain' }]);
    assert.equal((await put(p!, bytes)).status, 200);
    const code = async (res: Response) => { const e = await errorOf(res); return [e.status, e.code]; };
    const other = await nk.storage.tenants.create('netiks-other');
    // Each tenant has its own netiks-assets bucket and sees only its own assets.
    const [q] = (await (await nk.call('POST', PRESIGN, { json: { files: [{ name: 'theirs.txt', size: 5 }] }, apiKey: other.credentials.apiKey })).json() as { files: Presigned[] }).files;
    assert.equal((await put(q!, Buffer.from('hello'))).status, 200);
    const theirs = await (await confirm(q!.storage, other.credentials.apiKey)).json() as { id: string; bucket: string };
    assert.equal(theirs.bucket, 'netiks-assets');
    assert.deepEqual(await code(await nk.call('GET', `/api/v1/assets/${theirs.id}/`)), [404, 'AssetNotFound']);
    assert.deepEqual(await code(await nk.call('GET', `/api/v1/assets/${theirs.id}/download/`)), [404, 'AssetNotFound']);
    assert.deepEqual(await code(await nk.call('DELETE', `/api/v1/assets/${theirs.id}/`)), [404, 'AssetNotFound']);
    assert.deepEqual(await code(await confirm(q!.storage)), [404, 'UploadNotFound']);
    const before = await nk.snapshot();

    // Another tenant cannot confirm (or even see) this upload; nor can an unknown upload_id or key.
    assert.deepEqual(await code(await confirm(p!.storage, other.credentials.apiKey)), [404, 'UploadNotFound']);
    assert.deepEqual(await code(await confirm({ ...p!.storage, upload_id: '00000000-0000-4000-8000-000000000000' })), [404, 'UploadNotFound']);
    assert.deepEqual(await code(await confirm({ ...p!.storage, key: `${p!.storage.key}x` })), [404, 'UploadNotFound']);
    assert.deepEqual(await code(await confirm({ ...p!.storage, size: bytes.length + 1 })), [409, 'UploadMismatch']);
    assert.deepEqual(await code(await confirm({ ...p!.storage, content_type: 'text/html' })), [409, 'UploadMismatch']);
    assert.deepEqual(await code(await confirm({ is_presigned: true })), [400, 'InvalidArgument']);
    assert.deepEqual(await code(await confirm({ ...p!.storage, is_presigned: 'yes' })), [400, 'InvalidArgument']);
    assert.deepEqual(await code(await confirm(p!.storage, 'ne-wrongwrongwrongwrong')), [401, 'InvalidApiKey']);
    assert.deepEqual(await code(await confirm(p!.storage, null)), [401, 'Unauthorized']);
    assert.deepEqual(await code(await nk.call('POST', PRESIGN, { json: { name: 'x', size: 1 }, apiKey: 'ne-wrongwrongwrongwrong' })), [401, 'InvalidApiKey']);

    // Presign refuses what it could never accept, all or nothing.
    const presignErr = (json: unknown) => nk.call('POST', PRESIGN, { json }).then(code);
    assert.deepEqual(await presignErr({ files: [{ name: 'ok', size: 1 }, { name: 'big', size: MAX + 1 }] }), [413, 'FileTooLarge']);
    assert.deepEqual(await presignErr({ files: Array.from({ length: 11 }, (_, i) => ({ name: `f${i}`, size: 1 })) }), [400, 'TooManyFiles']);
    assert.deepEqual(await presignErr({ files: [] }), [400, 'InvalidArgument']);
    assert.deepEqual(await presignErr({ files: [{ name: 'no size' }] }), [400, 'InvalidArgument']);
    assert.deepEqual(await presignErr({ files: [{ name: 'x', size: -1 }] }), [400, 'InvalidArgument']);
    assert.deepEqual(await presignErr({ files: [{ name: 'x', size: 1, content_type: 'not a type' }] }), [400, 'InvalidArgument']);
    assert.deepEqual(await presignErr({ files: 'nope' }), [400, 'InvalidArgument']);
    assert.deepEqual(await code(await nk.call('POST', PRESIGN, { headers: { 'content-type': 'application/json' }, body: '[1,' })), [400, 'MalformedJson']);
    await nk.assertUnchanged(before, 'nothing registered');

    // The rightful confirm still works.
    assert.equal((await confirm(p!.storage)).status, 201);
  });
});
