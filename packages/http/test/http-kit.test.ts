// The shared adapter plumbing on a real HTTP server: bounded bodies, error answers, translation of failures.
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { StorageError } from '@omnigate/core';
import { mountUrl, ownErrors, ProtocolError, readJsonObject, sendErrorAnswer, sendJson, translateError } from '@omnigate/http';

class TeaError extends ProtocolError<string> {
  readonly isTeaError = true;
}
const translate = (err: unknown) => translateError<{ code: string; status: number }>(err, {
  own: ownErrors('isTeaError'),
  fromStorage: (code) => ({ code: `Tea${code}`, status: code === 'NoSuchKey' ? 404 : code === 'RequestAborted' ? 499 : 500 }),
});

describe('@omnigate/http', () => {
  let server: http.Server;
  let base: string;
  before(async () => {
    server = http.createServer(async (req, res) => {
      try {
        if (req.url === '/echo') return sendJson(res, 200, await readJsonObject(req, 64, (why) => new TeaError('BadJson', 400, why)));
        if (req.url === '/started') {
          res.writeHead(200, { 'Content-Length': '100' });
          res.write('partial');
          throw new StorageError('InternalError', 'disk gone');
        }
        throw new StorageError('NoSuchKey', 'The specified key does not exist');
      } catch (err) {
        const wire = translate(err);
        sendErrorAnswer(req, res, { status: wire.status, contentType: 'application/json', headers: { 'X-Tea': '1' }, body: JSON.stringify({ code: wire.code, message: wire.message }) });
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('reads small JSON objects and refuses oversize, malformed and non-object bodies in the adapter\'s terms', async () => {
    assert.deepEqual(await (await fetch(`${base}/echo`, { method: 'POST', body: '{"a":1}' })).json(), { a: 1 });
    assert.deepEqual(await (await fetch(`${base}/echo`, { method: 'POST', body: '' })).json(), {});
    for (const body of ['{"a":', '[1]', '"x"', JSON.stringify({ long: 'x'.repeat(100) })]) {
      const res = await fetch(`${base}/echo`, { method: 'POST', body });
      assert.equal(res.status, 400, body);
      assert.equal(((await res.json()) as { code: string }).code, 'BadJson');
    }
  });

  it('answers errors with the protocol body and headers, and HEAD without a body', async () => {
    const res = await fetch(`${base}/missing`);
    assert.equal(res.status, 404);
    assert.equal(res.headers.get('x-tea'), '1');
    assert.deepEqual(await res.json(), { code: 'TeaNoSuchKey', message: 'The specified key does not exist' });
    const head = await fetch(`${base}/missing`, { method: 'HEAD' });
    assert.equal(head.status, 404);
    assert.equal(await head.text(), '');
  });

  it('cuts a response that had already started instead of appending an error to it', async () => {
    await assert.rejects(async () => (await fetch(`${base}/started`)).arrayBuffer());
  });

  it('translates: own errors pass, core errors keep message and details, internal ones say nothing', () => {
    assert.deepEqual(translate(new TeaError('Steep', 418, 'too hot')), { code: 'Steep', status: 418, message: 'too hot' });
    assert.deepEqual(translate(new TeaError('Steep', 418, 'too hot', { degrees: 100 })).details, { degrees: 100 });
    assert.equal(new TeaError('Steep', 418, 'x').name, 'TeaError');
    // Recognised by marker, not class: a copy of the class from another module instance still counts.
    assert.equal(translate(Object.assign(new Error('m'), { isTeaError: true, code: 'Cold', status: 400 })).code, 'Cold');
    assert.deepEqual(translate(new StorageError('NoSuchKey', 'gone', { key: 'k' })), { code: 'TeaNoSuchKey', status: 404, message: 'gone', details: { key: 'k' } });
    const internal = translate(new StorageError('InternalError', 'SELECT * FROM secrets failed'));
    assert.equal(internal.message, 'We encountered an internal error. Please try again.');
    assert.ok(internal.cause, 'the cause is kept for the log');
    const unknown = translate(new TypeError('x is undefined'));
    assert.deepEqual([unknown.code, unknown.message], ['TeaInternalError', 'We encountered an internal error. Please try again.']);
    assert.equal(translate(Object.assign(new Error('aborted'), { name: 'AbortError' })).code, 'TeaRequestAborted');
  });

  it('builds mount URLs from the configured base or from the request', () => {
    assert.equal(mountUrl({ protocol: 'https', host: 'files.example.com:8443', baseUrl: '/zib' }), 'https://files.example.com:8443/zib');
    assert.equal(mountUrl({ protocol: 'http', host: 'ignored', baseUrl: '/zib' }, 'https://cdn.example.com/z/'), 'https://cdn.example.com/z');
  });
});
