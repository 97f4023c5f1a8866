import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rename, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

// The bundled server `npm start` and the `omnigate` bin run (scripts/bundle-server.mjs), so these tests cover the
// artifact users start, not only the modules it is built from.
const CLI = join(import.meta.dirname, '../../packages/server/dist/omnigate.mjs');

interface Started { child: ChildProcess; url: string; output: string }

/** Runs `omnigate serve` as a real process and waits for its banner. */
async function serve(env: Record<string, string>): Promise<Started> {
  const child = spawn(process.execPath, [CLI, 'serve'], { env: { ...process.env, OMNIGATE_PORT: '0', OMNIGATE_HOST: '127.0.0.1', OMNIGATE_LOG_LEVEL: 'warn', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    const onData = (d: Buffer) => {
      output += d.toString();
      const match = /listening on (http:\/\/\S+)/.exec(output);
      if (match && output.includes('API key:')) resolve(match[1]!);
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (d: Buffer) => { output += d.toString(); });
    child.once('exit', (code) => reject(new Error(`server exited with ${code}: ${output}`)));
  });
  return { child, url, get output() { return output; } } as Started;
}

async function stop(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null) return child.exitCode;
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  child.kill('SIGTERM');
  return exited;
}

async function runCli(args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '', stderr = '';
  child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
  child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  return { code, stdout, stderr };
}

describe('omnigate serve', () => {
  let dataDir: string;
  before(async () => { dataDir = await mkdtemp(join(tmpdir(), 'omnigate-serve-')); });
  after(() => rm(dataDir, { recursive: true, force: true }));

  it('starts on the embedded default, prints URL, data dir and credentials, and keeps them across restarts', { timeout: 60_000 }, async () => {
    const first = await serve({ OMNIGATE_DATA_DIR: dataDir });
    assert.match(first.output, new RegExp(`data dir:\\s+${dataDir}`));
    const creds = JSON.parse(await readFile(join(dataDir, 'credentials.json'), 'utf8')) as Record<string, string>;
    assert.match(first.output, new RegExp(`access key:\\s+${creds.accessKey}`));
    assert.match(first.output, new RegExp(`secret key:\\s+${creds.secretKey!.replace(/[+/]/g, '\\$&')}`));
    assert.match(first.output, new RegExp(`API key:\\s+${creds.apiKey}`));
    assert.equal((await stat(join(dataDir, 'credentials.json'))).mode & 0o777, 0o600);
    assert.equal((await stat(join(dataDir, 'keys', 'kek'))).size, 32);
    assert.ok((await stat(join(dataDir, 'meta.db'))).isFile());
    assert.equal(await stop(first.child), 0, 'SIGTERM exits cleanly');

    const second = await serve({ OMNIGATE_DATA_DIR: dataDir });
    assert.match(second.output, new RegExp(`access key:\\s+${creds.accessKey}`));
    await stop(second.child);
  });

  it('takes the default tenant\'s credentials from the environment', { timeout: 60_000 }, async () => {
    const env = { OMNIGATE_DATA_DIR: dataDir, OMNIGATE_ACCESS_KEY: 'AKIAOMNIGATETEST0001', OMNIGATE_SECRET_KEY: 'test-secret-key-0123456789', OMNIGATE_API_KEY: 'og_test_api_key_0123456789' };
    const started = await serve(env);
    assert.match(started.output, /access key:\s+AKIAOMNIGATETEST0001/);
    await stop(started.child);
    const creds = JSON.parse(await readFile(join(dataDir, 'credentials.json'), 'utf8')) as Record<string, string>;
    assert.equal(creds.accessKey, 'AKIAOMNIGATETEST0001');
  });

  it('answers /health with per-node health (degraded when a node is gone) and /metrics in Prometheus text', { timeout: 60_000 }, async () => {
    const { child, url } = await serve({ OMNIGATE_DATA_DIR: dataDir });
    try {
      const health = await (await fetch(`${url}/health`)).json() as { status: string; nodes: Array<{ id: string; healthy: boolean }> };
      assert.equal(health.status, 'ok');
      assert.deepEqual(health.nodes.map((n) => n.id), ['node-1', 'node-2', 'node-3', 'node-4', 'node-5', 'node-6']);
      const node3 = join(dataDir, 'nodes', 'node-3');
      await rename(node3, `${node3}.away`);
      const degraded = await fetch(`${url}/health`);
      assert.equal(degraded.status, 200);
      const body = await degraded.json() as { status: string; nodes: Array<{ id: string; healthy: boolean }> };
      assert.equal(body.status, 'degraded');
      assert.equal(body.nodes.find((n) => n.id === 'node-3')?.healthy, false);
      await rename(`${node3}.away`, node3);

      const metrics = await fetch(`${url}/metrics`);
      assert.match(metrics.headers.get('content-type') ?? '', /text\/plain/);
      const text = await metrics.text();
      assert.match(text, /omnigate_http_requests_total\{protocol="health",method="GET",status="200"\} \d+/);
      assert.match(text, /omnigate_node_healthy\{node="node-1"\} 1/);
    } finally {
      await stop(child);
    }
  });

  it('is the `omnigate` command npm links at install (README: npx omnigate ...)', async () => {
    const bin = join(import.meta.dirname, '../../node_modules/.bin/omnigate');
    const child = spawn(bin, ['--help'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { out += d.toString(); });
    assert.equal(await new Promise((resolve) => child.once('exit', resolve)), 0, out);
    assert.match(out, /^Usage: omnigate <command>/);
  });

  it('refuses bad configuration with a message naming the setting and its source', async () => {
    const bad = await runCli(['serve'], { OMNIGATE_DATA_DIR: dataDir, OMNIGATE_PORT: 'eighty' });
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /port \(from environment variable OMNIGATE_PORT\)/);
    assert.doesNotMatch(bad.stderr, /\bat .*\.js:\d+/, 'no stack trace');
    const shards = await runCli(['serve', '--parity-shards', '9'], { OMNIGATE_DATA_DIR: dataDir });
    assert.equal(shards.code, 1);
    assert.match(shards.stderr, /parityShards \(from flag --parity-shards\)/);
    const unknown = await runCli(['explode'], {});
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /Unknown command "explode"/);
  });

  it('creates tenants and repairs from the command line', { timeout: 60_000 }, async () => {
    const created = await runCli(['tenant', 'create', 'acme'], { OMNIGATE_DATA_DIR: dataDir });
    assert.equal(created.code, 0, created.stderr);
    const tenant = JSON.parse(created.stdout) as { name: string; accessKey: string; secretKey: string; apiKey: string };
    assert.equal(tenant.name, 'acme');
    const listed = await runCli(['tenant', 'list'], { OMNIGATE_DATA_DIR: dataDir });
    assert.match(listed.stdout, new RegExp(`acme\\s+${tenant.accessKey}`));
    const repair = await runCli(['repair'], { OMNIGATE_DATA_DIR: dataDir, OMNIGATE_LOG_LEVEL: 'silent' });
    assert.equal(repair.code, 0, repair.stderr);
    assert.equal((JSON.parse(repair.stdout) as { unrecoverable: string[] }).unrecoverable.length, 0);
  });

  it('mounts QS under /qs with the default tenant\'s API key, computes CIDs, serves the ZiB SDK, and answers unknown paths with JSON 404', { timeout: 60_000 }, async () => {
    const { child, url } = await serve({ OMNIGATE_DATA_DIR: dataDir });
    try {
      const { apiKey } = JSON.parse(await readFile(join(dataDir, 'credentials.json'), 'utf8')) as { apiKey: string };
      const session = await fetch(`${url}/qs/sessions`, { method: 'POST', headers: { 'x-api-key': apiKey } });
      assert.equal(session.status, 201);
      const { token } = await session.json() as { token: string };
      const files = await fetch(`${url}/qs/buckets`, { headers: { authorization: `Bearer ${token}` } });
      assert.equal(files.status, 200);
      assert.deepEqual(await files.json(), []);
      assert.equal((await fetch(`${url}/qs/buckets`)).status, 401);
      const res = await fetch(`${url}/zib/nothing-here`);
      assert.equal(res.status, 404);
      assert.match(res.headers.get('content-type') ?? '', /json/);

      // What the bundle must still find outside itself: the IPFS importer (loaded on first use) and the browser SDK file.
      const call = (method: string, path: string, json?: unknown) => fetch(`${url}/qs${path}`, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: json === undefined ? undefined : JSON.stringify(json) });
      const started = await (await call('POST', '/buckets', { totalParts: 0, originalSizeInBytes: 0 })).json() as { uploadId: string; key: string };
      const done = await call('POST', '/buckets/complete', started);
      assert.equal(done.status, 200);
      // Kubo's t0040-add-and-cat.sh "zero length file has correct hash"
      assert.equal((await done.json() as { cid: string }).cid, 'QmbFMke1KXqnYyBBWxB74N4c5SBnJMVAiMNRcGu6x1AwQH');
      const sdk = await fetch(`${url}/zib/sdk/zib-sdk.js`);
      assert.equal(sdk.status, 200);
      assert.equal(await sdk.text(), await readFile(join(import.meta.dirname, '../../packages/zib-sdk/zib-sdk.js'), 'utf8'));
    } finally {
      await stop(child);
    }
  });
});

describe('omnigate serve with S3 clients', () => {
  let dataDir: string;
  before(async () => { dataDir = await mkdtemp(join(tmpdir(), 'omnigate-serve-s3-')); });
  after(() => rm(dataDir, { recursive: true, force: true }));

  it('routes by first path segment: buckets to S3, reserved names to their protocol (signed: S3\'s InvalidBucketName)', { timeout: 60_000 }, async () => {
    const { S3Client, CreateBucketCommand, HeadBucketCommand, ListBucketsCommand } = await import('@aws-sdk/client-s3');
    const env = { OMNIGATE_DATA_DIR: dataDir, OMNIGATE_ACCESS_KEY: 'AKIAOMNIGATEROUTE001', OMNIGATE_SECRET_KEY: 'route-secret-0123456789abcdef' };
    const { child, url } = await serve(env);
    try {
      const client = new S3Client({ endpoint: url, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: env.OMNIGATE_ACCESS_KEY, secretAccessKey: env.OMNIGATE_SECRET_KEY } });
      await client.send(new CreateBucketCommand({ Bucket: 'routed' }));
      await client.send(new HeadBucketCommand({ Bucket: 'routed' }));
      assert.ok((await client.send(new ListBucketsCommand({}))).Buckets!.some((b) => b.Name === 'routed'));
      for (const name of ['health', 'metrics', 'ipfs', 'qs']) {
        await assert.rejects(client.send(new CreateBucketCommand({ Bucket: name })), (err: { name?: string }) => err.name === 'InvalidBucketName', name);
      }
      // Unsigned: the protocol that owns the segment answers, or a JSON 404 where none does.
      assert.equal((await fetch(`${url}/health`)).status, 200);
      const unknown = await fetch(`${url}/ipfs/not-a-cid`);
      assert.match(unknown.headers.get('content-type') ?? '', /json/);
      const anonymous = await fetch(`${url}/routed`);
      assert.equal(anonymous.status, 403);
      assert.match(await anonymous.text(), /<Code>AccessDenied<\/Code>/);
      // Bucket requests skip Express but are still counted.
      const metrics = await (await fetch(`${url}/metrics`)).text();
      assert.match(metrics, /omnigate_http_requests_total\{protocol="s3",method="PUT",status="200"\} [1-9]/);
      assert.match(metrics, /omnigate_http_requests_total\{protocol="s3",method="GET",status="403"\} [1-9]/);
    } finally {
      await stop(child);
    }
  });

  it('lets an in-flight upload finish on SIGTERM, then exits', { timeout: 120_000 }, async () => {
    const { S3Client, CreateBucketCommand, PutObjectCommand, GetObjectCommand } = await import('@aws-sdk/client-s3');
    const { getSignedUrl } = await import('@aws-sdk/s3-request-presigner');
    const env = { OMNIGATE_DATA_DIR: dataDir, OMNIGATE_ACCESS_KEY: 'AKIAOMNIGATESHUTDOWN1', OMNIGATE_SECRET_KEY: 'shutdown-secret-key-0123456789' };
    const started = await serve(env);
    const client = new S3Client({ endpoint: started.url, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: env.OMNIGATE_ACCESS_KEY, secretAccessKey: env.OMNIGATE_SECRET_KEY } });
    await client.send(new CreateBucketCommand({ Bucket: 'drain' }));
    client.destroy();
    // A presigned PUT whose 24 MiB body trickles in: SIGTERM arrives while it is still streaming.
    const size = 24 * 1024 * 1024;
    const url = new URL(await getSignedUrl(client, new PutObjectCommand({ Bucket: 'drain', Key: 'in-flight' }), { expiresIn: 300 }));
    const { request } = await import('node:http');
    const exited = new Promise<number | null>((resolve) => started.child.once('exit', resolve));
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(url, { method: 'PUT', headers: { 'content-length': size } }, (res) => { res.resume(); resolve(res.statusCode ?? 0); });
      req.on('error', reject);
      let sent = 0;
      const pump = () => {
        if (sent === 4 * 1024 * 1024) started.child.kill('SIGTERM');
        if (sent >= size) return req.end();
        req.write(Buffer.alloc(1024 * 1024, sent / (1024 * 1024)));
        sent += 1024 * 1024;
        setTimeout(pump, 20);
      };
      pump();
    });
    assert.equal(status, 200, 'the upload that was in flight at SIGTERM completed');
    assert.equal(await exited, 0);

    const again = await serve(env);
    const client2 = new S3Client({ endpoint: again.url, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: env.OMNIGATE_ACCESS_KEY, secretAccessKey: env.OMNIGATE_SECRET_KEY } });
    const got = await client2.send(new GetObjectCommand({ Bucket: 'drain', Key: 'in-flight' }));
    assert.equal(got.ContentLength, size);
    const bytes = Buffer.from(await got.Body!.transformToByteArray());
    assert.equal(bytes[size - 1], 23);
    assert.equal(bytes[0], 0);
    await stop(again.child);
  });
});
