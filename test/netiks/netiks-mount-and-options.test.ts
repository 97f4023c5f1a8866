import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import request from 'supertest';
import { resolveNetiksOptions, sanitiseFileName, STORAGE_TO_NETIKS } from '../../adapters/netiks/src/index.js';
import { errorOf, startNetiksServer } from './netiks-server.js';

const UPLOAD = '/api/v1/assets/developer-upload-file/';
const PRESIGN = '/api/v1/assets/developer-generate-presigned-url/';

describe('Netiks mounted elsewhere', () => {
  it('works at the root of an app', async () => {
    const nk = await startNetiksServer({ mount: '/' });
    try {
      const res = await request(nk.origin).post(UPLOAD).set('x-api-key', nk.credentials.apiKey).attach('file', Buffer.from('at the root'), 'root.txt');
      assert.equal(res.status, 201, res.text);
      assert.equal(res.body.download_url, `${nk.origin}/api/v1/assets/${res.body.id}/download/`);
      const [p] = (await (await nk.call('POST', PRESIGN, { json: { files: [{ name: 'r.txt', size: 2, content_type: 'text/plain' }] } })).json() as { files: Array<{ url: string; storage: object }> }).files;
      assert.ok(p!.url.startsWith(`${nk.origin}/uploads/netiks-assets/`), p!.url);
      assert.equal((await fetch(p!.url, { method: 'PUT', headers: { 'Content-Type': 'text/plain' }, body: 'hi' })).status, 200);
      assert.equal((await nk.call('POST', UPLOAD, { json: p!.storage })).status, 201);
    } finally {
      await nk.close();
    }
  });

  it('behind a proxy that strips /netiks, issues and verifies URLs for publicBaseUrl', async () => {
    const publicBaseUrl = 'https://cdn.example.com/netiks';
    const nk = await startNetiksServer({ mount: '/', adapter: { publicBaseUrl }, rewrite: (url) => url.replace(/^\/netiks(?=\/)/, '') });
    try {
      const via = (url: string) => url.replace(publicBaseUrl, `${nk.origin}/netiks`); // what the proxy forwards
      const res = await nk.call('POST', `${nk.origin}/netiks${PRESIGN}`, { json: { name: 'p.txt', size: 5, content_type: 'text/plain' } });
      const p = await res.json() as { url: string; storage: object };
      assert.ok(p.url.startsWith(`${publicBaseUrl}/uploads/netiks-assets/`), p.url);
      // The signature covers the public host and path: the request reaches us on another Host, as through a proxy.
      assert.equal((await fetch(via(p.url), { method: 'PUT', headers: { 'Content-Type': 'text/plain' }, body: 'proxy' })).status, 200);
      const asset = await (await nk.call('POST', `${nk.origin}/netiks${UPLOAD}`, { json: p.storage })).json() as { download_url: string };
      assert.ok(asset.download_url.startsWith(`${publicBaseUrl}/api/v1/assets/`), asset.download_url);
      const dl = await fetch(via(asset.download_url), { headers: { 'x-api-key': nk.credentials.apiKey } });
      assert.equal(await dl.text(), 'proxy');
    } finally {
      await nk.close();
    }
  });

  it('leaves paths it does not own to the next handler', async () => {
    const nk = await startNetiksServer();
    try {
      // Under /netiks but not a Netiks route: the S3 adapter mounted after it answers (XML), not Netiks.
      const res = await nk.call('GET', '/api/v2/nothing-here');
      assert.notEqual(res.headers.get('content-type'), 'application/json; charset=utf-8');
      // Routes are case-sensitive, as documented; the trailing slash is optional.
      assert.notEqual((await nk.call('GET', '/API/v1/assets/')).headers.get('content-type'), 'application/json; charset=utf-8');
      assert.equal((await nk.call('GET', '/api/v1/assets')).status, 200);
      assert.equal((await errorOf(await nk.call('GET', '/api/v1/assets/not-a-uuid/'))).code, 'AssetNotFound');
    } finally {
      await nk.close();
    }
  });
});

describe('Netiks options and names', () => {
  const storage = { maxObjectSize: 1000, reservedBucketNames: new Set(['netiks']) };
  it('validates once and freezes', () => {
    const resolved = resolveNetiksOptions({}, storage);
    assert.ok(Object.isFrozen(resolved));
    assert.deepEqual([resolved.bucket, resolved.maxFileSize, resolved.presignExpirySeconds, resolved.maxFilesPerPresign], ['netiks-assets', 1000, 900, 100]);
    for (const bad of [{ maxFileSize: 1001 }, { maxFileSize: 0 }, { bucket: 'Not_A_Bucket' }, { bucket: 'netiks' }, { presignExpirySeconds: 604801 },
      { publicBaseUrl: 'ftp://x' }, { publicBaseUrl: 'https://u:p@x/' }, { region: 'US EAST' }, { maxFilesPerPresign: 1.5 }]) {
      assert.throws(() => resolveNetiksOptions(bad as never, storage), TypeError, JSON.stringify(bad));
    }
  });

  it('sanitises key names and maps every core code', () => {
    assert.equal(sanitiseFileName('../../etc/passwd'), 'passwd');
    assert.equal(sanitiseFileName('Q3 report (final).pdf'), 'Q3_report_final_.pdf');
    assert.equal(sanitiseFileName('..'), 'file');
    assert.equal(sanitiseFileName('C:\\dir\\фото.jpg'), 'фото.jpg');
    for (const [code, spec] of Object.entries(STORAGE_TO_NETIKS)) {
      assert.match(spec.code, /^[A-Z]\w+$/, code);
      assert.ok(spec.status >= 300 && spec.status < 600, code);
    }
  });
});
