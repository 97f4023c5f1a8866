/**
 * rclone (Debian's /usr/bin/rclone, S3 backend, provider Other, path-style, region us-east-1) against the real server
 * (as `omnigate serve` runs it): copy a tree up (single PUTs, and multipart with a 5 MiB cutoff), sync after
 * changes, check (0 differences, by MD5 and by download), lsf -R, copy down and compare bytes, delete and purge.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { rm, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { HeadObjectCommand } from '@aws-sdk/client-s3';
import {
  asObject, isolatedEnv, MiB, run, runOk, startOmnigate, tempDir, treeHashes, writeRandomFile, writeTree, type ServedOmnigate,
} from './harness.js';

const RCLONE = '/usr/bin/rclone';
const LONG = { timeout: 120_000 };

describe('rclone against omnigate', { skip: existsSync(RCLONE) ? false : `${RCLONE} is not installed` }, () => {
  let server: ServedOmnigate;
  let env: Record<string, string>;
  let config: string;
  let local: string;
  let tree: string;

  async function rclone(...args: string[]): Promise<{ stdout: string; stderr: string }> {
    return runOk(RCLONE, ['--config', config, '--retries', '1', '--low-level-retries', '1', ...args], { env, timeoutMs: 100_000 });
  }
  /** `rclone lsf -R --files-only`, sorted. */
  async function lsf(remote: string): Promise<string[]> {
    return (await rclone('lsf', '-R', '--files-only', remote)).stdout.split('\n').filter(Boolean).sort();
  }
  async function check(src: string, dst: string): Promise<string> {
    const { stderr } = await rclone('check', src, dst);
    assert.match(stderr, /\b0 differences found/, stderr);
    assert.doesNotMatch(stderr, /ERROR/, stderr);
    return stderr;
  }

  before(async () => {
    server = await startOmnigate('rclone');
    const home = await tempDir(server.work, 'home');
    local = await tempDir(server.work, 'local');
    config = join(home, 'rclone.conf');
    await writeFile(config, [
      '[omni]', 'type = s3', 'provider = Other', `endpoint = ${server.url}`, `access_key_id = ${server.tenant.accessKey}`,
      `secret_access_key = ${server.tenant.secretKey}`, 'region = us-east-1', 'force_path_style = true', '',
    ].join('\n'));
    env = isolatedEnv(home, { RCLONE_CONFIG: config });
  }, LONG);

  after(async () => { await server?.stop(); });

  it('copy a tree up (a 20 MiB file in it), check reports 0 differences, lsf -R lists it', LONG, async () => {
    tree = await tempDir(local, 'tree');
    await writeTree(tree);
    await writeRandomFile(join(tree, 'large/twenty-MiB.bin'), 20 * MiB);
    await rclone('mkdir', 'omni:rclone-bucket');
    await rclone('copy', tree, 'omni:rclone-bucket/tree');
    const expected = await treeHashes(tree);
    assert.deepEqual(await lsf('omni:rclone-bucket/tree'), [...expected.keys()].sort());
    await check(tree, 'omni:rclone-bucket/tree');
    // `check --download` compares the bytes themselves, not the MD5s the server reports.
    const { stderr } = await rclone('check', '--download', tree, 'omni:rclone-bucket/tree');
    assert.match(stderr, /\b0 differences found/);
  });

  it('copy with multipart uploads (5 MiB cutoff and chunks), then check', LONG, async () => {
    const big = await tempDir(local, 'big');
    await writeRandomFile(join(big, 'seventeen.bin'), 17 * MiB + 5);
    await writeRandomFile(join(big, 'exactly-two-chunks.bin'), 10 * MiB);
    // Go's encoding/xml writes the ETag quotes in CompleteMultipartUpload as &#34; (see test/s3/s3-xml-bodies).
    await rclone('copy', '--s3-upload-cutoff', '5M', '--s3-chunk-size', '5M', big, 'omni:rclone-bucket/big');
    const head = await server.s3.send(new HeadObjectCommand({ Bucket: 'rclone-bucket', Key: 'big/seventeen.bin' }));
    assert.match(head.ETag ?? '', /^"[0-9a-f]{32}-4"$/, 'sent as 4 parts of 5 MiB');
    await check(big, 'omni:rclone-bucket/big');
    const { stderr } = await rclone('check', '--download', big, 'omni:rclone-bucket/big');
    assert.match(stderr, /\b0 differences found/);
    const down = await tempDir(local, 'big-down');
    await rclone('copy', 'omni:rclone-bucket/big', down);
    assert.deepEqual(asObject(await treeHashes(down)), asObject(await treeHashes(big)));
  });

  it('sync after local changes and deletions, check again, copy down to another dir and compare', LONG, async () => {
    const original = [...(await treeHashes(tree)).keys()];
    await writeRandomFile(join(tree, original[3]!), 4242);        // changed size
    await writeRandomFile(join(tree, original[7]!), 0);           // emptied
    await unlink(join(tree, original[5]!));
    await unlink(join(tree, original[12]!));
    await writeRandomFile(join(tree, 'added/in/sync.bin'), 31337);
    await rclone('sync', tree, 'omni:rclone-bucket/tree');
    const expected = await treeHashes(tree);
    assert.deepEqual(await lsf('omni:rclone-bucket/tree'), [...expected.keys()].sort());
    await check(tree, 'omni:rclone-bucket/tree');

    const down = await tempDir(local, 'tree-down');
    await rclone('copy', 'omni:rclone-bucket/tree', down);
    assert.deepEqual(asObject(await treeHashes(down)), asObject(expected));
    // A second copy has nothing to transfer.
    const again = await rclone('copy', '-v', tree, 'omni:rclone-bucket/tree');
    assert.doesNotMatch(again.stderr, /: Copied/, again.stderr);
  });

  it('delete removes the files under a path, purge removes the rest and the bucket', LONG, async () => {
    await rclone('delete', 'omni:rclone-bucket/tree/a');
    const left = await lsf('omni:rclone-bucket/tree');
    assert.ok(left.length > 0);
    assert.ok(!left.some((k) => k.startsWith('a/')), left.join('\n'));
    await rclone('purge', 'omni:rclone-bucket');
    const buckets = await rclone('lsd', 'omni:');
    assert.doesNotMatch(buckets.stdout, /rclone-bucket/);
    const gone = await run(RCLONE, ['--config', config, '--retries', '1', 'lsf', 'omni:rclone-bucket'], { env, timeoutMs: 60_000 });
    assert.notEqual(gone.code, 0, 'the bucket is gone');
    await rm(local, { recursive: true, force: true });
  });
});
