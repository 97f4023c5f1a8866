/**
 * The SDK from Node against the real gateway (`startServer`, ZiB mounted at /zib): server-side uploads of
 * `fs.openAsBlob` files (single PUT with a streaming body, multipart), the account calls (listBuckets, listObjects,
 * deleteObject, getCdnUrl), the server's errors surfacing as ZiBError codes, abort, and retries through a real
 * HTTP proxy that fails the first attempt of every request.
 */
import assert from 'node:assert/strict';
import { openAsBlob } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import ZiBStorage from '@omnigate/zib-sdk';
import { createLogger, loadConfig, startServer, type RunningServer } from '@omnigate/server';
import { collect, pseudoRandomBytes } from '../helpers/storage-fixture.js';

const MiB = 1024 * 1024;

describe('ZiB SDK from Node against the gateway', { timeout: 120_000 }, () => {
  let dir: string;
  let gateway: RunningServer;
  let zib: InstanceType<typeof ZiBStorage>;
  let base: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'zib-sdk-node-'));
    const config = loadConfig({ env: {}, flags: { host: '127.0.0.1', port: 0, dataDir: join(dir, 'data'), logLevel: 'silent', shutdownGraceSeconds: 1 } });
    gateway = await startServer(config, createLogger(config));
    base = `${gateway.url}/zib`;
    const { accessKey, secretKey } = gateway.composed.credentials;
    zib = new ZiBStorage({ accessKey, secretKey, endpoint: base });
  });
  after(async () => {
    await gateway?.close();
    await rm(dir, { recursive: true, force: true });
  });

  async function fileBlob(name: string, bytes: Buffer, type?: string): Promise<Blob> {
    const path = join(dir, name);
    await writeFile(path, bytes);
    return openAsBlob(path, type ? { type } : {});
  }
  async function cdnBytes(url: string): Promise<Buffer> {
    const res = await fetch(url);
    assert.equal(res.status, 200, url);
    return Buffer.from(await res.arrayBuffer());
  }

  it('uploads a file below the multipart threshold as one streamed PUT (fs.openAsBlob), with progress', async () => {
    const bytes = pseudoRandomBytes(5 * MiB + 7, 5);
    const blob = await fileBlob('notes.txt', bytes, 'text/plain');
    const registration = await zib.initiateUpload({ bucket: 'node-sdk', key: 'docs/notes.txt', file_size: blob.size, content_type: 'text/plain' });
    assert.equal(registration.type, 'single');
    const events: Array<{ stage: string; progress: number }> = [];
    const result = await ZiBStorage.uploadDirect(blob, registration, { onProgress: (e: { stage: string; progress: number }) => events.push(e) });
    assert.deepEqual(result, { file_id: registration.file_id, cdn_url: registration.cdn_url });
    assert.equal(zib.getCdnUrl(result.file_id), result.cdn_url);
    assert.ok((await cdnBytes(result.cdn_url)).equals(bytes));
    for (const stage of ['encrypting', 'uploading', 'completing']) {
      const values = events.filter((e) => e.stage === stage).map((e) => e.progress);
      assert.equal(values.at(-1), 100, stage);
      assert.deepEqual(values, [...values].sort((a, b) => a - b), `${stage} monotonic`);
    }
    assert.ok(events.some((e) => e.stage === 'uploading' && e.progress > 0 && e.progress < 100), 'upload progress while streaming');
    assert.deepEqual(events.at(-1), { stage: 'completing', progress: 100 });
  });

  it('uploads a multipart-sized file (upload = initiate + uploadDirect) and serves it byte-exact', async () => {
    const bytes = pseudoRandomBytes(20 * MiB + 3, 21);
    const result = await zib.upload(await fileBlob('big.bin', bytes), { bucket: 'node-sdk', key: 'big/one.bin' });
    assert.ok((await cdnBytes(result.cdn_url)).equals(bytes));
  });

  it('lists buckets and objects as S3 XML (documented) and parsed, with a prefix', async () => {
    await zib.upload(new Blob(['hello']), { bucket: 'node-sdk', key: 'docs/hello.txt' });
    const xml = await zib.listBuckets();
    assert.equal(typeof xml, 'string');
    assert.match(xml, /<ListAllMyBucketsResult[\s>]/);
    assert.ok((await zib.listBuckets({ parse: true })).some((b: { name: string }) => b.name === 'node-sdk'));

    const listXml = await zib.listObjects('node-sdk', { prefix: 'docs/' });
    assert.match(listXml, /<ListBucketResult[\s>]/);
    const docs = await zib.listObjects('node-sdk', { prefix: 'docs/', parse: true });
    assert.deepEqual(docs.objects.map((o: { key: string }) => o.key), ['docs/hello.txt', 'docs/notes.txt']);
    assert.equal(docs.objects[0].size, 5);
    const all = await zib.listObjects('node-sdk', { parse: true, maxKeys: 1 }); // follows the pages
    assert.deepEqual(all.objects.map((o: { key: string }) => o.key), ['big/one.bin', 'docs/hello.txt', 'docs/notes.txt']);
  });

  it('deletes an object: gone from the listing and the CDN', async () => {
    const { cdn_url: cdnUrl } = await zib.upload(new Blob(['bye']), { bucket: 'node-sdk', key: 'tmp/bye.txt' });
    assert.equal((await fetch(cdnUrl)).status, 200);
    assert.equal(await zib.deleteObject('node-sdk', 'tmp/bye.txt'), undefined);
    assert.equal((await fetch(cdnUrl)).status, 404);
    const list = await zib.listObjects('node-sdk', { prefix: 'tmp/', parse: true });
    assert.deepEqual(list.objects, []);
  });

  it('surfaces the server\'s errors as ZiBError: bad credentials, reused registration, unknown bucket', async () => {
    const wrong = new ZiBStorage({ accessKey: gateway.composed.credentials.accessKey, secretKey: 'not-the-secret', endpoint: base });
    await assert.rejects(wrong.listBuckets(), { name: 'ZiBError', status: 401, code: 'Unauthorized' });
    await assert.rejects(wrong.initiateUpload({ bucket: 'x', key: 'y', file_size: 1 }), { status: 401 });

    const registration = await zib.initiateUpload({ bucket: 'node-sdk', key: 'once.txt', file_size: 4 });
    await ZiBStorage.uploadDirect(new Blob(['once']), registration);
    await assert.rejects(ZiBStorage.uploadDirect(new Blob(['once']), registration), { name: 'ZiBError', status: 409, code: 'RegistrationUsed' });
    await assert.rejects(zib.listObjects('no-such-bucket'), { status: 404, code: 'NoSuchBucket' });
  });

  it('refuses a file of another size than registered before sending anything, and stops on abort', async () => {
    const registration = await zib.initiateUpload({ bucket: 'node-sdk', key: 'sized.bin', file_size: 10 });
    await assert.rejects(ZiBStorage.uploadDirect(new Blob(['123']), registration), { code: 'SizeMismatch' });
    await assert.rejects(ZiBStorage.uploadDirect(new Blob(['123']), { type: 'single' }), { code: 'InvalidRegistration' });

    const bytes = pseudoRandomBytes(20 * MiB, 7);
    const big = await zib.initiateUpload({ bucket: 'node-sdk', key: 'aborted.bin', file_size: bytes.length });
    const controller = new AbortController();
    const upload = ZiBStorage.uploadDirect(new Blob([bytes]), big, {
      signal: controller.signal,
      onProgress: (e: { stage: string; progress: number }) => { if (e.stage === 'encrypting' && e.progress >= 20) controller.abort(); },
    });
    await assert.rejects(upload, { name: 'AbortError' });
    // An aborted attempt leaves the registration usable (PROTOCOL.md): the same upload now goes through.
    const done = await ZiBStorage.uploadDirect(new Blob([bytes]), big);
    assert.ok((await cdnBytes(done.cdn_url)).equals(bytes));
  });

  type Fault = 'forward' | '503' | 'drop' | 'lose-answer';
  /**
   * A real HTTP proxy in front of the gateway that misbehaves as `plan` says for the n-th request to a URL: answer
   * 503, drop the connection mid-body, or forward and then lose the answer (the gateway did the work).
   */
  async function startFaultProxy(plan: (method: string, url: string, n: number) => Fault) {
    const attempts = new Map<string, number>();
    const proxy = http.createServer((req, res) => {
      const n = (attempts.get(req.url!) ?? 0) + 1;
      attempts.set(req.url!, n);
      const fault = plan(req.method!, req.url!, n);
      if (fault === '503') {
        req.resume();
        req.on('end', () => res.writeHead(503, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'try again', code: 'SlowDown' })));
        return;
      }
      if (fault === 'drop') {
        req.once('data', () => req.socket.destroy());
        return;
      }
      const headers: Record<string, string> = {};
      if (req.headers['content-type']) headers['content-type'] = req.headers['content-type'];
      // Test-sized bodies: read whole, so an early answer from the gateway cannot cut the client's connection.
      collect(req)
        .then((body) => fetch(gateway.url + req.url, { method: req.method, headers, body: req.method === 'GET' || req.method === 'HEAD' ? undefined : body }))
        .then(async (answer) => {
          const body = Buffer.from(await answer.arrayBuffer());
          if (fault === 'lose-answer') res.destroy();
          else res.writeHead(answer.status, Object.fromEntries(['content-type', 'content-length', 'etag'].flatMap((h) => answer.headers.has(h) ? [[h, answer.headers.get(h)!]] : []))).end(body);
        })
        .catch(() => res.destroy());
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    const origin = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
    return {
      attempts,
      /** The registration with every URL pointing at the proxy. */
      route: (registration: Record<string, unknown>) => JSON.parse(JSON.stringify(registration).split(gateway.url).join(origin)),
      async close() {
        proxy.closeAllConnections();
        await new Promise((r) => proxy.close(r));
      },
    };
  }

  it('retries a request that fails (503, then a dropped connection) and still stores the exact bytes', async () => {
    const proxy = await startFaultProxy((method, _url, n) => (method !== 'PUT' ? 'forward' : n === 1 ? '503' : n === 2 ? 'drop' : 'forward'));
    try {
      for (const [size, key] of [[2 * MiB + 5, 'retry/single.bin'], [17 * MiB + 5, 'retry/multi.bin']] as const) {
        const bytes = pseudoRandomBytes(size, size);
        const registration = await zib.initiateUpload({ bucket: 'node-sdk', key, file_size: size });
        const result = await ZiBStorage.uploadDirect(new Blob([bytes]), proxy.route(registration), { retries: 2 });
        assert.ok((await cdnBytes(registration.cdn_url)).equals(bytes), key);
        assert.ok(result.cdn_url.startsWith(gateway.url), 'the result comes from the gateway');
      }
      const puts = [...proxy.attempts.entries()].filter(([url]) => !url.endsWith('/complete'));
      assert.equal(puts.length, 1 + 3, 'one single URL and three part URLs');
      for (const [url, n] of puts) assert.equal(n, 3, url);
      // With no retries left the 503 is the answer.
      const registration = await zib.initiateUpload({ bucket: 'node-sdk', key: 'retry/none.bin', file_size: 1000 });
      await assert.rejects(ZiBStorage.uploadDirect(new Blob([Buffer.alloc(1000)]), proxy.route(registration), { retries: 0 }), { status: 503, code: 'SlowDown' });
    } finally {
      await proxy.close();
    }
  });

  it('a finishing request whose answer is lost: the retry meets RegistrationUsed and the SDK confirms through the CDN', async () => {
    const proxy = await startFaultProxy((method, url, n) => ((method === 'PUT' && !url.includes('/parts/')) || url.endsWith('/complete')) && n === 1 ? 'lose-answer' : 'forward');
    try {
      for (const [size, key] of [[MiB + 1, 'lost/single.bin'], [16 * MiB + 1, 'lost/multi.bin']] as const) {
        const bytes = pseudoRandomBytes(size, size + 1);
        const registration = await zib.initiateUpload({ bucket: 'node-sdk', key, file_size: size });
        const routed = proxy.route(registration);
        const result = await ZiBStorage.uploadDirect(new Blob([bytes]), routed);
        assert.deepEqual(result, { file_id: registration.file_id, cdn_url: routed.cdn_url });
        assert.ok((await cdnBytes(registration.cdn_url)).equals(bytes), key);
      }
      assert.equal([...proxy.attempts.values()].filter((n) => n === 2).length, 2, 'each finishing request was sent twice');
    } finally {
      await proxy.close();
    }
  });
});
