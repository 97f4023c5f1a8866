/**
 * The whole drive life through `omnigate serve`'s app (startServer, in process) with plain curl, and the same files
 * through S3 (@aws-sdk/client-s3, the default tenant's credentials): Djib wallets are drive users of that tenant.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { walletOf } from '../../adapters/djib/src/index.js';
import { loadConfig, startServer, type RunningServer } from '../../packages/server/src/index.js';
import { newKeypair, sign } from './djib-server.js';

const run = promisify(execFile);

describe('Djib through omnigate serve: curl, and S3 on the same objects', () => {
  let dir: string;
  let server: RunningServer;
  let s3: S3Client;
  let rpcId = 0;
  const curl = async (args: string[]): Promise<{ status: number; body: string }> => {
    const { stdout } = await run('curl', ['-sS', '-w', '\n%{http_code}', ...args], { maxBuffer: 16 * 1024 * 1024 });
    const cut = stdout.lastIndexOf('\n');
    return { status: Number(stdout.slice(cut + 1)), body: stdout.slice(0, cut) };
  };
  const rpc = async (method: string, params: unknown[]): Promise<any> => {
    const { status, body } = await curl([`${server.url}/djib`, '-X', 'POST', '-H', 'Content-Type: application/json', '-d', JSON.stringify({ method, params, jsonrpc: '2.0', id: ++rpcId })]);
    assert.equal(status, 200);
    const parsed = JSON.parse(body);
    assert.equal(parsed.jsonrpc, '2.0');
    assert.equal(parsed.id, rpcId);
    if (parsed.error) throw Object.assign(new Error(`${method}: ${parsed.error.code} ${parsed.error.message}`), { code: parsed.error.code });
    return parsed.result;
  };
  const login = async () => {
    const kp = newKeypair();
    const message = await rpc('handshake', [kp.publicKey]);
    return { ...kp, token: await rpc('auth', [kp.publicKey, sign(message, kp.secretKey)]) as string };
  };

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'omnigate-djib-serve-'));
    const config = loadConfig({ env: { OMNIGATE_DATA_DIR: join(dir, 'data'), OMNIGATE_PORT: '0', OMNIGATE_HOST: '127.0.0.1', OMNIGATE_LOG_LEVEL: 'silent', OMNIGATE_DATA_SHARDS: '2', OMNIGATE_PARITY_SHARDS: '1' } });
    server = await startServer(config);
    const { accessKey, secretKey } = server.composed.credentials;
    s3 = new S3Client({ endpoint: server.url, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: accessKey, secretAccessKey: secretKey } });
  });
  after(async () => {
    s3?.destroy();
    await server?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('runs a wallet through handshake, upload, list, search, move, password share, trash, restore, empty trash and destroy', async () => {
    const w = await login();
    const other = await login();
    const auth = ['-H', `Authorization: Bearer ${w.token}`];
    assert.equal(await rpc('createFolder', [w.token, '/', 'Docs été']), '/Docs été');
    await writeFile(join(dir, 'a.txt'), 'rapport annuel');
    await writeFile(join(dir, 'b.bin'), Buffer.alloc(300 * 1024, 7));
    const up = await curl([`${server.url}/djib/upload?path=${encodeURIComponent('/Docs été')}`, ...auth, '-F', `file=@${join(dir, 'a.txt')};filename=rapport 2026.txt;type=text/plain`, '-F', `file=@${join(dir, 'b.bin')};filename=données.bin`]);
    assert.equal(up.status, 200, up.body);
    assert.equal(JSON.parse(up.body).result.length, 2);
    assert.deepEqual((await rpc('lsDrive', [w.token, '/Docs été'])).map((e: any) => [e.path, e.size_byte]), [['/Docs été/données.bin', 300 * 1024], ['/Docs été/rapport 2026.txt', 14]]);
    assert.deepEqual((await rpc('search', [w.token, 'rapport', { extension: 'txt', path: '/' }])).map((e: any) => e.path), ['/Docs été/rapport 2026.txt']);
    assert.equal(await rpc('createFolder', [w.token, '/', 'Archive']), '/Archive');
    assert.equal(await rpc('move', [w.token, '/Docs été', '/Archive']), 'success');
    const ranged = await curl([`${server.url}/djib/download?path=${encodeURIComponent('/Archive/Docs été/rapport 2026.txt')}`, ...auth, '-r', '0-6']);
    assert.deepEqual([ranged.status, ranged.body], [206, 'rapport']);

    const code = await rpc('shareObject', [w.token, '/Archive/Docs été/rapport 2026.txt', { password: 'pa ss' }]);
    assert.equal(await rpc('getSharedByLink', [other.token, code, { password: 'pa ss' }]), '/Shared/rapport 2026.txt');
    const viaPath = await curl([`${server.url}/djib/download-shared?path=${encodeURIComponent('/Shared/rapport 2026.txt')}`, '-H', `Authorization: Bearer ${other.token}`]);
    assert.deepEqual([viaPath.status, viaPath.body], [200, 'rapport annuel']);
    const noPassword = await curl([`${server.url}/djib/download-shared?link=${code}`]);
    assert.equal(noPassword.status, 403);
    const viaLink = await curl([`${server.url}/djib/download-shared?link=${code}`, '-H', 'X-Share-Password: pa ss']);
    assert.deepEqual([viaLink.status, viaLink.body], [200, 'rapport annuel']);

    assert.equal(await rpc('moveTrash', [w.token, ['/Archive/Docs été']]), 'success');
    const [trashed] = await rpc('lsTrash', [w.token]);
    assert.equal(trashed.path, '/Archive/Docs été');
    assert.equal(await rpc('restoreFromTrash', [w.token, trashed.path, trashed.deleted_at]), 'success');
    assert.equal((await rpc('lsDrive', [w.token, '/Archive/Docs été'])).length, 2);
    await rpc('moveTrash', [w.token, ['/Archive/Docs été/données.bin']]);
    assert.equal(await rpc('emptyTrash', [w.token]), 'success');
    assert.deepEqual(await rpc('lsTrash', [w.token]), []);
    assert.equal((await rpc('status', [w.token])).cloud.used_size_kb, 14 / 1024);
    assert.equal(await rpc('destroyDrive', [w.token]), 'success');
    assert.deepEqual(await rpc('lsDrive', [w.token, '/']), []);
    assert.deepEqual(await rpc('lsShareWithMe', [other.token]), []);

    const health = await curl([`${server.url}/djib/health`]);
    assert.deepEqual([health.status, JSON.parse(health.body)], [200, { status: 'ok' }]);
    const unknown = await curl([`${server.url}/djib/nope`]);
    assert.equal(unknown.status, 404);
    const parse = await curl([`${server.url}/djib`, '-X', 'POST', '-H', 'Content-Type: application/json', '-d', '{"jsonrpc":']);
    assert.equal(JSON.parse(parse.body).error.code, -32700);
  });

  it('serves a Djib upload through S3 and an S3 upload through Djib', async () => {
    const w = await login();
    const { bucket } = walletOf(w.publicKey);
    const up = await curl([`${server.url}/djib/upload?path=/`, '-H', `Authorization: Bearer ${w.token}`, '-F', `file=@${join(dir, 'a.txt')};filename=from djib.txt;type=text/plain`]);
    assert.equal(up.status, 200, up.body);
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'from djib.txt' }));
    assert.equal(await got.Body!.transformToString(), 'rapport annuel');
    assert.equal(got.ContentType, 'text/plain');

    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'photos/été/from s3.bin', Body: Buffer.from('bytes from s3'), ContentType: 'application/x-test' }));
    const listed = await rpc('lsDrive', [w.token, '/photos/été']);
    assert.deepEqual(listed.map((e: any) => [e.path, e.size_byte, e.content_type]), [['/photos/été/from s3.bin', 13, 'application/x-test']]);
    const dl = await curl([`${server.url}/djib/download?path=${encodeURIComponent('/photos/été/from s3.bin')}`, '-H', `Authorization: Bearer ${w.token}`]);
    assert.deepEqual([dl.status, dl.body], [200, 'bytes from s3']);
  });
});
