import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { createStorageFixture } from '../helpers/storage-fixture.js';
import { startReceiver, type Receiver } from './webhook-receiver.js';
import { errorOf, startZibServer, uploadSealed, type ZibTestServer } from './zib-server.js';

describe('ZiB webhooks', () => {
  let zib: ZibTestServer;
  let hook: Receiver;
  let customerId: string;
  before(async () => {
    zib = await startZibServer();
    hook = await startReceiver('');
    const me = await (await zib.call('GET', '/v1/api/customers/me')).json() as { customer_id: string; webhook_url: null };
    customerId = me.customer_id;
    assert.equal(customerId, zib.tenant.id);
    const patched = await zib.call('PATCH', `/v1/api/customers/${customerId}/webhook`, { json: { webhook_url: hook.url } });
    const body = await patched.json() as { webhook_url: string; webhook_secret: string };
    assert.equal(body.webhook_url, hook.url);
    assert.match(body.webhook_secret, /^whsec_[0-9a-f]{48}$/, 'a first URL gets a generated secret, shown once');
    const rotated = await zib.call('POST', `/v1/api/customers/${customerId}/webhook/secret`, { json: { webhook_secret: 'whsec_test_secret_0123456789' } });
    assert.deepEqual(await rotated.json(), { customer_id: customerId, webhook_secret: 'whsec_test_secret_0123456789' });
    hook.secret = 'whsec_test_secret_0123456789';
  });
  after(async () => {
    await zib.close();
    await hook.close();
    assert.deepEqual(zib.internalErrors, []);
  });

  it('file.ready and file.replicated reach the customer default, signed as the docs verify, with a replay-proof timestamp', async () => {
    const reg = await zib.initiate({ bucket: 'hooks', key: 'a.txt', file_size: 5, content_type: 'text/plain' });
    await uploadSealed(reg, Buffer.from('hello'));
    await hook.waitFor((r) => r.filter((x) => x.payload.file_id === reg.file_id).length >= 2);
    const got = hook.requests.filter((x) => x.payload.file_id === reg.file_id);
    assert.deepEqual(got.map((r) => [r.event, r.status, r.verified]), [['file.ready', 200, true], ['file.replicated', 200, true]]);
    const ready = got[0]!;
    assert.deepEqual(Object.keys(ready.payload), ['event', 'file_id', 'bucket', 'object_key', 'size_bytes', 'customer_id', 'timestamp']);
    assert.deepEqual(ready.payload, { ...ready.payload, event: 'file.ready', bucket: 'hooks', object_key: 'a.txt', size_bytes: 5, customer_id: customerId });
    assert.equal(ready.headers['content-type'], 'application/json');
    assert.equal(ready.headers['x-zib-event'], 'file.ready');
    assert.ok(!Number.isNaN(Date.parse(got[1]!.payload.replication_safe_at)));
    // Replay protection (README): the timestamp is signed together with the body and must be recent.
    const ts = Number(ready.headers['x-zib-timestamp']);
    assert.ok(Math.abs(Date.now() / 1000 - ts) < 60);
    const expected = 'sha256=' + createHmac('sha256', hook.secret).update(`${ts}.${ready.body}`).digest('hex');
    assert.equal(ready.headers['x-zib-timestamp-signature'], expected);
    assert.match(String(ready.headers['x-zib-delivery']), /^[0-9a-f-]{36}$/);
  });

  it('retries with backoff: the receiver fails twice, the third attempt is delivered with the same body and id', async () => {
    const reg = await zib.initiate({ bucket: 'hooks', key: 'retry.txt', file_size: 1 });
    hook.failOnly = (p) => p.file_id === reg.file_id && p.event === 'file.ready';
    hook.failNext = 2;
    await uploadSealed(reg, Buffer.from('r'));
    await hook.waitFor((r) => r.some((x) => x.payload.file_id === reg.file_id && x.event === 'file.ready' && x.status === 200));
    const attempts = hook.requests.filter((x) => x.payload.file_id === reg.file_id && x.event === 'file.ready');
    assert.deepEqual(attempts.map((a) => a.status), [500, 500, 200]);
    assert.equal(new Set(attempts.map((a) => a.headers['x-zib-delivery'])).size, 1);
    assert.equal(new Set(attempts.map((a) => a.body)).size, 1);
  });

  it('a pipeline webhook override receives every event of that file with its own secret', async () => {
    const own = await startReceiver('whsec_pipeline_override_secret');
    try {
      const seen = hook.requests.length;
      const reg = await zib.initiate({ bucket: 'hooks', key: 'own.txt', file_size: 2, pipeline: { webhook_url: own.url, webhook_secret: own.secret } });
      await uploadSealed(reg, Buffer.from('ok'));
      await own.waitFor((r) => r.length >= 2);
      assert.deepEqual(own.requests.map((r) => [r.event, r.verified]), [['file.ready', true], ['file.replicated', true]]);
      await new Promise((r) => setTimeout(r, 100));
      assert.equal(hook.requests.slice(seen).filter((r) => r.payload.file_id === reg.file_id).length, 0);
    } finally {
      await own.close();
    }
  });

  it('a re-upload sends file.failed for the superseded file_id with cancelled_reason', async () => {
    const first = await zib.initiate({ bucket: 'hooks', key: 'same.txt', file_size: 2 });
    await uploadSealed(first, Buffer.from('v1'));
    const second = await zib.initiate({ bucket: 'hooks', key: 'same.txt', file_size: 2 });
    await uploadSealed(second, Buffer.from('v2'));
    await hook.waitFor((r) => r.some((x) => x.event === 'file.failed' && x.payload.file_id === first.file_id));
    const failed = hook.requests.find((x) => x.event === 'file.failed' && x.payload.file_id === first.file_id)!;
    assert.equal(failed.verified, true);
    assert.equal(failed.payload.cancelled_reason, `superseded by re-upload to same bucket+object_key (file_id ${second.file_id})`);
    assert.equal(failed.payload.superseded_by, second.file_id);
    await hook.waitFor((r) => r.some((x) => x.event === 'file.ready' && x.payload.file_id === second.file_id));
  });

  it('a supersede through another protocol (core put, as S3 does) is noticed by the watcher: file.failed', async () => {
    const reg = await zib.initiate({ bucket: 'hooks', key: 'by-s3.txt', file_size: 2 });
    await uploadSealed(reg, Buffer.from('z1'));
    const next = await zib.storage.putObject(zib.tenant, 'hooks', 'by-s3.txt', [Buffer.from('s3 wins')]);
    await hook.waitFor((r) => r.some((x) => x.event === 'file.failed' && x.payload.file_id === reg.file_id));
    const failed = hook.requests.filter((x) => x.event === 'file.failed' && x.payload.file_id === reg.file_id);
    assert.equal(failed.length, 1);
    assert.equal(failed[0]!.payload.superseded_by, next.fileId);
    await new Promise((r) => setTimeout(r, 150));
    assert.equal(hook.requests.filter((x) => x.event === 'file.failed' && x.payload.file_id === reg.file_id).length, 1, 'sent once');
  });

  it('refuses another customer\'s id and bad webhook URLs', async () => {
    const other = await zib.call('PATCH', '/v1/api/customers/00000000-0000-4000-8000-000000000000/webhook', { json: { webhook_url: hook.url } });
    assert.deepEqual(await errorOf(other), { status: 403, code: 'Forbidden', error: 'These credentials do not belong to that customer_id' });
    const bad = await zib.call('PATCH', `/v1/api/customers/${customerId}/webhook`, { json: { webhook_url: 'ftp://x' } });
    assert.equal((await errorOf(bad)).code, 'InvalidArgument');
    const me = await (await zib.call('GET', '/v1/api/customers/me')).json() as { webhook_url: string };
    assert.equal(me.webhook_url, hook.url, 'unchanged');
  });
});

for (const dialect of ['sqlite', 'postgres'] as const) describe(`ZiB webhook outbox across a gateway restart (${dialect})`, () => {
  it('delivers an event that failed before the restart once the new gateway runs', async () => {
    const fixture = await createStorageFixture({ dialect });
    const hook = await startReceiver('whsec_restart_secret_000000');
    let zib = await startZibServer({ fixture });
    try {
      const tenant = { tenant: zib.tenant, credentials: zib.credentials };
      await zib.call('PATCH', '/v1/api/customers/me/webhook', { json: { webhook_url: hook.url } });
      await zib.call('POST', '/v1/api/customers/me/webhook/secret', { json: { webhook_secret: hook.secret } });
      hook.failNext = 1000; // down for now
      const reg = await zib.initiate({ bucket: 'restart', key: 'r.txt', file_size: 3 });
      await uploadSealed(reg, Buffer.from('abc'));
      await hook.waitFor((r) => r.some((x) => x.payload.file_id === reg.file_id && x.event === 'file.ready'));
      await zib.close({ keepStorage: true });
      // An attempt that close() cut off may still land at the receiver a moment later: count from after that.
      await new Promise((r) => setTimeout(r, 200));
      const before = hook.requests.length;
      hook.failNext = 0;
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(hook.requests.length, before, 'nothing is sent while no gateway runs');

      zib = await startZibServer({ fixture, credentials: tenant });
      await hook.waitFor((r) => r.some((x) => x.payload.file_id === reg.file_id && x.event === 'file.ready' && x.status === 200));
      const readies = hook.requests.filter((x) => x.payload.file_id === reg.file_id && x.event === 'file.ready');
      assert.ok(readies.length >= 2, 'at least one failed attempt before the restart, then the delivery');
      assert.equal(new Set(readies.map((r) => r.headers['x-zib-delivery'])).size, 1, 'the same outbox row');
    } finally {
      await zib.close({ keepStorage: true });
      await hook.close();
      await fixture.cleanup();
    }
  });
});
