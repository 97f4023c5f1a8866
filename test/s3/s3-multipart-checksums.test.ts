/**
 * Multipart flexible checksums through the AWS SDK: declared at CreateMultipartUpload, kept per part (ListParts),
 * checked and combined at CompleteMultipartUpload (COMPOSITE `<hash of part digests>-N`, FULL_OBJECT the CRC of the
 * whole object), returned by HeadObject/GetObject with checksum mode and by GetObjectAttributes. Expected values are
 * computed here from the known bytes (node:crypto, zlib.crc32, bit-at-a-time CRC32C / CRC64NVME), never by our code.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { crc32 } from 'node:zlib';
import { after, before, describe, test } from 'node:test';
import {
  CompleteMultipartUploadCommand, CopyObjectCommand, CreateBucketCommand, CreateMultipartUploadCommand, GetObjectAttributesCommand,
  GetObjectCommand, HeadObjectCommand, ListMultipartUploadsCommand, ListObjectsV2Command, ListPartsCommand, PutObjectCommand, UploadPartCommand, UploadPartCopyCommand,
  type ChecksumAlgorithm, type CompletedPart,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { pseudoRandomBytes } from '../helpers/storage-fixture.js';
import { s3Error, startS3Server, type S3TestServer } from './s3-server.js';

const MIN_PART = 1024; // this server's minimum part size, so parts stay small
const MiB = 1024 * 1024;

/** Reference bit-at-a-time reflected CRC (init and xorout all ones), 4 or 8 big-endian bytes. */
function referenceCrc(data: Buffer, poly: bigint, bits: 32 | 64): Buffer {
  const mask = (1n << BigInt(bits)) - 1n;
  let crc = mask;
  for (const byte of data) {
    crc ^= BigInt(byte);
    for (let k = 0; k < 8; k++) crc = crc & 1n ? (crc >> 1n) ^ poly : crc >> 1n;
  }
  return Buffer.from(((crc ^ mask) & mask).toString(16).padStart(bits / 4, '0'), 'hex');
}

/** The raw digest of `data` in S3's algorithm. */
function digest(algorithm: ChecksumAlgorithm, data: Buffer): Buffer {
  switch (algorithm) {
    case 'CRC32': { const b = Buffer.alloc(4); b.writeUInt32BE(crc32(data)); return b; }
    case 'CRC32C': return referenceCrc(data, 0x82f63b78n, 32);
    case 'CRC64NVME': return referenceCrc(data, 0x9a6c9329ac4bc9b5n, 64);
    default: return createHash(algorithm.toLowerCase()).update(data).digest();
  }
}
const b64 = (algorithm: ChecksumAlgorithm, data: Buffer) => digest(algorithm, data).toString('base64');
const composite = (algorithm: ChecksumAlgorithm, parts: Buffer[]) =>
  `${b64(algorithm, Buffer.concat(parts.map((p) => digest(algorithm, p))))}-${parts.length}`;
const field = (algorithm: ChecksumAlgorithm) => `Checksum${algorithm}` as `Checksum${ChecksumAlgorithm}`;

describe('S3 multipart checksums', () => {
  let s3: S3TestServer;
  const Bucket = 'mp-checksums';
  const parts = [pseudoRandomBytes(MIN_PART + 5, 41), pseudoRandomBytes(MIN_PART * 2, 42), pseudoRandomBytes(777, 43)];
  const whole = Buffer.concat(parts);
  before(async () => {
    s3 = await startS3Server({ storage: { minPartSize: MIN_PART } });
    await s3.client.send(new CreateBucketCommand({ Bucket }));
  });
  after(async () => {
    await s3.close();
  });

  async function uploadParts(Key: string, UploadId: string, ChecksumAlgorithm?: ChecksumAlgorithm) {
    const out = [];
    for (const [i, Body] of parts.entries()) {
      out.push(await s3.client.send(new UploadPartCommand({ Bucket, Key, UploadId, PartNumber: i + 1, Body, ChecksumAlgorithm })));
    }
    return out;
  }

  for (const algorithm of ['CRC32', 'SHA256', 'CRC32C', 'SHA1'] as const) {
    test(`${algorithm} COMPOSITE: parts keep their checksums; complete checks them and stores <hash of digests>-N`, async () => {
      const Key = `composite-${algorithm}`;
      const created = await s3.client.send(new CreateMultipartUploadCommand({ Bucket, Key, ChecksumAlgorithm: algorithm }));
      assert.deepEqual([created.ChecksumAlgorithm, created.ChecksumType], [algorithm, 'COMPOSITE']);
      const UploadId = created.UploadId!;
      const uploaded = await uploadParts(Key, UploadId, algorithm);
      assert.deepEqual(uploaded.map((p) => p[field(algorithm)]), parts.map((p) => b64(algorithm, p)));

      const listed = await s3.client.send(new ListPartsCommand({ Bucket, Key, UploadId }));
      assert.deepEqual([listed.ChecksumAlgorithm, listed.ChecksumType], [algorithm, 'COMPOSITE']);
      assert.deepEqual(listed.Parts?.map((p) => [p.PartNumber, p[field(algorithm)]]), parts.map((p, i) => [i + 1, b64(algorithm, p)]));

      const good: CompletedPart[] = uploaded.map((p, i) => ({ PartNumber: i + 1, ETag: p.ETag, [field(algorithm)]: p[field(algorithm)] }));
      const wrong = good.map((p, i) => (i === 1 ? { ...p, [field(algorithm)]: b64(algorithm, parts[0]!) } : p));
      const refused = await s3Error(s3.client.send(new CompleteMultipartUploadCommand({ Bucket, Key, UploadId, MultipartUpload: { Parts: wrong } })));
      assert.deepEqual([refused.code, refused.status], ['InvalidPart', 400]);
      const missing = good.map((p, i) => (i === 2 ? { PartNumber: p.PartNumber, ETag: p.ETag } : p));
      const incomplete = await s3Error(s3.client.send(new CompleteMultipartUploadCommand({ Bucket, Key, UploadId, MultipartUpload: { Parts: missing } })));
      assert.deepEqual([incomplete.code, incomplete.status], ['InvalidRequest', 400]);
      assert.match(incomplete.message, /missing for part 3/);
      assert.equal((await s3Error(s3.client.send(new HeadObjectCommand({ Bucket, Key })))).status, 404, 'a refused completion creates nothing');

      const expected = composite(algorithm, parts);
      const done = await s3.client.send(new CompleteMultipartUploadCommand({ Bucket, Key, UploadId, MultipartUpload: { Parts: good } }));
      assert.deepEqual([done[field(algorithm)], done.ChecksumType], [expected, 'COMPOSITE']);
      const head = await s3.client.send(new HeadObjectCommand({ Bucket, Key, ChecksumMode: 'ENABLED' }));
      assert.deepEqual([head[field(algorithm)], head.ChecksumType], [expected, 'COMPOSITE']);
      assert.equal((await s3.client.send(new HeadObjectCommand({ Bucket, Key })))[field(algorithm)], undefined, 'only with checksum mode');
      const got = await s3.client.send(new GetObjectCommand({ Bucket, Key, ChecksumMode: 'ENABLED' }));
      assert.deepEqual([got[field(algorithm)], got.ChecksumType], [expected, 'COMPOSITE']);
      assert.ok(Buffer.from(await got.Body!.transformToByteArray()).equals(whole));

      const attrs = await s3.client.send(new GetObjectAttributesCommand({ Bucket, Key, ObjectAttributes: ['Checksum', 'ObjectParts'] }));
      assert.deepEqual([attrs.Checksum?.[field(algorithm)], attrs.Checksum?.ChecksumType], [expected.replace(/-3$/, ''), 'COMPOSITE']);
      assert.equal(attrs.ObjectParts?.TotalPartsCount, 3);
      assert.deepEqual(attrs.ObjectParts?.Parts?.map((p) => [p.PartNumber, p.Size, p[field(algorithm)]]), parts.map((p, i) => [i + 1, p.length, b64(algorithm, p)]));
      // One part read with checksum mode: that part's checksum (the SDK validates it over the part's bytes).
      const second = await s3.client.send(new GetObjectCommand({ Bucket, Key, PartNumber: 2, ChecksumMode: 'ENABLED' }));
      assert.equal(second[field(algorithm)], b64(algorithm, parts[1]!));
      assert.ok(Buffer.from(await second.Body!.transformToByteArray()).equals(parts[1]!));
      assert.equal((await s3.client.send(new HeadObjectCommand({ Bucket, Key, PartNumber: 3, ChecksumMode: 'ENABLED' })))[field(algorithm)], b64(algorithm, parts[2]!));
      const page = await s3.client.send(new GetObjectAttributesCommand({ Bucket, Key, ObjectAttributes: ['ObjectParts'], MaxParts: 1, PartNumberMarker: '1' }));
      assert.deepEqual([page.ObjectParts?.IsTruncated, page.ObjectParts?.NextPartNumberMarker, page.ObjectParts?.Parts?.map((p) => p.PartNumber)], [true, '2', [2]]);
    });
  }

  test('a part must use the upload\'s algorithm (InvalidRequest); one sent without a checksum gets it computed', async () => {
    const Key = 'part-algorithms';
    const { UploadId } = await s3.client.send(new CreateMultipartUploadCommand({ Bucket, Key, ChecksumAlgorithm: 'SHA256' }));
    const other = await s3Error(s3.client.send(new UploadPartCommand({ Bucket, Key, UploadId, PartNumber: 1, Body: parts[0], ChecksumAlgorithm: 'CRC32' })));
    assert.deepEqual([other.code, other.status], ['InvalidRequest', 400]);
    assert.match(other.message, /expected checksum Type: sha256, actual checksum Type: crc32/);
    const plain = s3.newClient({ requestChecksumCalculation: 'WHEN_REQUIRED' });
    const p1 = await plain.send(new UploadPartCommand({ Bucket, Key, UploadId, PartNumber: 1, Body: parts[0] }));
    assert.equal(p1.ChecksumSHA256, b64('SHA256', parts[0]!));
    const copied = await s3.client.send(new PutObjectCommand({ Bucket, Key: 'copy-source', Body: parts[1] }));
    assert.ok(copied.ETag);
    const p2 = await s3.client.send(new UploadPartCopyCommand({ Bucket, Key, UploadId, PartNumber: 2, CopySource: `${Bucket}/copy-source` }));
    assert.equal(p2.CopyPartResult?.ChecksumSHA256, b64('SHA256', parts[1]!), 'UploadPartCopy computes the upload\'s algorithm too');
    const listed = await s3.client.send(new ListPartsCommand({ Bucket, Key, UploadId }));
    assert.deepEqual(listed.Parts?.map((p) => p.ChecksumSHA256), [b64('SHA256', parts[0]!), b64('SHA256', parts[1]!)]);
    const done = await s3.client.send(new CompleteMultipartUploadCommand({
      Bucket, Key, UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: p1.ETag, ChecksumSHA256: p1.ChecksumSHA256 }, { PartNumber: 2, ETag: p2.CopyPartResult?.ETag, ChecksumSHA256: p2.CopyPartResult?.ChecksumSHA256 }] },
    }));
    assert.equal(done.ChecksumSHA256, composite('SHA256', [parts[0]!, parts[1]!]));
  });

  test('create refuses unsupported algorithm/type combinations as S3 does; CRC64NVME defaults to FULL_OBJECT', async () => {
    for (const [ChecksumAlgorithm, ChecksumType] of [['SHA256', 'FULL_OBJECT'], ['SHA1', 'FULL_OBJECT'], ['CRC64NVME', 'COMPOSITE']] as const) {
      const err = await s3Error(s3.client.send(new CreateMultipartUploadCommand({ Bucket, Key: 'bad', ChecksumAlgorithm, ChecksumType })));
      assert.deepEqual([err.code, err.status], ['InvalidRequest', 400], `${ChecksumAlgorithm} ${ChecksumType}`);
      assert.match(err.message, new RegExp(`${ChecksumType} checksum type cannot be used with the ${ChecksumAlgorithm.toLowerCase()}`));
    }
    const nvme = await s3.client.send(new CreateMultipartUploadCommand({ Bucket, Key: 'nvme', ChecksumAlgorithm: 'CRC64NVME' }));
    assert.deepEqual([nvme.ChecksumAlgorithm, nvme.ChecksumType], ['CRC64NVME', 'FULL_OBJECT']);
    const uploads = await s3.client.send(new ListMultipartUploadsCommand({ Bucket, Prefix: 'nvme' }));
    assert.deepEqual(uploads.Uploads?.map((u) => [u.UploadId, u.ChecksumAlgorithm, u.ChecksumType]), [[nvme.UploadId, 'CRC64NVME', 'FULL_OBJECT']]);
  });

  for (const algorithm of ['CRC32', 'CRC32C', 'CRC64NVME'] as const) {
    test(`${algorithm} FULL_OBJECT: the object's checksum is the CRC of the whole body, combined from the parts`, async () => {
      const Key = `full-${algorithm}`;
      const created = await s3.client.send(new CreateMultipartUploadCommand({ Bucket, Key, ChecksumAlgorithm: algorithm, ChecksumType: 'FULL_OBJECT' }));
      assert.deepEqual([created.ChecksumAlgorithm, created.ChecksumType], [algorithm, 'FULL_OBJECT']);
      const UploadId = created.UploadId!;
      const uploaded = await uploadParts(Key, UploadId, algorithm);
      const expected = algorithm === 'CRC32' ? (() => { const b = Buffer.alloc(4); b.writeUInt32BE(crc32(whole)); return b.toString('base64'); })() : b64(algorithm, whole);
      const Parts = uploaded.map((p, i) => ({ PartNumber: i + 1, ETag: p.ETag }));
      const wrong = await s3Error(s3.client.send(new CompleteMultipartUploadCommand({ Bucket, Key, UploadId, MultipartUpload: { Parts }, [field(algorithm)]: b64(algorithm, parts[0]!), ChecksumType: 'FULL_OBJECT' })));
      assert.deepEqual([wrong.code, wrong.status], ['BadDigest', 400], 'the whole-object checksum the client names must match');
      const done = await s3.client.send(new CompleteMultipartUploadCommand({ Bucket, Key, UploadId, MultipartUpload: { Parts }, [field(algorithm)]: expected, ChecksumType: 'FULL_OBJECT' }));
      assert.deepEqual([done[field(algorithm)], done.ChecksumType], [expected, 'FULL_OBJECT']);
      const head = await s3.client.send(new HeadObjectCommand({ Bucket, Key, ChecksumMode: 'ENABLED' }));
      assert.deepEqual([head[field(algorithm)], head.ChecksumType], [expected, 'FULL_OBJECT']);
      // The SDK validates a full-object checksum over the body it reads.
      const got = await s3.client.send(new GetObjectCommand({ Bucket, Key, ChecksumMode: 'ENABLED' }));
      assert.ok(Buffer.from(await got.Body!.transformToByteArray()).equals(whole));
      const attrs = await s3.client.send(new GetObjectAttributesCommand({ Bucket, Key, ObjectAttributes: ['Checksum'] }));
      assert.deepEqual([attrs.Checksum?.[field(algorithm)], attrs.Checksum?.ChecksumType], [expected, 'FULL_OBJECT']);
      const onePart = await s3.client.send(new HeadObjectCommand({ Bucket, Key, PartNumber: 1, ChecksumMode: 'ENABLED' }));
      assert.equal(onePart[field(algorithm)], undefined, 'a FULL_OBJECT object of several parts shows no part checksum');
    });
  }

  test('an upload that declared nothing, with SDK-default CRC32 parts, gets the full-object CRC32', async () => {
    const Key = 'undeclared';
    const { UploadId, ChecksumAlgorithm } = await s3.client.send(new CreateMultipartUploadCommand({ Bucket, Key }));
    assert.equal(ChecksumAlgorithm, undefined);
    const uploaded = await uploadParts(Key, UploadId!);
    assert.deepEqual(uploaded.map((p) => p.ChecksumCRC32), parts.map((p) => b64('CRC32', p)), 'the SDK sends CRC32 by default');
    const listed = await s3.client.send(new ListPartsCommand({ Bucket, Key, UploadId }));
    assert.deepEqual([listed.ChecksumAlgorithm, listed.Parts?.map((p) => p.ChecksumCRC32)], [undefined, parts.map((p) => b64('CRC32', p))]);
    const done = await s3.client.send(new CompleteMultipartUploadCommand({ Bucket, Key, UploadId, MultipartUpload: { Parts: uploaded.map((p, i) => ({ PartNumber: i + 1, ETag: p.ETag })) } }));
    const expected = Buffer.alloc(4);
    expected.writeUInt32BE(crc32(whole));
    assert.deepEqual([done.ChecksumCRC32, done.ChecksumType], [expected.toString('base64'), 'FULL_OBJECT']);
    const head = await s3.client.send(new HeadObjectCommand({ Bucket, Key, ChecksumMode: 'ENABLED' }));
    assert.deepEqual([head.ChecksumCRC32, head.ChecksumType], [expected.toString('base64'), 'FULL_OBJECT']);

    // Parts without checksums: the object has none.
    const plain = s3.newClient({ requestChecksumCalculation: 'WHEN_REQUIRED' });
    const bare = await plain.send(new CreateMultipartUploadCommand({ Bucket, Key: 'bare' }));
    const p1 = await plain.send(new UploadPartCommand({ Bucket, Key: 'bare', UploadId: bare.UploadId, PartNumber: 1, Body: parts[2] }));
    assert.equal(p1.ChecksumCRC32, undefined);
    const bareDone = await plain.send(new CompleteMultipartUploadCommand({ Bucket, Key: 'bare', UploadId: bare.UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: p1.ETag }] } }));
    assert.deepEqual([bareDone.ChecksumCRC32, bareDone.ChecksumType], [undefined, undefined]);
  });

  test('lib-storage Upload with default SDK settings: a CRC32 COMPOSITE checksum of its parts, read back byte-identical', async () => {
    const body = pseudoRandomBytes(11 * MiB + 3, 44);
    const done = await new Upload({ client: s3.client, params: { Bucket, Key: 'lib-storage', Body: body }, partSize: 5 * MiB }).done();
    const expected = composite('CRC32', [body.subarray(0, 5 * MiB), body.subarray(5 * MiB, 10 * MiB), body.subarray(10 * MiB)]);
    assert.deepEqual([(done as { ChecksumCRC32?: string }).ChecksumCRC32, (done as { ChecksumType?: string }).ChecksumType], [expected, 'COMPOSITE']);
    const head = await s3.client.send(new HeadObjectCommand({ Bucket, Key: 'lib-storage', ChecksumMode: 'ENABLED' }));
    assert.deepEqual([head.ChecksumCRC32, head.ChecksumType, head.PartsCount], [expected, 'COMPOSITE', 3]);
    const got = await s3.client.send(new GetObjectCommand({ Bucket, Key: 'lib-storage' }));
    assert.ok(Buffer.from(await got.Body!.transformToByteArray()).equals(body));
    const listed = await s3.client.send(new ListObjectsV2Command({ Bucket, Prefix: 'lib-storage' }));
    assert.deepEqual(listed.Contents?.map((o) => [o.ChecksumAlgorithm, o.ChecksumType]), [[['CRC32'], 'COMPOSITE']]);
  });

  test('lib-storage Upload with ChecksumType FULL_OBJECT: the CRC32 of the whole body (zlib.crc32), over 5 MiB parts', async () => {
    const body = pseudoRandomBytes(12 * MiB + 11, 45);
    const done = await new Upload({ client: s3.client, params: { Bucket, Key: 'lib-storage-full', Body: body, ChecksumAlgorithm: 'CRC32', ChecksumType: 'FULL_OBJECT' }, partSize: 5 * MiB }).done();
    const expected = Buffer.alloc(4);
    expected.writeUInt32BE(crc32(body));
    assert.deepEqual([(done as { ChecksumCRC32?: string }).ChecksumCRC32, (done as { ChecksumType?: string }).ChecksumType], [expected.toString('base64'), 'FULL_OBJECT']);
    const got = await s3.client.send(new GetObjectCommand({ Bucket, Key: 'lib-storage-full', ChecksumMode: 'ENABLED' }));
    assert.deepEqual([got.ChecksumCRC32, got.ChecksumType], [expected.toString('base64'), 'FULL_OBJECT']);
    assert.ok(Buffer.from(await got.Body!.transformToByteArray()).equals(body));
  });

  test('CopyObject of a COMPOSITE object keeps its checksum and type', async () => {
    const Key = 'composite-SHA256';
    const source = await s3.client.send(new HeadObjectCommand({ Bucket, Key, ChecksumMode: 'ENABLED' }));
    assert.equal(source.ChecksumType, 'COMPOSITE');
    for (const MetadataDirective of ['COPY', 'REPLACE'] as const) {
      const copy = await s3.client.send(new CopyObjectCommand({ Bucket, Key: `copy-${MetadataDirective}`, CopySource: `${Bucket}/${Key}`, MetadataDirective }));
      assert.deepEqual([copy.CopyObjectResult?.ChecksumSHA256, copy.CopyObjectResult?.ChecksumType], [source.ChecksumSHA256, 'COMPOSITE']);
      const head = await s3.client.send(new HeadObjectCommand({ Bucket, Key: `copy-${MetadataDirective}`, ChecksumMode: 'ENABLED' }));
      assert.deepEqual([head.ChecksumSHA256, head.ChecksumType], [source.ChecksumSHA256, 'COMPOSITE']);
    }
  });
});
