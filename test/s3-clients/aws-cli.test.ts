/**
 * The AWS CLI v2 (Debian's /usr/bin/aws) against the real server: `aws s3` high-level commands (cp with its default
 * 8 MiB multipart chunks, sync with --delete, ls, rm --recursive) and `aws s3api` calls (multipart by hand,
 * copy-object REPLACE, ranged get-object). Bytes are compared by SHA-256 with the originals; what the CLI did is
 * checked with the SDK. Each CLI start costs about a second of Python here, so the calls are few.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  CreateBucketCommand, DeleteBucketCommand, GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, ListPartsCommand, PutObjectCommand,
} from '@aws-sdk/client-s3';
import {
  asObject, isolatedEnv, MiB, runOk, sha256, startOmnigate, tempDir, treeHashes, writeRandomFile, writeTree, type ServedOmnigate,
} from './harness.js';

const AWS = '/usr/bin/aws'; // Debian's awscli v2; a different `aws` (pyenv, v1) may come first on PATH
const LONG = { timeout: 120_000 };

describe('aws CLI against omnigate', { skip: existsSync(AWS) ? false : `${AWS} is not installed` }, () => {
  let server: ServedOmnigate;
  let env: Record<string, string>;
  let local: string;

  /** `aws --endpoint-url <server> ...args`, exit 0 required; stdout returned. */
  async function aws(...args: string[]): Promise<string> {
    return (await runOk(AWS, ['--endpoint-url', server.url, ...args], { env, timeoutMs: 100_000 })).stdout;
  }
  async function awsJson<T>(...args: string[]): Promise<T> {
    const out = await aws(...args, '--output', 'json');
    return (out.trim() ? JSON.parse(out) : {}) as T;
  }
  /** Keys of `aws s3 ls --recursive` output (lines "date time size key"), sorted. */
  function lsKeys(out: string): string[] {
    return out.split('\n').filter((l) => l.trim()).map((l) => l.replace(/^\S+\s+\S+\s+\d+\s/, '')).sort();
  }
  async function keys(Bucket: string, Prefix?: string): Promise<string[]> {
    const listed = await server.s3.send(new ListObjectsV2Command({ Bucket, Prefix }));
    return (listed.Contents ?? []).map((c) => c.Key!).sort();
  }
  async function objectBytes(Bucket: string, Key: string): Promise<Buffer> {
    const got = await server.s3.send(new GetObjectCommand({ Bucket, Key }));
    return Buffer.from(await got.Body!.transformToByteArray());
  }

  before(async () => {
    server = await startOmnigate('aws-cli');
    const home = await tempDir(server.work, 'home');
    local = await tempDir(server.work, 'local');
    const config = join(home, 'aws-config');
    const credentials = join(home, 'aws-credentials');
    // Path-style addressing, set in the config file the way a user would.
    await writeFile(config, '[default]\nregion = us-east-1\noutput = json\ns3 =\n    addressing_style = path\n');
    await writeFile(credentials, `[default]\naws_access_key_id = ${server.tenant.accessKey}\naws_secret_access_key = ${server.tenant.secretKey}\n`);
    env = isolatedEnv(home, {
      AWS_CONFIG_FILE: config, AWS_SHARED_CREDENTIALS_FILE: credentials, AWS_EC2_METADATA_DISABLED: 'true', AWS_PAGER: '',
    });
  }, LONG);

  after(async () => { await server?.stop(); });

  it('s3 mb, cp --recursive up and down (small, 20 MiB multipart, a name with spaces, unicode and +), cp one file, ls', LONG, async () => {
    assert.match(await aws('s3', 'mb', 's3://cli-bucket'), /make_bucket: cli-bucket/);
    const up = await tempDir(local, 'up');
    const odd = 'my file ünïcødé +plus & (1).txt';
    const files: Record<string, number> = { 'small.txt': 1234, 'big-20MiB.bin': 20 * MiB, [odd]: 4321 };
    for (const [name, size] of Object.entries(files)) await writeRandomFile(join(up, name), size);
    const expected = await treeHashes(up);

    await aws('s3', 'cp', '--recursive', '--no-progress', up, 's3://cli-bucket/in/');
    const down = await tempDir(local, 'down');
    await aws('s3', 'cp', '--recursive', '--no-progress', 's3://cli-bucket/in/', down);
    assert.deepEqual(asObject(await treeHashes(down)), asObject(expected));
    const single = join(local, 'single.txt');
    await aws('s3', 'cp', '--no-progress', `s3://cli-bucket/in/${odd}`, single);
    assert.equal(sha256(await readFile(single)), expected.get(odd));

    const listed = await aws('s3', 'ls', '--recursive', 's3://cli-bucket/');
    assert.deepEqual(lsKeys(listed), Object.keys(files).map((f) => `in/${f}`).sort());
    assert.match(listed, new RegExp(`\\s${20 * MiB} in/big-20MiB\\.bin`));
    // The CLI sent the 20 MiB file as multipart in 8 MiB chunks: 3 parts. `+` in a key is a plus, not a space.
    const big = await server.s3.send(new HeadObjectCommand({ Bucket: 'cli-bucket', Key: 'in/big-20MiB.bin' }));
    assert.match(big.ETag ?? '', /^"[0-9a-f]{32}-3"$/);
    assert.deepEqual(await keys('cli-bucket', 'in/my file'), [`in/${odd}`]);
  });

  it('s3 sync a tree up, ls by prefix, sync --delete after local changes (only those move), sync down, rm --recursive', LONG, async () => {
    const tree = await tempDir(local, 'tree');
    const paths = await writeTree(tree);
    await server.s3.send(new CreateBucketCommand({ Bucket: 'sync-bucket' }));
    await aws('s3', 'sync', '--no-progress', tree, 's3://sync-bucket/site');
    assert.deepEqual(await keys('sync-bucket'), paths.map((p) => `site/${p}`).sort());

    // ls of a prefix: one level, "PRE" for common prefixes.
    const top = await aws('s3', 'ls', 's3://sync-bucket/site/');
    assert.match(top, /PRE a\//);
    assert.match(top, /PRE with space\//);
    assert.match(top, /PRE ünïcødé \+plus\//);
    assert.match(top, /\sfile-0\.bin/);
    assert.doesNotMatch(top, /file-4\.bin/, 'not recursive');

    // Change two files (new sizes), delete two, add one: the second sync uploads 3 and deletes 2.
    await writeRandomFile(join(tree, paths[1]!), 777);
    await writeRandomFile(join(tree, paths[10]!), 12345);
    await unlink(join(tree, paths[2]!));
    await unlink(join(tree, paths[20]!));
    await writeRandomFile(join(tree, 'new/dir/added.bin'), 999);
    const second = await aws('s3', 'sync', '--no-progress', '--delete', tree, 's3://sync-bucket/site');
    assert.equal(second.split('\n').filter((l) => l.startsWith('upload:')).length, 3, second);
    assert.equal(second.split('\n').filter((l) => l.startsWith('delete:')).length, 2, second);
    const expected = await treeHashes(tree);
    assert.deepEqual(await keys('sync-bucket'), [...expected.keys()].map((k) => `site/${k}`).sort());
    // Nothing left to do: sizes and times listed by the server match.
    assert.equal((await aws('s3', 'sync', '--no-progress', '--delete', tree, 's3://sync-bucket/site')).trim(), '');

    const back = await tempDir(local, 'tree-back');
    await aws('s3', 'sync', '--no-progress', 's3://sync-bucket/site', back);
    assert.deepEqual(asObject(await treeHashes(back)), asObject(expected));

    const removed = await aws('s3', 'rm', '--recursive', 's3://sync-bucket/site');
    assert.equal(removed.split('\n').filter((l) => l.startsWith('delete:')).length, expected.size);
    assert.deepEqual(await keys('sync-bucket'), []);
    await server.s3.send(new DeleteBucketCommand({ Bucket: 'sync-bucket' })); // refused unless empty
  });

  it('s3api multipart by hand: create-multipart-upload, upload-part x2, complete-multipart-upload', LONG, async () => {
    const part1 = join(local, 'part1.bin');
    const part2 = join(local, 'part2.bin');
    await writeRandomFile(part1, 5 * MiB + 17);
    await writeRandomFile(part2, MiB + 3);
    const [bytes1, bytes2] = [await readFile(part1), await readFile(part2)];
    const Bucket = 'cli-bucket';
    const Key = 'mpu/by hand ü.bin';

    const { UploadId } = await awsJson<{ UploadId: string }>('s3api', 'create-multipart-upload', '--bucket', Bucket, '--key', Key, '--content-type', 'application/x-test');
    assert.ok(UploadId);
    const [e1, e2] = await Promise.all([part1, part2].map((body, i) =>
      awsJson<{ ETag: string }>('s3api', 'upload-part', '--bucket', Bucket, '--key', Key, '--upload-id', UploadId, '--part-number', String(i + 1), '--body', body)));
    assert.equal(e1!.ETag, `"${createHash('md5').update(bytes1).digest('hex')}"`);
    const parts = await server.s3.send(new ListPartsCommand({ Bucket, Key, UploadId }));
    assert.deepEqual(parts.Parts?.map((p) => [p.PartNumber, p.ETag, p.Size]), [[1, e1!.ETag, 5 * MiB + 17], [2, e2!.ETag, MiB + 3]]);

    const partsFile = join(local, 'parts.json');
    await writeFile(partsFile, JSON.stringify({ Parts: [{ PartNumber: 1, ETag: e1!.ETag }, { PartNumber: 2, ETag: e2!.ETag }] }));
    const done = await awsJson<{ ETag: string; Key: string }>('s3api', 'complete-multipart-upload', '--bucket', Bucket, '--key', Key, '--upload-id', UploadId, '--multipart-upload', `file://${partsFile}`);
    assert.match(done.ETag, /^"[0-9a-f]{32}-2"$/);
    assert.equal(done.Key, Key);

    const head = await server.s3.send(new HeadObjectCommand({ Bucket, Key }));
    assert.deepEqual([head.ETag, head.ContentLength, head.ContentType], [done.ETag, 6 * MiB + 20, 'application/x-test']);
    assert.equal(sha256(await objectBytes(Bucket, Key)), sha256(Buffer.concat([bytes1, bytes2])));
  });

  it('s3api copy-object --metadata-directive REPLACE, get-object --range', LONG, async () => {
    const Bucket = 'cli-bucket';
    const src = join(local, 'copy-src.bin');
    await writeRandomFile(src, 300_000);
    const bytes = await readFile(src);
    await server.s3.send(new PutObjectCommand({ Bucket, Key: 'copy/src.bin', Body: bytes, ContentType: 'application/octet-stream', Metadata: { origin: 'first' } }));

    await awsJson('s3api', 'copy-object', '--bucket', Bucket, '--key', 'copy/dst.bin', '--copy-source', `${Bucket}/copy/src.bin`,
      '--metadata-directive', 'REPLACE', '--content-type', 'text/x-replaced', '--metadata', 'origin=copied,extra=yes');
    const head = await server.s3.send(new HeadObjectCommand({ Bucket, Key: 'copy/dst.bin' }));
    assert.deepEqual([head.ContentType, head.Metadata, head.ContentLength], ['text/x-replaced', { origin: 'copied', extra: 'yes' }, 300_000]);
    const srcHead = await server.s3.send(new HeadObjectCommand({ Bucket, Key: 'copy/src.bin' }));
    assert.deepEqual(srcHead.Metadata, { origin: 'first' }, 'the source is untouched');
    assert.equal(sha256(await objectBytes(Bucket, 'copy/dst.bin')), sha256(bytes));

    const ranged = join(local, 'range.bin');
    const got = await awsJson<{ ContentLength: number; ContentRange: string }>('s3api', 'get-object', '--bucket', Bucket, '--key', 'copy/dst.bin', '--range', 'bytes=1000-1999', ranged);
    assert.deepEqual([got.ContentLength, got.ContentRange], [1000, 'bytes 1000-1999/300000']);
    assert.deepEqual(await readFile(ranged), bytes.subarray(1000, 2000));
  });

  it('s3 rm --recursive empties the bucket', LONG, async () => {
    const before = await keys('cli-bucket');
    assert.ok(before.length >= 6);
    const removed = await aws('s3', 'rm', '--recursive', 's3://cli-bucket/');
    assert.match(removed, /delete: s3:\/\/cli-bucket\/in\/big-20MiB\.bin/);
    assert.equal(removed.split('\n').filter((l) => l.startsWith('delete:')).length, before.length);
    assert.deepEqual(await keys('cli-bucket'), []);
  });
});
