import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { after, before, describe, it } from 'node:test';
import jayson from 'jayson/promise/index.js';
import { walletOf } from '../../adapters/djib/src/index.js';
import { newKeypair, sign, startDjibServer, uploadFiles, type DjibTestServer, type TestWallet } from './djib-server.js';

for (const dialect of ['sqlite', 'postgres'] as const) {
  describe(`Djib drive life (${dialect})`, () => {
    let djib: DjibTestServer;
    let w: TestWallet;
    const internal: unknown[] = [];
    before(async () => {
      djib = await startDjibServer({ dialect, adapter: { logger: { error: (o) => internal.push(o) } } });
    });
    after(async () => {
      await djib.close();
      assert.deepEqual(internal, []);
    });

    it('authenticates a wallet with a jayson client: handshake, ed25519 signature, base58 token', async () => {
      const client = jayson.Client.http({ host: '127.0.0.1', port: djib.port, path: '/djib' });
      const kp = newKeypair();
      const hs = await client.request('handshake', [kp.publicKey]);
      assert.equal(hs.jsonrpc, '2.0');
      assert.match(hs.result, /^Sign this message for authenticating with your wallet\. Nonce: [1-9A-HJ-NP-Za-km-z]+ \(server djib-test, expires /);
      const auth = await client.request('auth', [kp.publicKey, sign(hs.result, kp.secretKey)]);
      assert.match(auth.result, /^[1-9A-HJ-NP-Za-km-z]{40,50}$/);
      const status = await client.request('status', [auth.result]);
      assert.deepEqual(status.result.cloud.used_size_kb, 0);
      assert.equal(status.result.cloud.total_size_kb, 5 * 1024 * 1024);
      assert.deepEqual(status.result.prizes, []);
      w = { ...kp, token: auth.result };
    });

    it('uploads several files, lists, downloads with Range, and the bytes are the same object in storage', async () => {
      assert.equal(await djib.rpc('createFolder', [w.token, '/', 'Mes documents é']), '/Mes documents é');
      const res = await uploadFiles(djib, w.token, '/Mes documents é', [
        { name: 'rapport final.txt', body: 'hello djib', type: 'text/plain' },
        { name: 'logo.svg', body: '<svg/>', type: 'image/svg+xml' },
      ]);
      assert.equal(res.status, 200);
      const { result } = await res.json() as { result: string[] };
      assert.equal(result.length, 2);
      assert.ok(result[0]!.startsWith(`${djib.base}/download?path=`));
      const ls = await djib.rpc('lsDrive', [w.token, '/Mes documents é']);
      assert.deepEqual(ls.map((e: any) => [e.file_name, e.extension, e.size_byte, e.is_folder, e.path, e.parent]), [
        ['logo', 'svg', 6, false, '/Mes documents é/logo.svg', '/Mes documents é'],
        ['rapport final', 'txt', 10, false, '/Mes documents é/rapport final.txt', '/Mes documents é'],
      ]);
      assert.equal(ls[0].content_type, 'image/svg+xml');
      assert.match(ls[0].created_at, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}$/);
      const decomposed = await djib.rpc('lsDrive', [w.token, '/Mes documents e\u0301/']);
      assert.deepEqual(decomposed.map((e: any) => e.path), ls.map((e: any) => e.path), 'paths are NFC-normalised');
      const root = await djib.rpc('lsDrive', [w.token, '/']);
      assert.deepEqual(root.map((e: any) => [e.file_name, e.is_folder]), [['Mes documents é', true]]);

      const dl = await fetch(result[0]!, { headers: { authorization: `Bearer ${w.token}`, range: 'bytes=6-' } });
      assert.equal(dl.status, 206);
      assert.equal(await dl.text(), 'djib');
      const full = await fetch(`${djib.base}/download?path=${encodeURIComponent('/Mes documents é/rapport final.txt')}&token=${w.token}`);
      assert.equal(await full.text(), 'hello djib');

      const { bucket } = walletOf(w.publicKey);
      const got = await djib.storage.getObject(djib.tenant, bucket, 'Mes documents é/rapport final.txt');
      assert.equal(await text(got.body), 'hello djib');
      await djib.storage.putObject(djib.tenant, bucket, 'from-s3/data.bin', Readable.from([Buffer.from('s3!')]), { size: 3 });
      const viaS3 = await djib.rpc('lsDrive', [w.token, '/']);
      assert.deepEqual(viaS3.map((e: any) => e.path), ['/from-s3', '/Mes documents é'].sort());
      assert.deepEqual((await djib.rpc('lsDrive', [w.token, '/from-s3'])).map((e: any) => e.size_byte), [3]);
    });

    it('searches by keyword, extension and path, and lists recent files', async () => {
      const byWord = await djib.rpc('search', [w.token, 'RAPPORT', {}]);
      assert.deepEqual(byWord.map((e: any) => e.path), ['/Mes documents é/rapport final.txt']);
      const byExt = await djib.rpc('search', [w.token, '', { extension: 'svg', path: '/' }]);
      assert.deepEqual(byExt.map((e: any) => e.path), ['/Mes documents é/logo.svg']);
      assert.deepEqual(await djib.rpc('search', [w.token, 'logo', { path: '/from-s3' }]), []);
      const recent = await djib.rpc('recentFiles', [w.token, 2]);
      assert.equal(recent.length, 2);
      assert.equal(recent[0].path, '/from-s3/data.bin');
    });

    it('renames, moves a folder with its contents, copies recursively, favourites follow', async () => {
      assert.equal(await djib.rpc('setFavorite', [w.token, '/Mes documents é/logo.svg']), 'success');
      assert.equal(await djib.rpc('rename', [w.token, '/Mes documents é', 'Docs']), 'success');
      assert.deepEqual((await djib.rpc('lsFavorite', [w.token])).map((e: any) => [e.path, e.is_favorite]), [['/Docs/logo.svg', true]]);
      await djib.rpc('createFolder', [w.token, '/', 'Archive']);
      assert.equal(await djib.rpc('move', [w.token, '/Docs', '/Archive']), 'success');
      assert.deepEqual((await djib.rpc('lsDrive', [w.token, '/Archive/Docs'])).map((e: any) => e.path), ['/Archive/Docs/logo.svg', '/Archive/Docs/rapport final.txt']);
      assert.equal(await djib.rpc('copy', [w.token, '/Archive/Docs', '/']), 'success');
      assert.deepEqual((await djib.rpc('lsDrive', [w.token, '/Docs'])).map((e: any) => e.size_byte), [6, 10]);
      assert.deepEqual((await djib.rpc('lsDrive', [w.token, '/Archive/Docs'])).length, 2);
      assert.equal(await djib.rpc('unsetFavorite', [w.token, '/Archive/Docs/logo.svg']), 'success');
      assert.deepEqual(await djib.rpc('lsFavorite', [w.token]), []);
      // Moving a folder into itself, or onto an existing name, is refused.
      assert.equal(await djib.rpcError('move', [w.token, '/Archive', '/Archive/Docs']), -32012);
      assert.equal(await djib.rpcError('copy', [w.token, '/Docs', '/Archive']), -32011);
    });

    it('trashes, lists, restores, deletes and empties the trash', async () => {
      assert.equal(await djib.rpc('moveTrash', [w.token, ['/Docs', '/from-s3/data.bin', '/Docs/logo.svg', '/Docs']]), 'success');
      const trash = await djib.rpc('lsTrash', [w.token]);
      assert.deepEqual(trash.map((e: any) => [e.path, e.is_folder, e.size_byte]).sort(), [['/Docs', true, 16], ['/from-s3/data.bin', false, 3]]);
      assert.equal(trash[0].deleted_at, trash[1].deleted_at);
      assert.deepEqual((await djib.rpc('lsDrive', [w.token, '/'])).map((e: any) => e.path), ['/Archive']);
      const docs = trash.find((e: any) => e.path === '/Docs');
      assert.equal(await djib.rpc('restoreFromTrash', [w.token, '/Docs', docs.deleted_at]), 'success');
      assert.deepEqual((await djib.rpc('lsDrive', [w.token, '/Docs'])).map((e: any) => e.file_name), ['logo', 'rapport final']);
      assert.equal(await djib.rpcError('restoreFromTrash', [w.token, '/Docs', docs.deleted_at]), -32010);
      assert.equal(await djib.rpc('moveTrash', [w.token, ['/Docs/logo.svg']]), 'success');
      const logo = (await djib.rpc('lsTrash', [w.token])).find((e: any) => e.path === '/Docs/logo.svg');
      assert.equal(await djib.rpc('deleteTrash', [w.token, '/Docs/logo.svg', logo.deleted_at]), 'success');
      assert.equal((await djib.rpc('lsTrash', [w.token])).length, 1);
      assert.equal(await djib.rpc('emptyTrash', [w.token]), 'success');
      assert.deepEqual(await djib.rpc('lsTrash', [w.token]), []);
      const trashBucket = walletOf(w.publicKey).trashBucket;
      assert.deepEqual((await djib.storage.listObjects(djib.tenant, trashBucket)).objects, []);
      const status = await djib.rpc('status', [w.token]);
      assert.equal(status.cloud.used_size_kb, (6 + 10 + 10) / 1024);
    });

    it('keeps two wallets apart', async () => {
      const other = await djib.wallet();
      assert.deepEqual(await djib.rpc('lsDrive', [other.token, '/']), []);
      assert.deepEqual(await djib.rpc('search', [other.token, '', {}]), []);
      assert.equal(await djib.rpcError('lsDrive', [other.token, '/Archive']), -32010);
      const dl = await fetch(`${djib.base}/download?path=/Archive/Docs/logo.svg`, { headers: { authorization: `Bearer ${other.token}` } });
      assert.equal(dl.status, 404);
      assert.equal((await dl.json()).error.code, -32010);
    });
  });
}
