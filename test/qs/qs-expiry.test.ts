import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { expireQsUploads } from '../../adapters/qs/src/index.js';
import { errorOf, startQsServer, uploadFile, type QsTestServer } from './qs-server.js';

describe('QS upload expiry', () => {
  let qs: QsTestServer;
  before(async () => { qs = await startQsServer(); });
  after(async () => qs.close());

  const bucket = () => `qs-${qs.tenant.id.replace(/-/g, '')}`;
  const openUploads = async () => (await qs.storage.multipart.list(qs.tenant, bucket())).uploads.map((u) => u.uploadId).sort();

  const startWithPart = async (token: string) => {
    const started = await (await qs.call('POST', '/buckets', { token, json: { totalParts: 2 } })).json() as { uploadId: string; key: string };
    assert.equal((await qs.call('PUT', '/buckets', { token, headers: { partNumber: '1', ...started }, body: 'part' })).status, 200);
    return started.uploadId;
  };

  it('touching an expired session aborts its unfinished uploads, and keeps its files', async () => {
    const s = await qs.session({ allowedUntil: new Date(qs.clock.now + 60_000).toISOString() });
    const { file } = await uploadFile(qs, s.token, [Buffer.from('kept')]);
    const open = await startWithPart(s.token);
    assert.ok((await openUploads()).includes(open));
    qs.clock.now += 60_001;
    try {
      assert.equal((await errorOf(await qs.call('GET', '/buckets', { token: s.token }))).code, 'SessionExpired');
      assert.ok(!(await openUploads()).includes(open), 'the core upload and its parts are gone');
    } finally {
      qs.clock.now -= 60_001;
    }
    assert.equal((await qs.storage.headObjectById(file.fileId)).state, 'live');
  });

  it('expireQsUploads() aborts the open uploads of every expired session and drops expired tokens', async () => {
    const expiring = await qs.session({ allowedUntil: new Date(qs.clock.now + 60_000).toISOString() });
    const lasting = await qs.session();
    const doomed = await startWithPart(expiring.token);
    const kept = await startWithPart(lasting.token);
    const report = await expireQsUploads(qs.storage, { now: qs.clock.now + 60_001 });
    assert.equal(report.abortedUploads, 1);
    assert.ok(report.expiredTokens >= 1);
    const left = await openUploads();
    assert.ok(!left.includes(doomed));
    assert.ok(left.includes(kept));
    assert.deepEqual(await expireQsUploads(qs.storage, { now: qs.clock.now + 60_001 }), { abortedUploads: 0, expiredTokens: 0 });
  });

  it('an upload the maintenance sweep expired answers NoSuchUpload and stops counting against maxFiles', async () => {
    const s = await qs.session({ maxFiles: 1 });
    const started = await (await qs.call('POST', '/buckets', { token: s.token, json: { totalParts: 1 } })).json() as { uploadId: string; key: string };
    await qs.storage.multipart.abort(qs.tenant, bucket(), started.key, started.uploadId); // what sweep({ uploadsOlderThanMs }) does
    const put = await qs.call('PUT', '/buckets', { token: s.token, headers: { partNumber: '1', ...started }, body: 'late' });
    assert.equal((await errorOf(put)).code, 'NoSuchUpload');
    assert.equal((await qs.call('POST', '/buckets', { token: s.token, json: { totalParts: 1 } })).status, 200);
  });
});
