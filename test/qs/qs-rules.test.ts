import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { errorOf, startQsServer, uploadFile, type QsTestServer } from './qs-server.js';

const KiB = 1024;
const MiB = 1024 * KiB;

describe('QS session rules', () => {
  let qs: QsTestServer;
  before(async () => {
    qs = await startQsServer({ adapter: { defaultRules: { maxFileSize: 4 * MiB, maxTotalBytes: 16 * MiB, maxFiles: 10, sessionTtlMs: 3600_000 } } });
  });
  after(async () => qs.close());

  const start = async (token: string, json: Record<string, unknown> = { totalParts: 1 }) => {
    const res = await qs.call('POST', '/buckets', { token, json });
    assert.equal(res.status, 200, await res.clone().text());
    return await res.json() as { uploadId: string; key: string };
  };
  const listParts = async (key: string, uploadId: string) =>
    (await qs.storage.multipart.listParts(qs.tenant, `qs-${qs.tenant.id.replace(/-/g, '')}`, key, uploadId)).parts.map((p) => p.partNumber);

  it('issues a session with the defaults, or tighter rules, and refuses looser or unknown ones', async () => {
    const s = await qs.session();
    assert.equal(s.rules.maxFileSize, 4 * MiB);
    assert.equal(s.rules.minPartSize, 0);
    assert.equal(s.expiresAt <= (s.rules.allowedUntil as string), true);
    const tight = await qs.session({ maxFileSize: 1000, maxFiles: 2, allowedUntil: new Date(qs.clock.now + 60_000).toISOString() });
    assert.deepEqual({ ...tight.rules }, { maxFileSize: 1000, maxTotalBytes: 16 * MiB, maxFiles: 2, allowedUntil: new Date(qs.clock.now + 60_000).toISOString(), public: false, minPartSize: 0 });
    assert.equal(tight.expiresAt, tight.rules.allowedUntil, 'a token never outlives its session');
    for (const [rules, code] of [
      [{ maxFileSize: 5 * MiB }, 'InvalidRules'],
      [{ maxFiles: 0 }, 'InvalidRules'],
      [{ allowedUntil: new Date(qs.clock.now + 2 * 3600_000).toISOString() }, 'InvalidRules'],
      [{ allowedUntil: 'tomorrow' }, 'InvalidRules'],
      [{ maxFileSize: '10' }, 'InvalidRules'],
      [{ maxSize: 10 }, 'InvalidRules'],
      [[1], 'InvalidRules'],
    ] as const) {
      const res = await qs.call('POST', '/sessions', { headers: { 'x-api-key': qs.apiKey }, json: rules });
      assert.deepEqual({ status: res.status, code: (await errorOf(res)).code }, { status: 400, code }, JSON.stringify(rules));
    }
    const bad = await qs.call('POST', '/sessions', { headers: { 'x-api-key': qs.apiKey, 'content-type': 'application/json' }, body: '{"maxFiles":' });
    assert.deepEqual(await errorOf(bad), { status: 400, code: 'MalformedJson', message: 'The body is not valid JSON' });
  });

  it('refuses a declared size over maxFileSize before any byte', async () => {
    const s = await qs.session({ maxFileSize: MiB });
    const res = await qs.call('POST', '/buckets', { token: s.token, json: { totalParts: 1, originalSizeInBytes: MiB + 1 } });
    assert.deepEqual({ ...(await errorOf(res)), message: '' }, { status: 413, code: 'FileTooLarge', message: '' });
  });

  it('stops a part as soon as its bytes exceed maxFileSize, even when the size was not declared', async () => {
    const s = await qs.session({ maxFileSize: MiB });
    const { uploadId, key } = await start(s.token, { totalParts: 1 });
    // 2 MiB, then the body never ends: only a server that counts as bytes arrive can answer.
    let sent = 0;
    const endless = new ReadableStream<Uint8Array>({
      pull(c) {
        if (sent >= 2 * MiB) return new Promise(() => {});
        sent += 64 * KiB;
        c.enqueue(new Uint8Array(64 * KiB));
      },
    });
    const res = await qs.call('PUT', '/buckets', { token: s.token, headers: { partNumber: '1', key, uploadId }, body: endless });
    assert.deepEqual(await errorOf(res), { status: 413, code: 'FileTooLarge', message: `This session allows files of at most ${MiB} bytes` });
    assert.deepEqual(await listParts(key, uploadId), [], 'nothing was stored');
    // A Content-Length over the allowance is refused without reading the body.
    const declared = await qs.call('PUT', '/buckets', { token: s.token, headers: { partNumber: '1', key, uploadId }, body: Buffer.alloc(MiB + 1) });
    assert.equal((await errorOf(declared)).code, 'FileTooLarge');
    // The allowance counts the upload's other parts.
    const two = await start(s.token, { totalParts: 2 });
    const put = (n: number, bytes: number) => qs.call('PUT', '/buckets', { token: s.token, headers: { partNumber: String(n), key: two.key, uploadId: two.uploadId }, body: Buffer.alloc(bytes) });
    assert.equal((await put(1, 700 * KiB)).status, 200);
    assert.equal((await errorOf(await put(2, 400 * KiB))).code, 'FileTooLarge');
    assert.equal((await put(2, 324 * KiB)).status, 200);
    assert.equal((await put(1, 600 * KiB)).status, 200, 'a replaced part does not count twice');
  });

  it('enforces maxTotalBytes over the session\'s files', async () => {
    const s = await qs.session({ maxTotalBytes: 100 });
    await uploadFile(qs, s.token, [Buffer.alloc(60)]);
    const declared = await qs.call('POST', '/buckets', { token: s.token, json: { totalParts: 1, originalSizeInBytes: 41 } });
    assert.equal((await errorOf(declared)).code, 'SessionQuotaExceeded');
    const { uploadId, key } = await start(s.token, { totalParts: 1 });
    const over = await qs.call('PUT', '/buckets', { token: s.token, headers: { partNumber: '1', key, uploadId }, body: Buffer.alloc(41) });
    assert.deepEqual((await errorOf(over)).status, 413);
    assert.equal((await qs.call('PUT', '/buckets', { token: s.token, headers: { partNumber: '1', key, uploadId }, body: Buffer.alloc(40) })).status, 200);
  });

  it('enforces maxFiles, counting uploads in progress', async () => {
    const s = await qs.session({ maxFiles: 2 });
    await uploadFile(qs, s.token, [Buffer.from('one')]);
    await start(s.token);
    const third = await qs.call('POST', '/buckets', { token: s.token, json: { totalParts: 1 } });
    assert.deepEqual(await errorOf(third), { status: 403, code: 'TooManyFiles', message: 'This session allows at most 2 files' });
    assert.equal((await (await qs.call('GET', '/buckets', { token: s.token })).json() as unknown[]).length, 1);
  });

  it('refuses parts beyond totalParts and completes only when every part arrived', async () => {
    const s = await qs.session();
    const { uploadId, key } = await start(s.token, { totalParts: 2 });
    const put = (n: number) => qs.call('PUT', '/buckets', { token: s.token, headers: { partNumber: String(n), key, uploadId }, body: Buffer.from('x') });
    assert.equal((await errorOf(await put(3))).code, 'TooManyParts');
    assert.equal((await put(2)).status, 200);
    const early = await qs.call('POST', '/buckets/complete', { token: s.token, json: { key, uploadId } });
    assert.deepEqual(await errorOf(early), { status: 400, code: 'IncompleteUpload', message: 'Parts missing: 1' });
    assert.equal((await put(1)).status, 200);
    assert.equal((await qs.call('POST', '/buckets/complete', { token: s.token, json: { key, uploadId } })).status, 200);
  });
});

describe('QS on a server that keeps S3\'s 5 MiB minimum part size', () => {
  let qs: QsTestServer;
  before(async () => { qs = await startQsServer(); });
  after(async () => qs.close());

  it('accepts small parts anyway: QS clients choose their part sizes, the S3 rule is S3\'s alone', async () => {
    const s = await qs.session();
    assert.equal(s.rules.minPartSize, 0);
    const parts = [Buffer.from('Hello '), Buffer.from('Worlds!\n')];
    const { file } = await uploadFile(qs, s.token, parts);
    assert.equal(file.cid, 'QmVr26fY1tKyspEJBniVhqxQeEjhF78XerGiqWAwraVLQH'); // t0040-add-and-cat.sh hello.txt
    assert.equal(file.size, 14);
  });
});
