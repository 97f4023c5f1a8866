/**
 * The SDK's WebCrypto sealer against the core's OGS1 codec (docs/format.md): the published vectors byte for byte
 * (key and nonce prefix injected through the SDK's test-only `_format.seal({ noncePrefix })`), the same bytes as the
 * core's sealBuffer for the same inputs, and the core opening SDK output at the segment boundaries. Also that the one
 * file loads as CommonJS, as an ES import and as a classic script (a global `ZiBStorage`).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import vm from 'node:vm';
import { describe, it } from 'node:test';
import { segmentedAead } from '@omnigate/core';
import ZiBStorage, { ZiBStorage as NamedZiBStorage } from '@omnigate/zib-sdk';

const require = createRequire(import.meta.url);
const SDK_PATH = require.resolve('@omnigate/zib-sdk/zib-sdk.js');

interface Vector { name: string; key: string; segmentSize: number; streamIndex: number; noncePrefix: string; plaintext: string; ciphertext: string }
const vectors = (JSON.parse(readFileSync(new URL('../../packages/core/test/vectors/aead-vectors.json', import.meta.url), 'utf8')) as { vectors: Vector[] }).vectors;

const seal = (data: Uint8Array, opts: { key: Uint8Array | string; segmentSize?: number; streamIndex?: number; noncePrefix?: Uint8Array }) =>
  ZiBStorage._format.seal(data, opts).then((out: Uint8Array) => Buffer.from(out));

describe('zib-sdk OGS1 encryption', () => {
  it('has four published vectors to check', () => assert.equal(vectors.length, 4));

  for (const v of vectors) {
    it(`${v.name}: reproduces the published ciphertext byte for byte`, async () => {
      const out = await seal(Buffer.from(v.plaintext, 'hex'), {
        key: Buffer.from(v.key, 'hex'), segmentSize: v.segmentSize, streamIndex: v.streamIndex, noncePrefix: Buffer.from(v.noncePrefix, 'hex'),
      });
      assert.equal(out.toString('hex'), v.ciphertext);
    });
  }

  it('takes the key as base64, as the registration carries it', async () => {
    const v = vectors[2]!;
    const out = await seal(Buffer.from(v.plaintext, 'hex'), {
      key: Buffer.from(v.key, 'hex').toString('base64'), segmentSize: v.segmentSize, noncePrefix: Buffer.from(v.noncePrefix, 'hex'),
    });
    assert.equal(out.toString('hex'), v.ciphertext);
  });

  const S = 4096;
  const sizes = [0, 1, S - 1, S, S + 1, 3 * S, 5 * S + 17, 64 * S + 1, 130 * S + 5]; // the last two cross a 64-segment batch
  for (const size of sizes) {
    it(`P = ${size}, S = ${S}: identical to the core's sealBuffer and opened by the core`, async () => {
      const key = randomBytes(32);
      const noncePrefix = randomBytes(8);
      const plaintext = randomBytes(size);
      const streamIndex = size % 7;
      const out = await seal(plaintext, { key, segmentSize: S, streamIndex, noncePrefix });
      assert.equal(out.length, segmentedAead.cipherSizeOf(size, S));
      assert.ok(out.equals(segmentedAead.sealBuffer(key, plaintext, { segmentSize: S, streamIndex, noncePrefix })));
      assert.ok(segmentedAead.openBuffer(key, out, { expectedStreamIndex: streamIndex }).equals(plaintext));
    });
  }

  it('default 64 KiB segments, random nonce prefix: the core opens 2 MiB + 1 byte, and a wrong key fails', async () => {
    const key = randomBytes(32);
    const plaintext = randomBytes(2 * 1024 * 1024 + 1);
    const a = await seal(plaintext, { key });
    const b = await seal(plaintext, { key });
    assert.ok(segmentedAead.openBuffer(key, a).equals(plaintext));
    assert.notDeepEqual(a.subarray(8, 16), b.subarray(8, 16), 'every stream gets a fresh nonce prefix');
    assert.throws(() => segmentedAead.openBuffer(randomBytes(32), a), { code: 'InvalidCiphertext' });
  });

  it('refuses bad keys, segment sizes and nonce prefixes with a ZiBError', async () => {
    await assert.rejects(seal(Buffer.alloc(1), { key: randomBytes(16) }), { name: 'ZiBError', code: 'InvalidRegistration' });
    await assert.rejects(seal(Buffer.alloc(1), { key: randomBytes(32), segmentSize: 1000 }), { code: 'InvalidRegistration' });
    await assert.rejects(seal(Buffer.alloc(1), { key: randomBytes(32), noncePrefix: randomBytes(4) }), { code: 'InvalidArgument' });
  });
});

describe('zib-sdk module shapes', () => {
  it('require, ES default import and the named import are the same class', () => {
    assert.equal(require('@omnigate/zib-sdk'), ZiBStorage);
    assert.equal(NamedZiBStorage, ZiBStorage);
    assert.equal(typeof ZiBStorage.uploadDirect, 'function');
    for (const m of ['listBuckets', 'listObjects', 'deleteObject', 'getCdnUrl', 'initiateUpload']) assert.equal(typeof ZiBStorage.prototype[m], 'function', m);
  });

  it('plain Node ESM (no tsx) imports it by name and by default', () => {
    const code = "import Z, { ZiBStorage } from '@omnigate/zib-sdk'; if (Z !== ZiBStorage || typeof Z.uploadDirect !== 'function') process.exit(3);";
    const run = spawnSync(process.execPath, ['--input-type=module', '-e', code], { cwd: new URL('../..', import.meta.url).pathname, encoding: 'utf8' });
    assert.equal(run.status, 0, run.stderr);
  });

  it('as a classic script (no module, no exports) it defines a global ZiBStorage that encrypts', async () => {
    const context = vm.createContext({ crypto: globalThis.crypto, atob, Blob, Uint8Array, ArrayBuffer, DataView, Promise, setTimeout, clearTimeout });
    vm.runInContext(readFileSync(SDK_PATH, 'utf8'), context, { filename: 'zib-sdk.js' });
    const Global = context.ZiBStorage as typeof ZiBStorage;
    assert.equal(typeof Global, 'function');
    const v = vectors[1]!;
    const out = await Global._format.seal(Buffer.from(v.plaintext, 'hex'), { key: Buffer.from(v.key, 'hex'), noncePrefix: Buffer.from(v.noncePrefix, 'hex') });
    assert.equal(Buffer.from(out).toString('hex'), v.ciphertext);
  });

  it('the instance needs credentials and never shows the secret when logged', () => {
    assert.throws(() => new ZiBStorage({ accessKey: 'a' }), { code: 'InvalidArgument' });
    const zib = new ZiBStorage({ accessKey: 'AK', secretKey: 'very-secret', endpoint: 'http://127.0.0.1:1/zib/' });
    assert.equal(zib.getCdnUrl('a1b2'), 'http://127.0.0.1:1/zib/objects/a1b2');
    assert.ok(!JSON.stringify(zib).includes('very-secret'));
    assert.ok(!Object.keys(zib).some((k) => String((zib as Record<string, unknown>)[k]).includes('very-secret')));
  });

  it('parses S3 listing XML without a DOM (entities, CDATA, self-closing tags, namespaces)', () => {
    const xml = `<?xml version="1.0" encoding="UTF-8"?>
<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>b</Name><Prefix/><IsTruncated>true</IsTruncated>
  <Contents><Key>a &amp; b &lt;c&gt; &#233;&#x4e2d;.txt</Key><LastModified>2026-11-23T00:00:00.000Z</LastModified><ETag>&quot;abc&quot;</ETag><Size>12</Size></Contents>
  <Contents><Key><![CDATA[x<y]]></Key><Size>0</Size><ETag>"d41d8cd98f00b204e9800998ecf8427e"</ETag></Contents>
  <CommonPrefixes><Prefix>dir/</Prefix></CommonPrefixes><NextMarker>x&lt;y</NextMarker></ListBucketResult>`;
    const list = ZiBStorage.parseObjectList(xml);
    assert.deepEqual(list.objects.map((o: { key: string }) => o.key), ['a & b <c> é中.txt', 'x<y']);
    assert.deepEqual(list.objects.map((o: { size: number }) => o.size), [12, 0]);
    assert.equal(list.objects[0].etag, 'abc');
    assert.deepEqual(list.common_prefixes, ['dir/']);
    assert.equal(list.is_truncated, true);
    assert.equal(list.next_marker, 'x<y');
    const buckets = ZiBStorage.parseBucketList('<ListAllMyBucketsResult><Owner><ID>1</ID></Owner><Buckets><Bucket><Name>one</Name><CreationDate>2026-01-01T00:00:00Z</CreationDate></Bucket><Bucket><Name>two</Name></Bucket></Buckets></ListAllMyBucketsResult>');
    assert.deepEqual(buckets.map((b: { name: string }) => b.name), ['one', 'two']);
    assert.throws(() => ZiBStorage.parseXml('<a><b></a>'), { code: 'BadResponse' });
  });
});
