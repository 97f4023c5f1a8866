import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { segmentedAead } from '@omnigate/core';
import { fragmentFiles, pseudoRandomBytes } from '../helpers/storage-fixture.js';
import { errorOf, sealPart, sealSingle, startZibServer, uploadSealed, type Registration, type ZibTestServer } from './zib-server.js';

describe('ZiB bad input: documented JSON errors, nothing stored', () => {
  let zib: ZibTestServer;
  before(async () => { zib = await startZibServer(); });
  after(async () => {
    await zib.close();
    assert.deepEqual(zib.internalErrors, []);
  });

  /** Runs `fn` and checks that no fragment file and no object appeared. */
  async function storesNothing(reg: Registration | undefined, fn: () => Promise<void>): Promise<void> {
    const files = (await fragmentFiles(zib.fixture.nodeDirs)).length;
    await fn();
    assert.equal((await fragmentFiles(zib.fixture.nodeDirs)).length, files, 'no fragment was written');
    if (reg) await assert.rejects(zib.storage.headObjectById(reg.file_id), { code: 'NoSuchKey' });
  }

  it('wrong or missing bearer → 401 Unauthorized on every tenant endpoint', async () => {
    const wrong = `Bearer ${zib.credentials.accessKey}:not-the-secret-at-all`;
    for (const [method, path] of [['POST', '/v1/api/upload/initiate'], ['GET', '/s3/'], ['GET', '/s3/b'], ['DELETE', '/s3/b/k'], ['GET', '/v1/api/pipeline/x'], ['GET', '/v1/api/customers/me'], ['PATCH', '/v1/api/customers/me/webhook']]) {
      for (const auth of [false, wrong, 'Basic abc', `Bearer ${zib.credentials.accessKey}`] as const) {
        const res = await zib.call(method!, path!, { auth, json: method === 'GET' || method === 'DELETE' ? undefined : { bucket: 'b', key: 'k', file_size: 1 } });
        const err = await errorOf(res);
        assert.deepEqual([err.status, err.code], [401, 'Unauthorized'], `${method} ${path} with ${String(auth)}`);
        assert.equal(res.headers.get('www-authenticate'), 'Bearer realm="zib"');
      }
    }
    assert.deepEqual(await zib.storage.listBuckets(zib.tenant), []);
  });

  it('malformed JSON and invalid fields → 400 with the documented codes', async () => {
    const raw = await zib.call('POST', '/v1/api/upload/initiate', { body: '{"bucket": "b",', headers: { 'content-type': 'application/json' } });
    assert.deepEqual(await errorOf(raw), { status: 400, code: 'MalformedJson', error: 'The body is not valid JSON' });
    const arr = await zib.call('POST', '/v1/api/upload/initiate', { json: [1] });
    assert.equal((await errorOf(arr)).code, 'MalformedJson');
    for (const [body, message] of [
      [{ key: 'k', file_size: 1 }, /"bucket" is required/],
      [{ bucket: 'b', file_size: 1 }, /"key" is required/],
      [{ bucket: 'b', key: 'k' }, /"file_size" must be a non-negative integer/],
      [{ bucket: 'b', key: 'k', file_size: -1 }, /"file_size"/],
      [{ bucket: 'b', key: 'k', file_size: 1.5 }, /"file_size"/],
      [{ bucket: 'b', key: 'k', file_size: '10' }, /"file_size"/],
      [{ bucket: 'b', key: 'k', file_size: 1, content_type: 'not a type' }, /"content_type"/],
      [{ bucket: 'Bad_Bucket!', key: 'k', file_size: 1 }, /bucket/i],
    ] as const) {
      const err = await errorOf(await zib.call('POST', '/v1/api/upload/initiate', { json: body }));
      assert.equal(err.status, 400, JSON.stringify(body));
      assert.equal(err.code, 'InvalidArgument');
      assert.match(err.error, message);
    }
    const huge = await zib.call('POST', '/v1/api/upload/initiate', { json: { bucket: 'b', key: 'k', file_size: 2 ** 50 } });
    assert.deepEqual([(await errorOf(huge)).code, huge.status], ['EntityTooLarge', 413]);
    assert.deepEqual(await zib.storage.listBuckets(zib.tenant), [], 'nothing was created');
  });

  it('a pipeline with stages, or legacy capabilities, → 503 NoCapableNode at once', async () => {
    for (const extra of [{ pipeline: { encode: true } }, { pipeline: { transcription: 'recommended', webhook_url: 'https://x.example/h', webhook_secret: 'whsec_0123456789abcdef' } }, { pipeline: { vision: 'hq' } }, { capabilities: ['encode'] }]) {
      const err = await errorOf(await zib.call('POST', '/v1/api/upload/initiate', { json: { bucket: 'pipe', key: 'v.mp4', file_size: 10, ...extra } }));
      assert.deepEqual([err.status, err.code], [503, 'NoCapableNode'], JSON.stringify(extra));
    }
    const ok = await zib.call('POST', '/v1/api/upload/initiate', { json: { bucket: 'pipe', key: 'v.mp4', file_size: 10, capabilities: [], pipeline: { encode: false } } });
    assert.equal(ok.status, 200);
  });

  it('plaintext PUT to a node URL → 400 InvalidCiphertext; the registration stays usable', async () => {
    const plain = pseudoRandomBytes(100_000, 5);
    const reg = await zib.initiate({ bucket: 'bad', key: 'plain.bin', file_size: plain.length });
    await storesNothing(reg, async () => {
      const res = await fetch(reg.upload_url!, { method: 'PUT', body: plain });
      const err = await errorOf(res);
      assert.deepEqual([err.status, err.code], [400, 'InvalidCiphertext']);
      assert.match(err.error, /not Omnigate segmented ciphertext/);
    });
    // A wrong key (another registration's) and a wrong stream index are refused the same way.
    const other = await zib.initiate({ bucket: 'bad', key: 'other', file_size: plain.length });
    await storesNothing(reg, async () => {
      const wrongKey = await fetch(reg.upload_url!, { method: 'PUT', body: sealSingle(other, plain) });
      assert.equal((await errorOf(wrongKey)).code, 'InvalidCiphertext');
      const key = Buffer.from(reg.encryption.key, 'base64');
      const wrongIndex = await fetch(reg.upload_url!, { method: 'PUT', body: segmentedAead.sealBuffer(key, plain, { streamIndex: 3 }) });
      assert.equal((await errorOf(wrongIndex)).code, 'InvalidCiphertext');
    });
    const status = await (await zib.call('GET', `/v1/api/pipeline/${reg.file_id}`)).json() as any;
    assert.equal(status.stages.upload.phase, 'pending');
    await uploadSealed(reg, plain);
    assert.deepEqual(Buffer.from(await (await fetch(reg.cdn_url)).arrayBuffer()), plain);
  });

  it('wrong size → 400 InvalidCiphertext, nothing stored', async () => {
    const reg = await zib.initiate({ bucket: 'bad', key: 'size', file_size: 1000 });
    await storesNothing(reg, async () => {
      for (const plain of [Buffer.alloc(999, 1), Buffer.alloc(1001, 1)]) {
        const err = await errorOf(await fetch(reg.upload_url!, { method: 'PUT', body: sealSingle(reg, plain) }));
        assert.deepEqual([err.status, err.code], [400, 'InvalidCiphertext']);
      }
    });
  });

  it('a reused registration → 409 RegistrationUsed, the stored file unchanged', async () => {
    const reg = await zib.initiate({ bucket: 'bad', key: 'once', file_size: 4 });
    await uploadSealed(reg, Buffer.from('once'));
    await storesNothing(undefined, async () => {
      const again = await fetch(reg.upload_url!, { method: 'PUT', body: sealSingle(reg, Buffer.from('twice')) });
      assert.deepEqual(await errorOf(again), { status: 409, code: 'RegistrationUsed', error: 'This registration was already used (or is being used right now); a registration uploads one file once' });
    });
    assert.equal(await (await fetch(reg.cdn_url)).text(), 'once');
    // Multipart: parts and complete after completion are refused too.
    const plain = pseudoRandomBytes(300_000, 6);
    const mp = await zib.initiate({ bucket: 'bad', key: 'mp-once', file_size: plain.length });
    await uploadSealed(mp, plain);
    await storesNothing(undefined, async () => {
      assert.equal((await errorOf(await fetch(mp.parts![0]!.upload_url, { method: 'PUT', body: sealPart(mp, plain, 1) }))).code, 'RegistrationUsed');
      assert.equal((await errorOf(await fetch(mp.complete_url!, { method: 'POST', body: '{"parts":[]}' }))).code, 'RegistrationUsed');
    });
  });

  it('wrong part numbers and incomplete completes are refused', async () => {
    const plain = pseudoRandomBytes(300_000, 7);
    const reg = await zib.initiate({ bucket: 'bad', key: 'parts', file_size: plain.length });
    assert.equal(reg.part_count, 3);
    await storesNothing(reg, async () => {
      for (const n of ['0', '4', '99999', 'x']) {
        const url = reg.parts![0]!.upload_url.replace(/\/1$/, `/${n}`);
        const err = await errorOf(await fetch(url, { method: 'PUT', body: sealPart(reg, plain, 1) }));
        assert.deepEqual([err.status, err.code], [400, 'InvalidPartNumber'], n);
      }
      // Part 2's bytes sent as part 1: the stream index inside the ciphertext says 2.
      const swapped = await fetch(reg.parts![0]!.upload_url, { method: 'PUT', body: sealPart(reg, plain, 2) });
      assert.equal((await errorOf(swapped)).code, 'InvalidCiphertext');
    });
    const p1 = await (await fetch(reg.parts![0]!.upload_url, { method: 'PUT', body: sealPart(reg, plain, 1) })).json() as { etag: string };
    const missing = await fetch(reg.complete_url!, { method: 'POST', body: JSON.stringify({ parts: [{ part_number: 1, etag: p1.etag }] }) });
    assert.deepEqual(await errorOf(missing), { status: 400, code: 'IncompleteUpload', error: 'Complete must list parts 1 to 3 in order; missing 2, 3' });
    const notSent = await fetch(reg.complete_url!, { method: 'POST', body: JSON.stringify({ parts: [1, 2, 3].map((n) => ({ part_number: n, etag: p1.etag })) }) });
    assert.deepEqual([notSent.status, (await errorOf(notSent)).code], [400, 'InvalidPart']);
    const badJson = await fetch(reg.complete_url!, { method: 'POST', body: '{nope' });
    assert.equal((await errorOf(badJson)).code, 'MalformedJson');
    await assert.rejects(zib.storage.headObjectById(reg.file_id), { code: 'NoSuchKey' });
    // After the refusals the upload can still be finished.
    const done = await uploadSealed(reg, plain);
    assert.equal(done.size, plain.length);
  });

  it('unknown file_id, unknown token, expired registration', async () => {
    const unknown = await fetch(`${zib.base}/objects/00000000-0000-4000-8000-000000000000`);
    assert.deepEqual(await errorOf(unknown), { status: 404, code: 'NoSuchFile', error: 'No file has this file_id (never uploaded, or deleted)' });
    assert.equal((await errorOf(await fetch(`${zib.base}/objects/not-a-uuid`))).code, 'NoSuchFile');
    assert.equal((await fetch(`${zib.base}/objects/00000000-0000-4000-8000-000000000000`, { method: 'HEAD' })).status, 404);
    const pipe = await zib.call('GET', '/v1/api/pipeline/00000000-0000-4000-8000-000000000000');
    assert.deepEqual([pipe.status, (await errorOf(pipe)).code], [404, 'NoSuchFile']);
    const token = await fetch(`${zib.base}/upload/${'A'.repeat(43)}`, { method: 'PUT', body: 'x' });
    assert.deepEqual([token.status, (await errorOf(token)).code], [404, 'NoSuchRegistration']);

    const reg = await zib.initiate({ bucket: 'bad', key: 'late', file_size: 3 });
    // A multipart registration with one part sent: expiry aborts its core upload and frees the part's fragments.
    const plain = pseudoRandomBytes(300_000, 8);
    const mp = await zib.initiate({ bucket: 'bad', key: 'late-mp', file_size: plain.length });
    const files = (await fragmentFiles(zib.fixture.nodeDirs)).length;
    assert.equal((await fetch(mp.parts![0]!.upload_url, { method: 'PUT', body: sealPart(mp, plain, 1) })).status, 200);
    assert.equal((await fragmentFiles(zib.fixture.nodeDirs)).length, files + 6);
    zib.clock.offsetMs = 25 * 3600_000;
    try {
      // (The watcher is freeing the expired multipart upload meanwhile: check the single one by its object.)
      const late = await fetch(reg.upload_url!, { method: 'PUT', body: sealSingle(reg, Buffer.from('abc')) });
      assert.deepEqual([late.status, (await errorOf(late)).code], [410, 'RegistrationExpired']);
      await assert.rejects(zib.storage.headObjectById(reg.file_id), { code: 'NoSuchKey' });
      zib.adapter.kick();
      let status: any;
      for (let i = 0; i < 100; i++) {
        status = await (await zib.call('GET', `/v1/api/pipeline/${reg.file_id}`)).json();
        if (status.stages.upload.phase === 'cancelled') break;
        await new Promise((r) => setTimeout(r, 20));
      }
      assert.deepEqual([status.stages.upload.phase, status.stages.upload.cancelled_reason], ['cancelled', 'registration expired before the upload completed']);
      for (let i = 0; i < 100 && (await fragmentFiles(zib.fixture.nodeDirs)).length !== files; i++) await new Promise((r) => setTimeout(r, 20));
      assert.equal((await fragmentFiles(zib.fixture.nodeDirs)).length, files, 'the expired upload\'s part is gone');
      await assert.rejects(zib.storage.multipart.listParts(zib.tenant, 'bad', 'late-mp', mp.upload_id!), { code: 'NoSuchUpload' });
      const part2 = await fetch(mp.parts![1]!.upload_url, { method: 'PUT', body: sealPart(mp, plain, 2) });
      assert.deepEqual([part2.status, (await errorOf(part2)).code], [410, 'RegistrationExpired']);
    } finally {
      zib.clock.offsetMs = 0;
    }
  });
});
