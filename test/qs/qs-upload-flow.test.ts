import assert from 'node:assert/strict';
import { createCipheriv, createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { encryptName } from '../../adapters/qs/src/index.js';
import { errorOf, startQsServer, uploadFile, type QsTestServer } from './qs-server.js';

const KiB = 1024;
/** Kubo's DeterministicRandomReader (test/cli/testutils/random_deterministic.go): ChaCha20, key SHA-256(seed). */
function kuboDeterministic(size: number, seed: string): Buffer {
  return createCipheriv('chacha20', createHash('sha256').update(seed).digest(), Buffer.alloc(16)).update(Buffer.alloc(size));
}

for (const dialect of ['sqlite', 'postgres'] as const) {
  describe(`QS upload flow (${dialect})`, () => {
    let qs: QsTestServer;
    const internalErrors: unknown[] = [];
    // QS clients send small parts: this deployment lowers the S3 5 MiB minimum (see the README).
    before(async () => {
      qs = await startQsServer({ dialect, adapter: { logger: { error: (obj) => internalErrors.push(obj) } } });
    });
    after(async () => {
      await qs.close();
      assert.deepEqual(internalErrors, [], 'a client disconnect is not an internal error');
    });

    it('uploads parts out of order, resumes a part cut off mid-body, completes, downloads without the token', async () => {
      const s = await qs.session();
      const parts = [Buffer.alloc(300 * KiB, 1), Buffer.alloc(200 * KiB, 2), Buffer.from('tail')];
      const whole = Buffer.concat(parts);
      const name = encryptName('report.pdf', s.sessionId);
      const started = await qs.call('POST', '/buckets', { token: s.token, json: { totalParts: 3, encryptedName: name, originalSizeInBytes: whole.length } });
      assert.equal(started.status, 200);
      const { uploadId, key } = await started.json() as { uploadId: string; key: string };
      assert.match(key, /^[0-9a-f-]{36}$/);
      const put = (n: number, body: RequestInit['body'], signal?: AbortSignal) =>
        qs.call('PUT', '/buckets', { token: s.token, headers: { partNumber: String(n), key, uploadId }, body, signal });

      assert.equal((await put(3, parts[2]!)).status, 200);
      // Part 1 starts, then the client goes away after 64 KiB.
      const controller = new AbortController();
      let sent = 0;
      const cut = new ReadableStream<Uint8Array>({
        async pull(c) {
          if (sent >= 64 * KiB) {
            controller.abort();
            return new Promise(() => {});
          }
          sent += 16 * KiB;
          c.enqueue(new Uint8Array(16 * KiB).fill(9));
        },
      });
      await assert.rejects(put(1, cut, controller.signal));
      assert.equal((await put(2, parts[1]!)).status, 200);
      const stored = await qs.storage.multipart.listParts(qs.tenant, `qs-${qs.tenant.id.replace(/-/g, '')}`, key, uploadId);
      assert.deepEqual(stored.parts.map((p) => p.partNumber), [2, 3], 'the cut-off part left nothing');
      const resent = await put(1, parts[0]!);
      assert.equal(resent.status, 200);
      assert.deepEqual(await resent.json(), { partNumber: 1, etag: createHash('md5').update(parts[0]!).digest('hex'), size: parts[0]!.length });

      const done = await qs.call('POST', '/buckets/complete', { token: s.token, json: { key, uploadId, tags: ['a', 'b'] } });
      assert.equal(done.status, 200);
      const file = await done.json() as Record<string, any>;
      assert.equal(file.size, whole.length);
      assert.equal(file.encryptedName, name);
      assert.deepEqual(file.tags, ['a', 'b']);
      assert.equal(file.status, 'completed');
      assert.match(file.cid, /^Qm[1-9A-HJ-NP-Za-km-z]{44}$/);

      const meta = await (await qs.call('GET', `/buckets/file/${file.fileId}`, { token: s.token })).json() as Record<string, any>;
      assert.deepEqual(meta, file);
      const list = await (await qs.call('GET', '/buckets', { token: s.token })).json() as Array<Record<string, any>>;
      assert.deepEqual(list.map((f) => f.fileId), [file.fileId]);

      const link = await (await qs.call('GET', `/buckets/download/${file.fileId}`, { token: s.token })).json() as { url: string; expiresAt: string };
      assert.ok(link.url.startsWith(`${qs.base}/download/${file.fileId}?`), link.url);
      assert.ok(Date.parse(link.expiresAt) > qs.clock.now);
      const got = await fetch(link.url);
      assert.equal(got.status, 200);
      assert.equal(got.headers.get('content-length'), String(whole.length));
      assert.equal(got.headers.get('content-type'), 'application/octet-stream');
      assert.ok(Buffer.from(await got.arrayBuffer()).equals(whole));

      const ranged = await fetch(link.url, { headers: { range: 'bytes=299990-300009' } });
      assert.equal(ranged.status, 206);
      assert.equal(ranged.headers.get('content-range'), `bytes 299990-300009/${whole.length}`);
      assert.equal(ranged.headers.get('content-length'), '20');
      assert.ok(Buffer.from(await ranged.arrayBuffer()).equals(whole.subarray(299990, 300010)));
      const suffix = await fetch(link.url, { headers: { range: 'bytes=-4' } });
      assert.equal(Buffer.from(await suffix.arrayBuffer()).toString(), 'tail');
      const beyond = await fetch(link.url, { headers: { range: `bytes=${whole.length}-` } });
      assert.equal(beyond.status, 416);
      assert.equal(beyond.headers.get('content-range'), `bytes */${whole.length}`);
      const head = await fetch(link.url, { method: 'HEAD' });
      assert.equal(head.status, 200);
      assert.equal(head.headers.get('content-length'), String(whole.length));
    });

    it('stores a 0-byte file (no part sent) with the empty file\'s CID', async () => {
      const s = await qs.session();
      const started = await (await qs.call('POST', '/buckets', { token: s.token, json: { totalParts: 0, originalSizeInBytes: 0 } })).json() as { uploadId: string; key: string };
      const done = await qs.call('POST', '/buckets/complete', { token: s.token, json: started });
      assert.equal(done.status, 200);
      const file = await done.json() as Record<string, any>;
      assert.equal(file.size, 0);
      // t0040-add-and-cat.sh "zero length file has correct hash"
      assert.equal(file.cid, 'QmbFMke1KXqnYyBBWxB74N4c5SBnJMVAiMNRcGu6x1AwQH');
      const link = await (await qs.call('GET', `/buckets/download/${file.fileId}`, { token: s.token })).json() as { url: string };
      const got = await fetch(link.url);
      assert.equal(got.status, 200);
      assert.equal(got.headers.get('content-length'), '0');
      assert.equal((await got.arrayBuffer()).byteLength, 0);
    });

    it('stores a 1-part file with the CID `ipfs add` gives ("hello world", Kubo add_test.go)', async () => {
      const s = await qs.session();
      const { file } = await uploadFile(qs, s.token, [Buffer.from('hello world')]);
      assert.equal(file.cid, 'Qmf412jQZiuVUtdgnB36FXFX7xg5V6KEbSJ4dpQuhkLyfD');
      const link = await (await qs.call('GET', `/buckets/download/${file.fileId}`, { token: s.token })).json() as { url: string };
      assert.equal(await (await fetch(link.url)).text(), 'hello world');
    });

    it('gives a multi-part file the CID Kubo publishes for the same bytes (174 chunks, cid_profiles_test.go)', async () => {
      const s = await qs.session();
      const bytes = kuboDeterministic(44544 * KiB, 'v0-seed');
      // Parts unaligned with the 256 KiB chunks, sent out of order.
      const cuts = [0, 7 * 1024 * KiB + 3, 30 * 1024 * KiB + 11, bytes.length];
      const parts = cuts.slice(1).map((end, i) => bytes.subarray(cuts[i], end));
      const { file } = await uploadFile(qs, s.token, parts, { order: [2, 0, 1] });
      assert.equal(file.size, bytes.length);
      assert.equal(file.cid, 'QmUbBALi174SnogsUzLpYbD4xPiBSFANF4iztWCsHbMKh2');
    });

    it('refuses a download link that was tampered with or has expired, and needs no token otherwise', async () => {
      const s = await qs.session();
      const { file } = await uploadFile(qs, s.token, [Buffer.from('secret')]);
      const { url } = await (await qs.call('GET', `/buckets/download/${file.fileId}`, { token: s.token })).json() as { url: string };
      const forged = url.replace(/signature=./, (m) => m.endsWith('A') ? 'signature=B' : 'signature=A');
      assert.deepEqual(await errorOf(await fetch(forged)), { status: 403, code: 'InvalidLink', message: 'This download link is not valid' });
      const otherFile = url.replace(file.fileId, '00000000-0000-4000-8000-000000000000');
      assert.equal((await errorOf(await fetch(otherFile))).code, 'InvalidLink');
      assert.equal((await errorOf(await fetch(url.split('?')[0]!))).code, 'InvalidLink');
      qs.clock.now += 16 * 60_000;
      try {
        assert.deepEqual((await errorOf(await fetch(url))).code, 'LinkExpired');
      } finally {
        qs.clock.now -= 16 * 60_000;
      }
      assert.equal(await (await fetch(url)).text(), 'secret');
    });

    it('deletes a file: gone from the list, its link answers 404', async () => {
      const s = await qs.session();
      const { file } = await uploadFile(qs, s.token, [Buffer.from('to delete')]);
      const { url } = await (await qs.call('GET', `/buckets/download/${file.fileId}`, { token: s.token })).json() as { url: string };
      const del = await qs.call('DELETE', `/buckets/${file.fileId}`, { token: s.token });
      assert.equal(del.status, 200);
      assert.equal(await del.text(), '');
      assert.deepEqual(await (await qs.call('GET', '/buckets', { token: s.token })).json(), []);
      assert.equal((await errorOf(await fetch(url))).status, 404);
      assert.deepEqual(await errorOf(await qs.call('DELETE', `/buckets/${file.fileId}`, { token: s.token })), { status: 404, code: 'NoSuchFile', message: 'No such file in this session' });
    });
  });
}
