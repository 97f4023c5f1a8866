import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { errorOf, startQsServer, uploadFile, type QsTestServer } from './qs-server.js';

// "Hello Worlds!\n" is t0040-add-and-cat.sh's hello.txt; its CIDv1 form is the same dag-pb node.
const HELLO = 'QmVr26fY1tKyspEJBniVhqxQeEjhF78XerGiqWAwraVLQH';

describe('/ipfs/<cid> gateway for public QS files', () => {
  let qs: QsTestServer;
  before(async () => { qs = await startQsServer(); });
  after(async () => qs.close());

  it('serves nothing that is not public, then serves the file once published on complete', async () => {
    const s = await qs.session();
    const { file: priv } = await uploadFile(qs, s.token, [Buffer.from('Hello Worlds!\n')]);
    assert.equal(priv.cid, HELLO);
    assert.equal(priv.public, false);
    assert.deepEqual(await errorOf(await fetch(`${qs.origin}/ipfs/${HELLO}`)), { status: 404, code: 'NotFound', message: 'No public file has this CID' });

    const { file: pub } = await uploadFile(qs, s.token, [Buffer.from('Hello '), Buffer.from('Worlds!\n')], { complete: { public: true } });
    assert.equal(pub.cid, HELLO);
    assert.equal(pub.public, true);
    const res = await fetch(`${qs.origin}/ipfs/${HELLO}`);
    assert.equal(res.status, 200);
    assert.equal(await res.text(), 'Hello Worlds!\n');
    assert.equal(res.headers.get('etag'), `"${HELLO}"`);
    assert.equal(res.headers.get('cache-control'), 'public, max-age=29030400, immutable');
    assert.equal(res.headers.get('content-type'), 'application/octet-stream');
    assert.equal(res.headers.get('content-length'), '14');
    assert.equal(res.headers.get('x-ipfs-path'), `/ipfs/${HELLO}`);

    const ranged = await fetch(`${qs.origin}/ipfs/${HELLO}`, { headers: { range: 'bytes=6-11' } });
    assert.equal(ranged.status, 206);
    assert.equal(ranged.headers.get('content-range'), 'bytes 6-11/14');
    assert.equal(await ranged.text(), 'Worlds');
    const cached = await fetch(`${qs.origin}/ipfs/${HELLO}`, { headers: { 'if-none-match': `"${HELLO}"` } });
    assert.equal(cached.status, 304);
    const head = await fetch(`${qs.origin}/ipfs/${HELLO}`, { method: 'HEAD' });
    assert.equal(head.headers.get('content-length'), '14');

    // Deleting the public copy withdraws it; the private one with the same bytes stays private.
    assert.equal((await qs.call('DELETE', `/buckets/${pub.fileId}`, { token: s.token })).status, 200);
    assert.equal((await fetch(`${qs.origin}/ipfs/${HELLO}`)).status, 404);
  });

  it('publishes every file of a public session, and accepts the CIDv1 form of a CIDv0', async () => {
    const s = await qs.session({ public: true });
    assert.equal(s.rules.public, true);
    const { file } = await uploadFile(qs, s.token, [Buffer.from('hello world')]);
    assert.equal(file.public, true);
    assert.equal(await (await fetch(`${qs.origin}/ipfs/Qmf412jQZiuVUtdgnB36FXFX7xg5V6KEbSJ4dpQuhkLyfD`)).text(), 'hello world');
    // add_test.go: shortStringCidV1NoRawLeaves is "hello world" as CIDv1 dag-pb, the same node.
    const v1 = await fetch(`${qs.origin}/ipfs/bafybeihykld7uyxzogax6vgyvag42y7464eywpf55gxi5qpoisibh3c5wa`);
    assert.equal(await v1.text(), 'hello world');
    assert.equal(v1.headers.get('etag'), '"bafybeihykld7uyxzogax6vgyvag42y7464eywpf55gxi5qpoisibh3c5wa"');
    const { file: opted } = await uploadFile(qs, s.token, [Buffer.from('not for everyone')], { complete: { public: false } });
    assert.equal(opted.public, false);
    assert.equal((await fetch(`${qs.origin}/ipfs/${opted.cid}`)).status, 404);
  });

  it('rejects what is not a CID it serves', async () => {
    for (const cid of ['hello', 'bafkreifzjut3te2nhyekklss27nh3k72ysco7y32koao5eei66wof36n5e']) {
      assert.deepEqual((await errorOf(await fetch(`${qs.origin}/ipfs/${cid}`))).code, 'InvalidCid');
    }
  });

  it('refuses public files when the deployment does not allow them', async () => {
    const closed = await startQsServer({ adapter: { allowPublic: false } });
    try {
      const res = await closed.call('POST', '/sessions', { headers: { 'x-api-key': closed.apiKey }, json: { public: true } });
      assert.deepEqual(await errorOf(res), { status: 403, code: 'RuleNotAllowed', message: 'This server does not allow public files' });
    } finally {
      await closed.close();
    }
  });
});
