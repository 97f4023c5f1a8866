import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DJIB_ERRORS, walletOf } from '../../adapters/djib/src/index.js';
import { newKeypair, sign, startDjibServer, uploadFiles, type DjibTestServer, type TestWallet } from './djib-server.js';

describe('Djib bad input: JSON-RPC errors with the documented codes, nothing changed', () => {
  let djib: DjibTestServer;
  let w: TestWallet;
  let snapshot: () => Promise<string[]>;
  let before_: string[];
  before(async () => {
    djib = await startDjibServer({ adapter: { driveSizeBytes: 64 * 1024 } });
    w = await djib.wallet();
    await djib.rpc('createFolder', [w.token, '/', 'keep']);
    assert.equal((await uploadFiles(djib, w.token, '/keep', [{ name: 'a.txt', body: 'kept' }])).status, 200);
    const { bucket } = walletOf(w.publicKey);
    snapshot = async () => (await djib.storage.listObjects(djib.tenant, bucket)).objects.map((o) => `${o.key}:${o.size}`);
    before_ = await snapshot();
  });
  after(async () => {
    assert.deepEqual(await snapshot(), before_);
    assert.deepEqual(await djib.rpc('lsTrash', [w.token]), []);
    await djib.close();
  });

  it('answers invalid JSON -32700, an invalid request -32600, an unknown method -32601, wrong params -32602', async () => {
    const parse = await djib.raw('{"jsonrpc":"2.0","method":', true);
    assert.deepEqual(parse.body, { jsonrpc: '2.0', error: { code: -32700, message: 'Parse error' }, id: null });
    assert.equal((await djib.raw({ jsonrpc: '2.0', method: 1, id: 1 })).body.error.code, -32600);
    assert.equal((await djib.raw('"just a string"', true)).body.error.code, -32600);
    assert.equal((await djib.raw([])).body.error.code, -32600);
    for (const name of ['noSuchMethod', 'constructor', 'toString', '__proto__', 'hasOwnProperty', 'rpc.discover']) assert.equal(await djib.rpcError(name, []), -32601, name);
    for (const unsupported of ['estimate', 'createPayment', 'buyStorage', 'claimPrize', 'saveAsNft', 'lsNfts', 'createTopUpPayment', 'confirmTopUpPayment', 'lsPayments', 'lsDailyBalance', 'createNftPayment', 'uploadAsset', 'lsNftFamilies', 'confirmPayment']) {
      assert.equal(await djib.rpcError(unsupported, [w.token]), -32601, unsupported);
    }
    assert.equal(await djib.rpcError('lsDrive', { token: w.token }), -32602);
    assert.equal(await djib.rpcError('createFolder', [w.token, '/']), -32602);
    assert.equal(await djib.rpcError('recentFiles', [w.token, 'ten']), -32602);
    assert.equal(await djib.rpcError('moveTrash', [w.token, '/keep']), -32602);
    assert.equal(await djib.rpcError('restoreFromTrash', [w.token, '/keep', 'yesterday']), -32602);
  });

  it('answers a batch of good, bad and notification calls in one array, and a batch of notifications with 204', async () => {
    const { status, body } = await djib.raw([
      { jsonrpc: '2.0', method: 'lsDrive', params: [w.token, '/keep'], id: 1 },
      { jsonrpc: '2.0', method: 'nope', params: [], id: 2 },
      { jsonrpc: '2.0', method: 'lsDrive', params: [w.token, '/../etc'], id: 3 },
      { jsonrpc: '2.0', method: 'status', params: [w.token] },
      { foo: 'bar' },
    ]);
    assert.equal(status, 200);
    const byId = new Map(body.map((r: any) => [r.id, r]));
    assert.equal((byId.get(1) as any).result[0].path, '/keep/a.txt');
    assert.equal((byId.get(2) as any).error.code, -32601);
    assert.equal((byId.get(3) as any).error.code, -32012);
    assert.equal((byId.get(null) as any).error.code, -32600);
    assert.equal(body.length, 4, 'the notification got no answer');
    const tooMany = await djib.raw(Array.from({ length: 101 }, (_, i) => ({ jsonrpc: '2.0', method: 'status', params: [w.token], id: i })));
    assert.equal(tooMany.body.error.code, -32600);
    const quiet = await djib.raw([{ jsonrpc: '2.0', method: 'status', params: [w.token] }]);
    assert.equal(quiet.status, 204);
  });

  it('refuses wrong signatures, reused and expired nonces, malformed keys', async () => {
    const kp = newKeypair();
    assert.equal(await djib.rpcError('handshake', ['not-base58-0OIl']), -32003);
    assert.equal(await djib.rpcError('handshake', ['abc']), -32003);
    assert.equal(await djib.rpcError('handshake', []), -32602);
    assert.equal(await djib.rpcError('auth', [kp.publicKey, sign('x', kp.secretKey)]), -32007);
    const message = await djib.rpc('handshake', [kp.publicKey]);
    const intruder = newKeypair();
    assert.equal(await djib.rpcError('auth', [kp.publicKey, sign(message, intruder.secretKey)]), -32004);
    assert.equal(await djib.rpcError('auth', [kp.publicKey, 'short']), -32004);
    const signature = sign(message, kp.secretKey);
    assert.ok(await djib.rpc('auth', [kp.publicKey, signature]));
    assert.equal(await djib.rpcError('auth', [kp.publicKey, signature]), -32006);
    const late = await djib.rpc('handshake', [kp.publicKey]);
    djib.clock.now += 6 * 60_000;
    try {
      assert.equal(await djib.rpcError('auth', [kp.publicKey, sign(late, kp.secretKey)]), -32005);
    } finally {
      djib.clock.now -= 6 * 60_000;
    }
  });

  it('refuses missing, unknown and expired tokens on RPC and HTTP endpoints', async () => {
    assert.equal(await djib.rpcError('lsDrive', ['', '/']), -32001);
    assert.equal(await djib.rpcError('lsDrive', ['3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy', '/']), -32001);
    const res = await fetch(`${djib.base}/download?path=/keep/a.txt`);
    assert.equal(res.status, 401);
    assert.equal((await res.json()).error.code, -32001);
    assert.equal((await uploadFiles(djib, 'bogus', '/keep', [{ name: 'b.txt', body: 'x' }])).status, 401);
    djib.clock.now += 25 * 3600_000;
    try {
      assert.equal(await djib.rpcError('status', [w.token]), -32002);
    } finally {
      djib.clock.now -= 25 * 3600_000;
    }
  });

  it('refuses path escapes and bad names, missing paths, and keeps the other files', async () => {
    assert.equal(await djib.rpcError('lsDrive', [w.token, '/keep/../../x']), -32012);
    assert.equal(await djib.rpcError('createFolder', [w.token, '/', '..']), -32012);
    assert.equal(await djib.rpcError('createFolder', [w.token, '/', 'a/b']), -32012);
    assert.equal(await djib.rpcError('createFolder', [w.token, '/', 'keep']), -32011);
    assert.equal(await djib.rpcError('rename', [w.token, '/keep/a.txt', '../../a.txt']), -32012);
    assert.equal(await djib.rpcError('move', [w.token, '/keep/a.txt', '/../']), -32012);
    assert.equal(await djib.rpcError('moveTrash', [w.token, ['/keep/a.txt', '/missing']]), -32010);
    assert.equal(await djib.rpcError('moveTrash', [w.token, ['/']]), -32012);
    const dl = await fetch(`${djib.base}/download?path=${encodeURIComponent('/keep/../../etc/passwd')}&token=${w.token}`);
    assert.equal(dl.status, 400);
    assert.equal((await dl.json()).error.code, -32012);
    const up = await uploadFiles(djib, w.token, '/../x', [{ name: 'b.txt', body: 'x' }]);
    assert.equal((await up.json()).error.code, -32012);
    const badName = await uploadFiles(djib, w.token, '/keep', [{ name: '..', body: 'x' }]);
    assert.equal(badName.status, 400);
  });

  it('refuses uploads beyond the drive size before storing them', async () => {
    const res = await uploadFiles(djib, w.token, '/keep', [{ name: 'big.bin', body: Buffer.alloc(70 * 1024) }]);
    assert.equal(res.status, 413);
    assert.equal((await res.json()).error.code, -32013);
    // Without a Content-Length the bytes are counted as they stream, and the file crossing the limit is not stored.
    const form = new FormData();
    form.append('file', new Blob([Buffer.alloc(70 * 1024)]), 'big.bin');
    const body = new Response(form);
    const streamed = await fetch(`${djib.base}/upload?path=/keep`, {
      method: 'POST', headers: { authorization: `Bearer ${w.token}`, 'content-type': body.headers.get('content-type')! }, body: body.body, duplex: 'half',
    } as RequestInit);
    assert.equal(streamed.status, 413);
    assert.equal((await streamed.json()).error.code, -32013);
  });

  it('reports health', async () => {
    const res = await fetch(`${djib.base}/health`);
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { status: 'ok' });
  });
});

it('README error table is DJIB_ERRORS, code for code', async () => {
  const readme = await readFile(join(import.meta.dirname, '../../adapters/djib/README.md'), 'utf8');
  const rows = [...readme.matchAll(/^\| (-\d+) \| (\w+) \| (\d+) \|/gm)].map((m) => [m[2], Number(m[1]), Number(m[3])]);
  assert.deepEqual(rows.sort(), Object.entries(DJIB_ERRORS).map(([name, e]) => [name, e.code, e.status]).sort());
  for (const [, code] of rows) assert.ok((code as number) >= -32768 && (code as number) <= -32000);
});

describe('Djib email failures', () => {
  it('saves the profile and answers EmailNotSent when the SMTP server cannot be reached; EmailUnavailable without SMTP', async () => {
    const logged: unknown[] = [];
    const broken = await startDjibServer({ adapter: { mail: { smtpUrl: 'smtp://127.0.0.1:1', from: 'x@example.org' }, logger: { error: (o) => logged.push(o) } } });
    const none = await startDjibServer();
    try {
      const w = await broken.wallet();
      assert.equal(await broken.rpcError('setProfile', [w.token, { email: 'a@example.com' }]), -32026);
      assert.equal((await broken.rpc('getProfile', [w.token])).email, 'a@example.com');
      assert.equal(logged.length, 1);
      assert.doesNotMatch(JSON.stringify(await broken.raw({ jsonrpc: '2.0', method: 'resendVerificationEmail', params: [w.token], id: 1 })), /127\.0\.0\.1|ECONNREFUSED/);
      const v = await none.wallet();
      assert.equal(await none.rpc('setProfile', [v.token, { email: 'b@example.com' }]), 'success');
      assert.equal(await none.rpcError('resendVerificationEmail', [v.token]), -32025);
    } finally {
      await broken.close();
      await none.close();
    }
  });
});

describe('Djib quota under concurrency', () => {
  it('lets only one of two simultaneous uploads through when both together would exceed the drive', async () => {
    const djib = await startDjibServer({ adapter: { driveSizeBytes: 64 * 1024 } });
    try {
      const w = await djib.wallet();
      const results = await Promise.all(['one.bin', 'two.bin'].map((name) => uploadFiles(djib, w.token, '/', [{ name, body: Buffer.alloc(40 * 1024, 1) }])));
      assert.deepEqual(results.map((r) => r.status).sort(), [200, 413]);
      const [kept] = await djib.rpc('lsDrive', [w.token, '/']);
      assert.equal(kept.size_byte, 40 * 1024);
      await djib.rpc('createFolder', [w.token, '/', 'd']);
      assert.equal(await djib.rpcError('copy', [w.token, kept.path, '/d']), -32013);
      assert.equal(await djib.rpcError('duplicate', [w.token, kept.path]), -32013);
      assert.deepEqual(await djib.rpc('lsDrive', [w.token, '/d']), []);
    } finally {
      await djib.close();
    }
  });
});
