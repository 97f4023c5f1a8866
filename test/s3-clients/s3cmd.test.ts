/**
 * s3cmd (Debian's /usr/bin/s3cmd, SigV4, path-style through host_bucket = host_base) against the real server (as
 * `omnigate serve` runs it): mb, put (small, and 20 MiB sent as multipart in its default 15 MiB chunks), get, ls,
 * la, del, sync up and down (with --delete-removed). Bytes are compared by SHA-256 with the originals.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, rm, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { HeadObjectCommand } from '@aws-sdk/client-s3';
import {
  asObject, isolatedEnv, MiB, run, runOk, sha256File, startOmnigate, tempDir, treeHashes, writeRandomFile, writeTree,
  type ServedOmnigate,
} from './harness.js';

const S3CMD = '/usr/bin/s3cmd';
const LONG = { timeout: 120_000 };

describe('s3cmd against omnigate', { skip: existsSync(S3CMD) ? false : `${S3CMD} is not installed` }, () => {
  let server: ServedOmnigate;
  let env: Record<string, string>;
  let config: string;
  let local: string;

  async function s3cmd(...args: string[]): Promise<string> {
    return (await runOk(S3CMD, ['-c', config, '--no-progress', ...args], { env, timeoutMs: 100_000 })).stdout;
  }
  /** The s3:// URLs of `s3cmd ls -r` / `la` output, sorted. */
  function urls(out: string): string[] {
    return out.split('\n').map((l) => /\s(s3:\/\/.*)$/.exec(l)?.[1]).filter((u): u is string => u !== undefined).sort();
  }

  before(async () => {
    server = await startOmnigate('s3cmd');
    const home = await tempDir(server.work, 'home');
    local = await tempDir(server.work, 'local');
    config = join(home, 's3cfg');
    const hostPort = `${server.host}:${server.port}`;
    await writeFile(config, [
      '[default]', `access_key = ${server.tenant.accessKey}`, `secret_key = ${server.tenant.secretKey}`,
      `host_base = ${hostPort}`, `host_bucket = ${hostPort}`, 'use_https = False', 'signature_v2 = False',
      'bucket_location = us-east-1', 'check_ssl_certificate = False', 'guess_mime_type = True', '',
    ].join('\n'));
    env = isolatedEnv(home);
  }, LONG);

  after(async () => { await server?.stop(); });

  it('mb, put small and 20 MiB (multipart), get, ls, la', LONG, async () => {
    assert.match(await s3cmd('mb', 's3://s3cmd-bucket'), /Bucket 's3:\/\/s3cmd-bucket\/' created/);
    const small = join(local, 'small.txt');
    const big = join(local, 'big.bin');
    const odd = join(local, 'odd name ü+.txt');
    const smallHash = await writeRandomFile(small, 2048);
    const bigHash = await writeRandomFile(big, 20 * MiB);
    const oddHash = await writeRandomFile(odd, 99);
    await s3cmd('put', small, 's3://s3cmd-bucket/files/small.txt');
    await s3cmd('put', big, 's3://s3cmd-bucket/files/big.bin');
    await s3cmd('put', odd, 's3://s3cmd-bucket/files/odd name ü+.txt');

    for (const [key, hash] of [['small.txt', smallHash], ['big.bin', bigHash], ['odd name ü+.txt', oddHash]] as const) {
      const out = join(local, 'down', key);
      await tempDir(local, 'down');
      await s3cmd('get', '--force', `s3://s3cmd-bucket/files/${key}`, out);
      assert.equal(await sha256File(out), hash, `${key} comes back byte for byte`);
    }

    assert.match(await s3cmd('ls'), /s3:\/\/s3cmd-bucket/);
    const top = await s3cmd('ls', 's3://s3cmd-bucket/');
    assert.match(top, /DIR\s+s3:\/\/s3cmd-bucket\/files\//);
    assert.deepEqual(urls(await s3cmd('ls', 's3://s3cmd-bucket/files/')),
      ['s3://s3cmd-bucket/files/big.bin', 's3://s3cmd-bucket/files/odd name ü+.txt', 's3://s3cmd-bucket/files/small.txt']);
    const all = await s3cmd('la', '-r');
    assert.deepEqual(urls(all), ['s3://s3cmd-bucket/files/big.bin', 's3://s3cmd-bucket/files/odd name ü+.txt', 's3://s3cmd-bucket/files/small.txt']);
    assert.match(all, new RegExp(`\\s${20 * MiB}\\s+s3://s3cmd-bucket/files/big\\.bin`));

    // s3cmd sent the 20 MiB file as multipart (two parts of at most 15 MiB): the server's ETag says so. s3cmd itself
    // shows the MD5 it stored in x-amz-meta-s3cmd-attrs instead, so ask with the SDK.
    const head = await server.s3.send(new HeadObjectCommand({ Bucket: 's3cmd-bucket', Key: 'files/big.bin' }));
    assert.match(head.ETag ?? '', /^"[0-9a-f]{32}-2"$/);
    assert.match(head.Metadata?.['s3cmd-attrs'] ?? '', /md5:[0-9a-f]{32}/);
    const info = await s3cmd('info', 's3://s3cmd-bucket/files/big.bin');
    assert.match(info, /File size:\s+20971520/);
    assert.match(info, new RegExp(`MD5 sum:\\s+${createHash('md5').update(await readFile(big)).digest('hex')}`));
  });

  it('del removes one object', LONG, async () => {
    assert.match(await s3cmd('del', 's3://s3cmd-bucket/files/small.txt'), /delete: 's3:\/\/s3cmd-bucket\/files\/small\.txt'/);
    assert.deepEqual(urls(await s3cmd('ls', 's3://s3cmd-bucket/files/')), ['s3://s3cmd-bucket/files/big.bin', 's3://s3cmd-bucket/files/odd name ü+.txt']);
    const missing = await run(S3CMD, ['-c', config, 'get', 's3://s3cmd-bucket/files/small.txt', join(local, 'nope')], { env, timeoutMs: 120_000 });
    assert.notEqual(missing.code, 0);
    assert.match(missing.stderr, /does not exist|404|NoSuchKey/i);
  });

  it('sync a tree up, change it, sync again with --delete-removed, sync down and compare', LONG, async () => {
    const tree = await tempDir(local, 'tree');
    const paths = await writeTree(tree);
    await s3cmd('sync', `${tree}/`, 's3://s3cmd-bucket/tree/');
    assert.deepEqual(urls(await s3cmd('ls', '-r', 's3://s3cmd-bucket/tree/')), paths.map((p) => `s3://s3cmd-bucket/tree/${p}`).sort());

    await writeRandomFile(join(tree, paths[4]!), 5555);
    await unlink(join(tree, paths[6]!));
    await unlink(join(tree, paths[25]!));
    await writeRandomFile(join(tree, 'fresh/one.bin'), 1024);
    const second = await s3cmd('sync', '--delete-removed', `${tree}/`, 's3://s3cmd-bucket/tree/');
    assert.match(second, /delete: 's3:\/\/s3cmd-bucket\/tree\//);
    const expected = await treeHashes(tree);
    assert.deepEqual(urls(await s3cmd('ls', '-r', 's3://s3cmd-bucket/tree/')), [...expected.keys()].map((k) => `s3://s3cmd-bucket/tree/${k}`).sort());

    const down = await tempDir(local, 'tree-down');
    await s3cmd('sync', 's3://s3cmd-bucket/tree/', `${down}/`);
    assert.deepEqual(asObject(await treeHashes(down)), asObject(expected));
    // Change the remote side, then sync down again (with --delete-removed): the local copy follows.
    await s3cmd('del', `s3://s3cmd-bucket/tree/${[...expected.keys()][0]!}`);
    await s3cmd('put', join(local, 'big.bin'), 's3://s3cmd-bucket/tree/large/big.bin');
    await s3cmd('sync', '--delete-removed', 's3://s3cmd-bucket/tree/', `${down}/`);
    const now = await treeHashes(down);
    assert.ok(!now.has([...expected.keys()][0]!));
    assert.equal(now.get('large/big.bin'), await sha256File(join(local, 'big.bin')));
  });

  it('del --recursive --force and rb remove everything', LONG, async () => {
    await s3cmd('del', '--recursive', '--force', 's3://s3cmd-bucket/');
    assert.deepEqual(urls(await s3cmd('la', '-r')), []);
    await s3cmd('rb', 's3://s3cmd-bucket');
    assert.doesNotMatch(await s3cmd('ls'), /s3cmd-bucket/);
    await rm(local, { recursive: true, force: true });
  });
});
