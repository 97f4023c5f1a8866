/**
 * Other real clients, recorded on the wire and verified: botocore (the aws CLI's signer) for every awkward key, the
 * aws CLI itself (over TLS it streams aws-chunked with a CRC32 trailer, and its presigned URLs), s3cmd, rclone and
 * curl --aws-sigv4. Each test is skipped when its tool is not installed.
 */
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { crc32 } from 'node:zlib';
import { verifySigV4 } from '../src/auth/index.js';
import { AK, clockOf, decode, KEYS, lookupOf, requestFromUrl, requestOf, SK, startRecorder, type Recorded } from './helpers/sigv4.js';

const run = promisify(execFile);
const works = (cmd: string, args: string[]) => spawnSync(cmd, args, { stdio: 'ignore' }).status === 0;
const HAS = {
  botocore: works('python3', ['-c', 'import botocore']),
  aws: works('aws', ['--version']) && works('openssl', ['version']),
  s3cmd: works('s3cmd', ['--version']),
  rclone: works('rclone', ['version']),
  curl: works('curl', ['--aws-sigv4', 'aws:amz:us-east-1:s3', '--version']),
};

let dir = '';
const FILE_BYTES = Buffer.from(Array.from({ length: 100_000 }, (_, i) => (i * 31) % 251));
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sigv4-clients-'));
  await writeFile(join(dir, 'file.bin'), FILE_BYTES);
  await writeFile(join(dir, 'aws-config'), '[default]\nregion = us-east-1\ns3 =\n    signature_version = s3v4\n    addressing_style = path\n');
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Verifies every recorded request at its own send time; returns the decoded bodies and trailers. */
async function verifyAll(recorded: Recorded[]) {
  assert.ok(recorded.length > 0, 'the client sent something');
  const out = [];
  for (const rec of recorded) {
    const req = requestOf(rec);
    const result = await verifySigV4(req, lookupOf(), { now: clockOf(req) });
    out.push({ rec, result, ...(await decode(result, rec.body)) });
  }
  return out;
}

const awsEnv = () => ({ ...process.env, AWS_ACCESS_KEY_ID: AK, AWS_SECRET_ACCESS_KEY: SK, AWS_CONFIG_FILE: join(dir, 'aws-config'), AWS_SHARED_CREDENTIALS_FILE: join(dir, 'none') });

const BOTOCORE = `
import json, sys, botocore.session
from botocore.config import Config
endpoint, keys = sys.argv[1], json.loads(sys.argv[2])
s3 = botocore.session.get_session().create_client('s3', region_name='us-east-1', endpoint_url=endpoint,
    config=Config(signature_version='s3v4', s3={'addressing_style': 'path'}, retries={'max_attempts': 1}))
urls = []
for key in keys:
    s3.put_object(Bucket='bucket', Key=key, Body=('content of ' + key).encode())
    urls.append(s3.generate_presigned_url('get_object', Params={'Bucket': 'bucket', 'Key': key}, ExpiresIn=600))
s3.list_objects_v2(Bucket='bucket', Prefix='a b+c/\u00fc', Delimiter='/')
print(json.dumps(urls))
`;

describe('other real clients', () => {
  it('botocore (the aws CLI signer): PutObject and presigned GET for every awkward key, ListObjectsV2', { skip: !HAS.botocore }, async () => {
    const recorder = await startRecorder();
    try {
      const { stdout } = await run('python3', ['-c', BOTOCORE, recorder.endpoint, JSON.stringify(KEYS)], { env: awsEnv(), timeout: 60_000 });
      const verified = await verifyAll(recorder.recorded.filter((r) => r.method !== 'GET'));
      assert.equal(verified.length, KEYS.length);
      for (const { rec, data } of verified) assert.match(data.toString(), /^content of /, rec.url);
      await verifyAll(recorder.recorded.filter((r) => r.method === 'GET'));
      for (const url of JSON.parse(stdout) as string[]) {
        const req = requestFromUrl('GET', url);
        assert.equal((await verifySigV4(req, lookupOf(), { now: clockOf(req) })).presigned, true);
      }
    } finally {
      await recorder.close();
    }
  });

  it('aws s3 cp over TLS (aws-chunked, CRC32 trailer) and aws s3 presign', { skip: !HAS.aws }, async () => {
    await run('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-subj', '/CN=localhost', '-days', '1',
      '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')]);
    const recorder = await startRecorder({ key: await readFile(join(dir, 'key.pem')), cert: await readFile(join(dir, 'cert.pem')) });
    try {
      for (const key of ['cp key+ü', 'dir//x/../y']) {
        await run('aws', ['--endpoint-url', recorder.endpoint, '--no-verify-ssl', 's3', 'cp', join(dir, 'file.bin'), `s3://bucket/${key}`], { env: awsEnv(), timeout: 60_000 });
      }
      const crc = Buffer.alloc(4);
      crc.writeUInt32BE(crc32(FILE_BYTES));
      for (const { result, data, trailers } of await verifyAll(recorder.recorded)) {
        assert.equal(result.payload.kind, 'streaming-unsigned-trailer');
        assert.deepEqual(data, FILE_BYTES);
        assert.deepEqual(trailers, { 'x-amz-checksum-crc32': crc.toString('base64') });
      }
      const { stdout } = await run('aws', ['--endpoint-url', recorder.endpoint, 's3', 'presign', 's3://bucket/pre sign+ü//..', '--expires-in', '600'], { env: awsEnv() });
      const req = requestFromUrl('GET', stdout.trim());
      assert.equal((await verifySigV4(req, lookupOf(), { now: clockOf(req) })).presigned, true);
    } finally {
      await recorder.close();
    }
  });

  it('s3cmd put', { skip: !HAS.s3cmd }, async () => {
    const recorder = await startRecorder();
    try {
      const host = recorder.endpoint.slice('http://'.length);
      await run('s3cmd', ['-c', '/dev/null', '--access_key', AK, '--secret_key', SK, '--host', host, '--host-bucket', host, '--no-ssl',
        'put', join(dir, 'file.bin'), 's3://bucket/s3cmd key+ü//..'], { timeout: 60_000 }).catch(() => undefined); // it dislikes the empty answers
      const puts = (await verifyAll(recorder.recorded)).filter(({ rec }) => rec.method === 'PUT');
      assert.ok(puts.length > 0);
      for (const { data } of puts) assert.deepEqual(data, FILE_BYTES);
    } finally {
      await recorder.close();
    }
  });

  it('rclone copyto', { skip: !HAS.rclone }, async () => {
    const recorder = await startRecorder();
    try {
      const { AWS_CA_BUNDLE: _ignored, ...env } = process.env;
      await run('rclone', ['--config', '/dev/null', '--retries', '1', '--low-level-retries', '1', 'copyto', join(dir, 'file.bin'), 'x:bucket/rclone key+ü'], {
        timeout: 60_000, env: { ...env, RCLONE_CONFIG_X_TYPE: 's3', RCLONE_CONFIG_X_PROVIDER: 'Other', RCLONE_CONFIG_X_ENDPOINT: recorder.endpoint,
          RCLONE_CONFIG_X_ACCESS_KEY_ID: AK, RCLONE_CONFIG_X_SECRET_ACCESS_KEY: SK, RCLONE_CONFIG_X_FORCE_PATH_STYLE: 'true' },
      }).catch(() => undefined); // rclone checks the upload afterwards and dislikes the empty answers
      const puts = (await verifyAll(recorder.recorded)).filter(({ rec }) => rec.method === 'PUT' && rec.url.startsWith('/bucket/'));
      assert.ok(puts.length > 0);
      for (const { data } of puts) assert.deepEqual(data, FILE_BYTES);
    } finally {
      await recorder.close();
    }
  });

  it('curl --aws-sigv4: accepted with x-amz-content-sha256, refused clearly without (S3 requires it)', { skip: !HAS.curl }, async () => {
    const recorder = await startRecorder();
    try {
      const url = `${recorder.endpoint}/bucket/curl%20key%2B%C3%BC?x=1%202`;
      const base = ['-s', '--aws-sigv4', 'aws:amz:us-east-1:s3', '--user', `${AK}:${SK}`, '-T', join(dir, 'file.bin')];
      await run('curl', [...base, '-H', 'x-amz-content-sha256: UNSIGNED-PAYLOAD', url]);
      const [verified] = await verifyAll(recorder.recorded);
      assert.deepEqual(verified!.data, FILE_BYTES);
      await run('curl', [...base, url]);
      const bare = requestOf(recorder.recorded[1]!);
      if (bare.headers['x-amz-content-sha256'] === undefined) { // newer curl versions send it themselves
        await assert.rejects(verifySigV4(bare, lookupOf(), { now: clockOf(bare) }), { code: 'InvalidArgument', message: /x-amz-content-sha256/ });
      }
    } finally {
      await recorder.close();
    }
  });
});
