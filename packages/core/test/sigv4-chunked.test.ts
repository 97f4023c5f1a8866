/**
 * createPayloadDecoder: aws-chunked bodies checked against ground truth — the AWS documentation's published examples
 * (66560 bytes of 'a', with and without a signed trailer), chunk chains signed by the real AWS signer, and what the
 * real S3 client sends for streams (STREAMING-UNSIGNED-PAYLOAD-TRAILER with an x-amz-checksum-crc32 trailer).
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { Readable } from 'node:stream';
import { crc32 } from 'node:zlib';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { verifySigV4, type SigV4Result } from '../src/auth/index.js';
import {
  AK, clockOf, decode, decodeError, docSigningKey, docTrailerSignature, lookupOf, recordS3, requestOf, signHeader, SK, smithyChunkedBody,
} from './helpers/sigv4.js';

const DOC_NOW = () => new Date('2013-05-24T00:00:00Z');
const A1 = Buffer.alloc(65536, 'a');
const A2 = Buffer.alloc(1024, 'a');

/** The AWS documentation's PUT /examplebucket/chunkObject.txt examples ("sigv4-streaming", "sigv4-streaming-trailers"). */
function docRequest(trailer: boolean) {
  const headers: Record<string, string> = {
    host: 's3.amazonaws.com', 'x-amz-date': '20130524T000000Z', 'x-amz-storage-class': 'REDUCED_REDUNDANCY', 'content-encoding': 'aws-chunked',
    'x-amz-decoded-content-length': '66560', 'content-length': '66824',
  };
  if (trailer) {
    headers['x-amz-content-sha256'] = 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER';
    headers['x-amz-trailer'] = 'x-amz-checksum-crc32c';
    headers['authorization'] = `AWS4-HMAC-SHA256 Credential=${AK}/20130524/us-east-1/s3/aws4_request,SignedHeaders=content-encoding;host;x-amz-content-sha256;x-amz-date;x-amz-decoded-content-length;x-amz-storage-class;x-amz-trailer,Signature=106e2a8a18243abcf37539882f36619c00e2dfc72633413f02d3b74544bfeb8e`;
  } else {
    headers['x-amz-content-sha256'] = 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD';
    headers['authorization'] = `AWS4-HMAC-SHA256 Credential=${AK}/20130524/us-east-1/s3/aws4_request,SignedHeaders=content-encoding;content-length;host;x-amz-content-sha256;x-amz-date;x-amz-decoded-content-length;x-amz-storage-class,Signature=4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9`;
  }
  return { method: 'PUT', rawPath: '/examplebucket/chunkObject.txt', rawQuery: '', headers };
}

const DOC_SIGS = ['ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648', '0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497',
  'b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9'];
const DOC_TRAILER_SIGS = ['b474d8862b1487a5145d686f57f013e54db672cee1c953b3010fb58501ef5aa2', '1c1344b170168f8e65b41376b44b20fe354e373826ccbbe2c1d40a8cae51e5c7',
  '2ca2aba2005185cf7159c6277faf83795951dd77a3a99e6e65d5c9f85863f992'];
const DOC_TRAILER = 'x-amz-checksum-crc32c:sOO8/Q==\r\nx-amz-trailer-signature:d81f82fc3505edab99d459891051a732e8730629a2e4a59689829ca17fe2e435\r\n';

function docBody(sigs = DOC_SIGS, tail = '\r\n'): Buffer {
  return Buffer.concat([Buffer.from(`10000;chunk-signature=${sigs[0]}\r\n`), A1, Buffer.from(`\r\n400;chunk-signature=${sigs[1]}\r\n`), A2,
    Buffer.from(`\r\n0;chunk-signature=${sigs[2]}\r\n${tail}`)]);
}

const verified = (trailer: boolean) => verifySigV4(docRequest(trailer), lookupOf({ [AK]: SK }), { now: DOC_NOW });

describe('the AWS documentation examples (published signatures)', () => {
  it('STREAMING-AWS4-HMAC-SHA256-PAYLOAD: the seed verifies and the body decodes, however it is sliced', async () => {
    const result = await verified(false);
    assert.deepEqual(result.payload, { kind: 'streaming-signed', trailer: false });
    assert.equal(result.decodedContentLength, 66560);
    assert.equal(docBody().length, 66824); // the example's Content-Length
    for (const slice of [1, 7, 86, 65536, 100000]) {
      const { data, trailers } = await decode(result, docBody(), slice);
      assert.equal(data.length, 66560);
      assert.ok(data.every((b) => b === 0x61));
      assert.deepEqual(trailers, {});
    }
  });

  it('STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER: chunk and trailer signatures verify; trailers are returned', async () => {
    const result = await verified(true);
    assert.deepEqual(result.payload, { kind: 'streaming-signed', trailer: true });
    // The trailer signature as documented, recomputed independently: canonical trailers are "name:value\n".
    const key = docSigningKey(SK, '20130524', 'us-east-1');
    assert.equal(docTrailerSignature(key, '20130524T000000Z', '20130524/us-east-1/s3/aws4_request', DOC_TRAILER_SIGS[2]!, { 'x-amz-checksum-crc32c': 'sOO8/Q==' }),
      'd81f82fc3505edab99d459891051a732e8730629a2e4a59689829ca17fe2e435');
    // As published, and the variants seen in the wild: a blank line before the trailers, no final CRLF.
    for (const tail of [DOC_TRAILER + '\r\n', '\r\n' + DOC_TRAILER, DOC_TRAILER]) {
      for (const slice of [1, 1000, 70000]) {
        const { data, trailers } = await decode(result, docBody(DOC_TRAILER_SIGS, tail), slice);
        assert.equal(data.length, 66560);
        assert.deepEqual(trailers, { 'x-amz-checksum-crc32c': 'sOO8/Q==' });
      }
    }
  });

  it('tampered data, a dropped or reordered chunk, a bad chunk signature → SignatureDoesNotMatch before the chunk is passed on', async () => {
    const result = await verified(false);
    const tampered = docBody();
    tampered[100] = 0x62;
    assertFailure(await decodeError(result, tampered), 'SignatureDoesNotMatch', /chunk 1/, 0);
    const late = docBody();
    late[86 + 65536 + 2 + 86 + 10] = 0x62; // in chunk 2: chunk 1 (verified) got out, chunk 2 did not
    assertFailure(await decodeError(result, late), 'SignatureDoesNotMatch', /chunk 2/, 65536);
    const dropped = Buffer.concat([Buffer.from(`400;chunk-signature=${DOC_SIGS[1]}\r\n`), A2, Buffer.from(`\r\n0;chunk-signature=${DOC_SIGS[2]}\r\n\r\n`)]);
    assert.equal((await decodeError(result, dropped)).error?.code, 'SignatureDoesNotMatch');
    const badSig = docBody([DOC_SIGS[0]!, DOC_SIGS[0]!, DOC_SIGS[2]!]);
    assert.equal((await decodeError(result, badSig)).error?.code, 'SignatureDoesNotMatch');
    const noSig = Buffer.concat([Buffer.from('10000\r\n'), A1]);
    assert.equal((await decodeError(result, noSig)).error?.code, 'InvalidArgument');
  });

  it('tampered, missing or misplaced trailers → SignatureDoesNotMatch / IncompleteBody / InvalidArgument', async () => {
    const result = await verified(true);
    const body = (tail: string) => docBody(DOC_TRAILER_SIGS, tail);
    assert.equal((await decodeError(result, body(DOC_TRAILER.replace('sOO8', 'sOO9') + '\r\n'))).error?.code, 'SignatureDoesNotMatch');
    assert.equal((await decodeError(result, body('x-amz-checksum-crc32c:sOO8/Q==\r\n\r\n'))).error?.code, 'IncompleteBody');
    assert.equal((await decodeError(result, body('\r\n'))).error?.code, 'IncompleteBody');
    assert.equal((await decodeError(result, body(DOC_TRAILER + 'x-amz-late:1\r\n\r\n'))).error?.code, 'InvalidArgument');
    assert.equal((await decodeError(result, body(DOC_TRAILER + '\r\nmore'))).error?.code, 'InvalidArgument');
  });

  it('truncation, malformed framing and length mismatches → IncompleteBody / InvalidArgument', async () => {
    const result = await verified(false);
    const full = docBody();
    for (const cut of [0, 50, 86 + 1000, 86 + 65536 + 1, full.length - 90]) {
      assert.equal((await decodeError(result, full.subarray(0, cut))).error?.code, 'IncompleteBody', `cut at ${cut}`);
    }
    const code = async (body: Buffer, r: SigV4Result = result) => (await decodeError(r, body)).error?.code;
    assert.equal(await code(Buffer.concat([Buffer.from(`zz;chunk-signature=${DOC_SIGS[0]}\r\n`), A1])), 'InvalidArgument');
    assert.equal(await code(Buffer.from(`10000;chunk-signature=${DOC_SIGS[0]}\n`)), 'InvalidArgument'); // LF without CR
    assert.equal(await code(Buffer.concat([Buffer.from(`10000;chunk-signature=${DOC_SIGS[0]}\r\n`), A1, Buffer.from('XX')])), 'InvalidArgument');
    assert.equal(await code(Buffer.from('1'.repeat(5000))), 'InvalidArgument'); // an endless size line
    assert.equal(await code(Buffer.from(`1000001;chunk-signature=${DOC_SIGS[0]}\r\n`)), 'InvalidArgument'); // over 16 MiB
    assert.equal(await code(Buffer.concat([full, Buffer.from('10;chunk-signature=x\r\n')])), 'InvalidArgument'); // data after the end
    assert.equal(await code(full, { ...result, decodedContentLength: 66561 }), 'IncompleteBody');
    assert.equal(await code(full, { ...result, decodedContentLength: 1000 }), 'IncompleteBody');
    await decode({ ...result, decodedContentLength: undefined }, full);
  });
});

describe('chunk chains signed by the real AWS signer', () => {
  it('random chunk sizes and slicings decode to the original bytes; trailers verify', async () => {
    const date = new Date('2024-07-01T12:00:00Z');
    for (const [sizes, trailer] of [[[8192, 65536, 3], false], [[1, 2, 3], true], [[], true], [[200000], false]] as Array<[number[], boolean]>) {
      const chunks = sizes.map((n) => randomBytes(n));
      const total = sizes.reduce((a, b) => a + b, 0);
      const req = await signHeader({ method: 'PUT', path: '/b/streamed%20key', date, headers: {
        'x-amz-content-sha256': trailer ? 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER' : 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD',
        'content-encoding': 'aws-chunked', 'x-amz-decoded-content-length': String(total), ...(trailer ? { 'x-amz-trailer': 'x-amz-checksum-sha256' } : {}),
      } });
      const result = await verifySigV4(req, lookupOf(), { now: () => date });
      const trailers = trailer ? { 'x-amz-checksum-sha256': 'n4bQgYhMfWWaL+qgxVrQFaO/TxsrC4Is0V1sFbDwCgg=' } : undefined;
      const { body } = await smithyChunkedBody({ chunks, seed: result.signingContext.seedSignature, date, trailers });
      for (const slice of [3, 4096, 1 << 20]) {
        const out = await decode(result, body, slice);
        assert.deepEqual(out.data, Buffer.concat(chunks));
        assert.deepEqual(out.trailers, trailers ?? {});
      }
      if (chunks.length > 1) { // the chain binds the order: swap two chunks
        const swapped = await smithyChunkedBody({ chunks: [chunks[1]!, chunks[0]!, ...chunks.slice(2)], seed: 'f'.repeat(64), date });
        assert.equal((await decodeError(result, swapped.body)).error?.code, 'SignatureDoesNotMatch');
      }
    }
  });
});

describe('what the real S3 client sends for a stream (STREAMING-UNSIGNED-PAYLOAD-TRAILER)', () => {
  it('decodes to the bytes sent, with the x-amz-checksum-crc32 trailer, and catches truncation and length mismatches', async () => {
    const parts = [randomBytes(70000), randomBytes(5), Buffer.alloc(0), randomBytes(65536)];
    const recorded = await recordS3(async (s3) => {
      await s3.send(new PutObjectCommand({ Bucket: 'b', Key: 'streamed ü+', Body: Readable.from(parts), ContentLength: 135541 }));
      await s3.send(new PutObjectCommand({ Bucket: 'b', Key: 'empty', Body: Readable.from([]), ContentLength: 0 }));
    });
    for (const rec of recorded) {
      const req = requestOf(rec);
      const result = await verifySigV4(req, lookupOf(), { now: clockOf(req) });
      const expected = rec.url.startsWith('/b/empty') ? Buffer.alloc(0) : Buffer.concat(parts);
      assert.deepEqual(result.payload, { kind: 'streaming-unsigned-trailer' });
      assert.equal(result.decodedContentLength, expected.length);
      const { data, trailers } = await decode(result, rec.body, 1000);
      assert.deepEqual(data, expected);
      const crc = Buffer.alloc(4);
      crc.writeUInt32BE(crc32(expected));
      assert.deepEqual(trailers, { 'x-amz-checksum-crc32': crc.toString('base64') });
      if (expected.length > 0) {
        assert.equal((await decodeError(result, rec.body.subarray(0, rec.body.length - 40))).error?.code, 'IncompleteBody');
        assert.equal((await decodeError({ ...result, decodedContentLength: expected.length - 1 }, rec.body)).error?.code, 'IncompleteBody');
      }
    }
  });
});

describe('non-streaming payloads', () => {
  it('sha256: a body that hashes differently → XAmzContentSHA256Mismatch; unsigned: a pass-through', async () => {
    const date = new Date('2024-07-01T12:00:00Z');
    const req = await signHeader({ method: 'PUT', path: '/b/k', body: 'the signed body', date });
    const result = await verifySigV4(req, lookupOf(), { now: () => date });
    assert.deepEqual((await decode(result, Buffer.from('the signed body'), 2)).data, Buffer.from('the signed body'));
    assert.equal((await decodeError(result, Buffer.from('the signed bodY'))).error?.code, 'XAmzContentSHA256Mismatch');
    assert.equal((await decodeError(result, Buffer.from('the signed'))).error?.code, 'XAmzContentSHA256Mismatch');
    const unsigned = { ...result, payload: { kind: 'unsigned' as const } };
    assert.deepEqual((await decode(unsigned, Buffer.from('x'.repeat(100000)), 777)).data, Buffer.from('x'.repeat(100000)));
  });
});

function assertFailure(got: Awaited<ReturnType<typeof decodeError>>, code: string, message: RegExp, emitted: number): void {
  assert.equal(got.error?.code, code);
  assert.match(got.error!.message, message);
  assert.equal(got.emitted, emitted, 'bytes passed on before the failure');
}
