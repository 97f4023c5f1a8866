import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { STORAGE_ERROR_CODES, StorageError } from '@omnigate/core';
import { crc32 } from 'node:zlib';
import { crc32c, Crc64Nvme, CRC_SPECS, crcCombine } from '../src/crc.js';
import { STORAGE_TO_S3, S3Error, toS3Error } from '../src/errors.js';
import { resolveS3Options } from '../src/options.js';
import { parseQuery } from '../src/request.js';
import { el, escapeXml, parseXmlBody, xmlDocument } from '../src/xml.js';
import { matchRule } from '../src/cors.js';
import { decodeToken, encodeToken, urlEncodeKey } from '../src/handlers/shared.js';

describe('S3 adapter units', () => {
  test('options: defaults, validation, frozen', () => {
    const o = resolveS3Options();
    assert.equal(o.region, 'us-east-1');
    assert.ok(o.reservedFirstSegments.has('zib') && o.reservedFirstSegments.has('metrics'));
    assert.ok(Object.isFrozen(o));
    assert.deepEqual(resolveS3Options({ virtualHostSuffixes: ['example.com', 's3.example.com'] }).virtualHostSuffixes, ['s3.example.com', 'example.com']);
    assert.throws(() => resolveS3Options({ region: 'US East' }), /region/);
    assert.throws(() => resolveS3Options({ virtualHostSuffixes: ['bad host'] }), /virtualHostSuffixes/);
    assert.throws(() => resolveS3Options({ reservedFirstSegments: ['a/b'] }), /reservedFirstSegments/);
    assert.throws(() => resolveS3Options({ maxXmlBodyBytes: 10 }), /maxXmlBodyBytes/);
  });

  test('every core error code maps to an S3 code and an HTTP status', () => {
    for (const code of STORAGE_ERROR_CODES) {
      const spec = STORAGE_TO_S3[code];
      assert.match(spec.code, /^[A-Z][A-Za-z0-9]+$/, code);
      assert.ok(spec.status >= 300 && spec.status < 600, code);
    }
    assert.deepEqual(toS3Error(new StorageError('KeyTooLong', 'long')), { code: 'KeyTooLongError', status: 400, message: 'long' });
    assert.deepEqual(toS3Error(new S3Error('MalformedXML', 'bad')), { code: 'MalformedXML', status: 400, message: 'bad' });
    const internal = toS3Error(new Error('secret detail'));
    assert.deepEqual([internal.code, internal.status], ['InternalError', 500]);
    assert.doesNotMatch(internal.message, /secret/);
  });

  test('CRC32C and CRC64/NVME check values, incremental', () => {
    const check = Buffer.from('123456789');
    assert.equal(crc32c(check), 0xe3069283);
    assert.equal(new Crc64Nvme().update(check).digest().toString('hex'), 'ae8b14860a799888');
    assert.equal(crc32c(check.subarray(4), crc32c(check.subarray(0, 4))), 0xe3069283);
    assert.equal(new Crc64Nvme().update(check.subarray(0, 3)).update(check.subarray(3)).digest().toString('hex'), 'ae8b14860a799888');
    assert.equal(crc32c(Buffer.alloc(0)), 0);
  });

  test('crcCombine: the CRC of A‖B from the CRCs of A and B, for CRC32, CRC32C and CRC64/NVME', () => {
    const data = Buffer.from(Array.from({ length: 70_000 }, (_, i) => (i * 131 + (i >> 7)) & 0xff));
    const nvme = (b: Buffer) => BigInt(`0x${new Crc64Nvme().update(b).digest().toString('hex')}`);
    for (const cut of [0, 1, 9, 4096, 65_537, data.length]) {
      const [a, b] = [data.subarray(0, cut), data.subarray(cut)];
      assert.equal(crcCombine(CRC_SPECS.crc32, BigInt(crc32(a)), BigInt(crc32(b)), b.length), BigInt(crc32(data)), `crc32 at ${cut}`);
      assert.equal(crcCombine(CRC_SPECS.crc32c, BigInt(crc32c(a)), BigInt(crc32c(b)), b.length), BigInt(crc32c(data)), `crc32c at ${cut}`);
      assert.equal(crcCombine(CRC_SPECS.crc64nvme, nvme(a), nvme(b), b.length), nvme(data), `crc64nvme at ${cut}`);
    }
  });

  test('XML: escaping, attributes, strict parsing', () => {
    assert.equal(escapeXml(`a&b<c>"d'\u0001\r`), 'a&amp;b&lt;c&gt;&quot;d&apos;&#x1;&#xD;');
    assert.equal(xmlDocument(el('R', [el('K', '<x>'), undefined, el('E')], { a: '"' }), null), '<?xml version="1.0" encoding="UTF-8"?>\n<R a="&quot;"><K>&lt;x&gt;</K><E/></R>');
    assert.deepEqual(parseXmlBody(Buffer.from('<?xml version="1.0"?><T xmlns="x"><A> v </A></T>'), 'T'), { A: ' v ' });
    assert.throws(() => parseXmlBody(Buffer.from('<T><A></T>'), 'T'), /not well-formed/);
    assert.throws(() => parseXmlBody(Buffer.from('<U/>'), 'T'), /not well-formed/);
    assert.throws(() => parseXmlBody(Buffer.from(''), 'T'), /not well-formed/);
  });

  test('query parsing, continuation tokens, url encoding of keys', () => {
    const q = parseQuery('list-type=2&prefix=a+b%2Bc&uploads&prefix=second');
    assert.deepEqual([...q], [['list-type', '2'], ['prefix', 'a b+c'], ['uploads', '']]);
    assert.equal(decodeToken(encodeToken('ü/key')), 'ü/key');
    assert.throws(() => decodeToken('***'), /continuation token/);
    assert.equal(urlEncodeKey('a b+c/ü'), 'a+b%2Bc/%C3%BC');
  });

  test('CORS rule matching: wildcards, methods, headers', () => {
    const rules = [{ allowedOrigins: ['https://*.example.com'], allowedMethods: ['GET'], allowedHeaders: ['x-amz-*'], exposeHeaders: [] }];
    assert.ok(matchRule(rules, 'https://a.example.com', 'GET', ['x-amz-date']));
    assert.equal(matchRule(rules, 'https://example.org', 'GET'), undefined);
    assert.equal(matchRule(rules, 'https://a.example.com', 'PUT'), undefined);
    assert.equal(matchRule(rules, 'https://a.example.com', 'GET', ['content-type']), undefined);
  });
});
