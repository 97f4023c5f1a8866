import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { errorOf, startQsServer, uploadFile, type QsTestServer } from './qs-server.js';

describe('QS bad requests: clear JSON errors, nothing changed', () => {
  let qs: QsTestServer;
  let token: string;
  let upload: { uploadId: string; key: string };
  let fileId: string;
  let before_: unknown;
  before(async () => {
    qs = await startQsServer();
    token = (await qs.session()).token;
    ({ file: { fileId } } = await uploadFile(qs, token, [Buffer.from('kept')]));
    upload = await (await qs.call('POST', '/buckets', { token, json: { totalParts: 2 } })).json() as typeof upload;
    before_ = await (await qs.call('GET', '/buckets', { token })).json();
  });
  after(async () => {
    // Every case below left the file list as it was.
    assert.deepEqual(await (await qs.call('GET', '/buckets', { token })).json(), before_);
    await qs.close();
  });

  const put = (headers: Record<string, string>, body: RequestInit['body'] = 'x') => qs.call('PUT', '/buckets', { token, headers, body });

  it('missing or malformed part headers', async () => {
    const { uploadId, key } = upload;
    assert.deepEqual(await errorOf(await put({ key, uploadId })), { status: 400, code: 'MissingHeader', message: 'The partNumber header is required' });
    assert.deepEqual(await errorOf(await put({ partNumber: '1', uploadId })), { status: 400, code: 'MissingHeader', message: 'The key header is required' });
    assert.deepEqual(await errorOf(await put({ partNumber: '1', key })), { status: 400, code: 'MissingHeader', message: 'The uploadId header is required' });
    for (const partNumber of ['one', '1.5', '-1', '0', '10001', '0x10']) {
      assert.equal((await errorOf(await put({ partNumber, key, uploadId }))).code, 'InvalidHeader', partNumber);
    }
  });

  it('an unknown uploadId, or a known one with another key', async () => {
    assert.deepEqual(await errorOf(await put({ partNumber: '1', key: upload.key, uploadId: 'nope' })), {
      status: 404, code: 'NoSuchUpload', message: 'The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted.',
    });
    assert.equal((await errorOf(await put({ partNumber: '1', key: 'other', uploadId: upload.uploadId }))).code, 'NoSuchUpload');
    const complete = await qs.call('POST', '/buckets/complete', { token, json: { key: upload.key, uploadId: 'nope' } });
    assert.equal((await errorOf(complete)).code, 'NoSuchUpload');
  });

  it('complete without key or uploadId, with bad tags, or with a malformed body', async () => {
    for (const json of [{ uploadId: upload.uploadId }, { key: upload.key }, { ...upload, tags: 'x' }, { ...upload, tags: [1] }, { ...upload, public: 'yes' }]) {
      assert.equal((await errorOf(await qs.call('POST', '/buckets/complete', { token, json }))).code, 'InvalidArgument', JSON.stringify(json));
    }
    const garbage = await qs.call('POST', '/buckets/complete', { token, body: '{not json', headers: { 'content-type': 'application/json' } });
    assert.deepEqual(await errorOf(garbage), { status: 400, code: 'MalformedJson', message: 'The body is not valid JSON' });
    const start = await qs.call('POST', '/buckets', { token, json: { totalParts: 'two' } });
    assert.deepEqual(await errorOf(start), { status: 400, code: 'InvalidArgument', message: 'totalParts must be an integer from 0 to 10000' });
  });

  it('completing twice', async () => {
    const started = await (await qs.call('POST', '/buckets', { token, json: { totalParts: 1 } })).json() as typeof upload;
    assert.equal((await put({ partNumber: '1', ...started }, 'twice')).status, 200);
    const first = await qs.call('POST', '/buckets/complete', { token, json: started });
    assert.equal(first.status, 200);
    const { fileId: id } = await first.json() as { fileId: string };
    const second = await qs.call('POST', '/buckets/complete', { token, json: started });
    assert.deepEqual(await errorOf(second), { status: 409, code: 'UploadAlreadyCompleted', message: `This upload was already completed as file ${id}` });
    assert.equal((await errorOf(await put({ partNumber: '1', ...started }))).code, 'UploadAlreadyCompleted');
    assert.equal((await qs.call('DELETE', `/buckets/${id}`, { token })).status, 200);
  });

  it('another session\'s file and upload are 404, as if they did not exist', async () => {
    const other = await qs.session();
    for (const path of [`/buckets/file/${fileId}`, `/buckets/download/${fileId}`]) {
      assert.deepEqual(await errorOf(await qs.call('GET', path, { token: other.token })), { status: 404, code: 'NoSuchFile', message: 'No such file in this session' });
    }
    assert.equal((await errorOf(await qs.call('DELETE', `/buckets/${fileId}`, { token: other.token }))).status, 404);
    assert.equal((await errorOf(await qs.call('PUT', '/buckets', { token: other.token, headers: { partNumber: '1', ...upload }, body: 'x' }))).code, 'NoSuchUpload');
    assert.deepEqual(await (await qs.call('GET', '/buckets', { token: other.token })).json(), []);
    assert.equal((await errorOf(await qs.call('GET', '/buckets/file/not-a-uuid', { token }))).code, 'NoSuchFile');
  });

  it('a token of another tenant sees none of this tenant\'s files', async () => {
    const { credentials } = await qs.storage.tenants.create('other-tenant');
    const foreign = await qs.session(undefined, credentials.apiKey);
    assert.equal((await errorOf(await qs.call('GET', `/buckets/file/${fileId}`, { token: foreign.token }))).status, 404);
    assert.equal((await errorOf(await qs.call('POST', '/buckets/complete', { token: foreign.token, json: upload }))).code, 'NoSuchUpload');
    // Nor may that tenant's API key join this tenant's session.
    const mine = await qs.session();
    const join = await qs.call('POST', `/sessions/${mine.sessionId}/join`, { headers: { 'x-api-key': credentials.apiKey } });
    assert.deepEqual(await errorOf(join), { status: 404, code: 'NoSuchSession', message: 'No such session' });
  });

  it('missing, malformed, unknown and expired tokens are 401; API keys are checked', async () => {
    const cases: Array<[Record<string, string>, string]> = [
      [{}, 'Unauthorized'],
      [{ authorization: 'Basic abc' }, 'Unauthorized'],
      [{ authorization: `Bearer ${'A'.repeat(43)}` }, 'Unauthorized'],
      [{ authorization: `Bearer ${token}x` }, 'Unauthorized'],
    ];
    for (const [headers, code] of cases) {
      const res = await qs.call('GET', '/buckets', { headers });
      assert.deepEqual({ status: res.status, code: (await errorOf(res)).code }, { status: 401, code });
      assert.equal(res.headers.get('www-authenticate'), 'Bearer realm="qs"');
    }
    assert.equal((await errorOf(await qs.call('POST', '/sessions', {}))).code, 'Unauthorized');
    assert.deepEqual(await errorOf(await qs.call('POST', '/sessions', { headers: { 'x-api-key': 'og_wrong_wrong_wrong_wrong' } })), { status: 401, code: 'InvalidApiKey', message: 'The X-API-KEY is not valid' });

    const short = await qs.session({ allowedUntil: new Date(qs.clock.now + 60_000).toISOString() });
    const joined = await qs.call('POST', `/sessions/${short.sessionId}/join`, { headers: { 'x-api-key': qs.apiKey } });
    assert.equal(joined.status, 200);
    const guest = await joined.json() as { sessionId: string; token: string };
    assert.equal(guest.sessionId, short.sessionId);
    assert.notEqual(guest.token, short.token);
    assert.equal((await qs.call('GET', '/buckets', { token: guest.token })).status, 200);
    qs.clock.now += 61_000;
    try {
      for (const t of [short.token, guest.token]) assert.equal((await errorOf(await qs.call('GET', '/buckets', { token: t }))).code, 'SessionExpired');
      assert.equal((await errorOf(await qs.call('POST', `/sessions/${short.sessionId}/join`, { headers: { 'x-api-key': qs.apiKey } }))).code, 'SessionExpired');
    } finally {
      qs.clock.now -= 61_000;
    }
  });

  it('a token expires before its session when tokenTtlMs is shorter', async () => {
    const qs2 = await startQsServer({ adapter: { tokenTtlMs: 1000 } });
    try {
      const s = await qs2.session();
      qs2.clock.now += 1001;
      assert.deepEqual(await errorOf(await qs2.call('GET', '/buckets', { token: s.token })), {
        status: 401, code: 'TokenExpired', message: 'The session token has expired; join the session again for a new one',
      });
      const again = await (await qs2.call('POST', `/sessions/${s.sessionId}/join`, { headers: { 'x-api-key': qs2.apiKey } })).json() as { token: string };
      assert.equal((await qs2.call('GET', '/buckets', { token: again.token })).status, 200);
    } finally {
      await qs2.close();
    }
  });

  it('paths the adapter does not own fall through to the app', async () => {
    assert.deepEqual(await errorOf(await qs.call('GET', '/nothing-here')), { status: 404, code: 'NotFound', message: 'No such route' });
  });
});
