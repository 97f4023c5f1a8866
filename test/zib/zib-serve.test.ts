import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { loadConfig, startServer, type RunningServer } from '@omnigate/server';
import { uploadSealed, type Registration } from './zib-server.js';

// `omnigate serve` mounts ZiB at /zib (with trust-proxy off, forwarded headers do not change the URLs it issues),
// and its close() stops the ZiB worker before the storage closes.
let dir: string;
let running: RunningServer;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'omnigate-zib-serve-'));
  running = await startServer(loadConfig({ env: {}, flags: { port: 0, host: '127.0.0.1', dataDir: dir, logLevel: 'silent' } }));
});
after(async () => {
  await running.close();
  await rm(dir, { recursive: true, force: true });
});

it('serves the ZiB API under /zib of omnigate serve', async () => {
  const { accessKey, secretKey } = running.composed.credentials;
  const res = await fetch(`${running.url}/zib/v1/api/upload/initiate`, {
    method: 'POST',
    headers: { authorization: `Bearer ${accessKey}:${secretKey}`, 'content-type': 'application/json', 'x-forwarded-host': 'evil.example' },
    body: JSON.stringify({ bucket: 'served', key: 'hello.txt', file_size: 5, content_type: 'text/plain' }),
  });
  assert.equal(res.status, 200);
  const reg = await res.json() as Registration;
  assert.equal(reg.cdn_url, `${running.url}/zib/objects/${reg.file_id}`);
  await uploadSealed(reg, Buffer.from('hello'));
  const cdn = await fetch(reg.cdn_url);
  assert.deepEqual([cdn.status, cdn.headers.get('content-type'), await cdn.text()], [200, 'text/plain', 'hello']);
  const unauth = await fetch(`${running.url}/zib/s3/`);
  assert.deepEqual([unauth.status, (await unauth.json() as { code: string }).code], [401, 'Unauthorized']);
});
