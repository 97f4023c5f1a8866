/**
 * Multipart checksums as S3 keeps them (https://docs.aws.amazon.com/AmazonS3/latest/userguide/checking-object-integrity.html):
 * - CreateMultipartUpload may declare x-amz-checksum-algorithm and x-amz-checksum-type: COMPOSITE (the default; not
 *   with CRC64NVME) or FULL_OBJECT (CRC algorithms only; the default for CRC64NVME). Every part then carries a
 *   checksum of that algorithm (checksums.ts refuses another one and computes it when a part sends none).
 * - CompleteMultipartUpload: a COMPOSITE upload's document must name every part's checksum. The object's checksum is
 *   COMPOSITE: base64(hash(the parts' raw digests, concatenated)) + "-<parts>", or FULL_OBJECT: the CRC of the whole
 *   object, combined from the parts' CRCs (crc.ts). The parts' values are kept too, for GetObjectAttributes.
 * - An upload that declared nothing but whose chosen parts all carry one CRC (AWS SDKs send CRC32 by default) gets
 *   that CRC as a FULL_OBJECT checksum. S3 itself attaches its default CRC64NVME there; we keep the CRC the client
 *   had verified instead of hashing every byte a second time.
 * - The Complete request's own x-amz-checksum-<algorithm> / x-amz-checksum-type are what the client expects of the
 *   object: a mismatch is BadDigest and nothing is created. So is a value we have nothing to check against (S3
 *   would check it against its default CRC64NVME): we do not accept an integrity claim unverified.
 */
import { StorageError, type ChecksumType, type ObjectAttributes, type PartInfo, type UploadInfo } from '@omnigate/core';
import { header, type S3Context } from './context.js';
import { createHasher, isChecksumAlgorithm, requestedChecksum, type ChecksumAlgorithm } from './checksums.js';
import { CRC_SPECS, crcCombine } from './crc.js';
import { S3Error } from './errors.js';

export interface UploadChecksum {
  algorithm: ChecksumAlgorithm;
  type: ChecksumType;
}

type CrcAlgorithm = keyof typeof CRC_SPECS;
const isCrc = (algorithm: string): algorithm is CrcAlgorithm => Object.hasOwn(CRC_SPECS, algorithm);

/** CreateMultipartUpload's declared algorithm and type, with S3's defaults; unsupported combinations are InvalidRequest. */
export function declaredUploadChecksum(ctx: S3Context): UploadChecksum | undefined {
  const named = header(ctx, 'x-amz-checksum-algorithm');
  const typeHeader = header(ctx, 'x-amz-checksum-type');
  if (named === undefined) {
    if (typeHeader !== undefined) throw new S3Error('InvalidRequest', 'The x-amz-checksum-type header can only be used with the x-amz-checksum-algorithm header.');
    return undefined;
  }
  const algorithm = named.toLowerCase();
  if (!isChecksumAlgorithm(algorithm)) {
    throw new S3Error('InvalidRequest', 'Checksum algorithm provided is unsupported. Please try again with any of the valid types: [CRC32, CRC32C, CRC64NVME, SHA1, SHA256]');
  }
  const type = typeHeader?.toUpperCase() ?? (algorithm === 'crc64nvme' ? 'FULL_OBJECT' : 'COMPOSITE');
  if (type !== 'COMPOSITE' && type !== 'FULL_OBJECT') throw new S3Error('InvalidRequest', 'Value for x-amz-checksum-type header is invalid.');
  if ((type === 'FULL_OBJECT' && !isCrc(algorithm)) || (type === 'COMPOSITE' && algorithm === 'crc64nvme')) {
    throw new S3Error('InvalidRequest', `The ${type} checksum type cannot be used with the ${algorithm} checksum algorithm.`);
  }
  return { algorithm, type };
}

/** What an upload declared when it was created, if anything. */
export function uploadChecksumOf(upload: UploadInfo): UploadChecksum | undefined {
  const { checksumAlgorithm, checksumType } = upload.attributes;
  return checksumAlgorithm && isChecksumAlgorithm(checksumAlgorithm) ? { algorithm: checksumAlgorithm, type: checksumType ?? 'COMPOSITE' } : undefined;
}

/**
 * The completed object's checksum attributes from the chosen parts (in order) and the per-part checksums the
 * document named (by part number; the core has already checked them against the stored ones).
 */
export function completedChecksum(ctx: S3Context, upload: UploadInfo, parts: PartInfo[], named: ReadonlyMap<number, Record<string, string>>): Partial<ObjectAttributes> {
  const declared = uploadChecksumOf(upload);
  if (declared?.type === 'COMPOSITE') {
    const missing = parts.find((p) => named.get(p.partNumber)?.[declared.algorithm] === undefined);
    if (missing) {
      throw new S3Error('InvalidRequest', `The upload was created using a ${declared.algorithm} checksum. The complete request must include the checksum for each part. It was missing for part ${missing.partNumber} in the request.`);
    }
  }
  const algorithm = declared?.algorithm ?? (['crc64nvme', 'crc32c', 'crc32'] as const).find((a) => parts.every((p) => p.checksums[a] !== undefined));
  const values = algorithm ? parts.map((p) => p.checksums[algorithm]) : [];
  const result: Partial<ObjectAttributes> = {};
  if (algorithm && values.every((v): v is string => v !== undefined)) {
    const type = declared?.type ?? 'FULL_OBJECT';
    const value = type === 'COMPOSITE' ? compositeChecksum(algorithm, values) : fullObjectChecksum(algorithm as CrcAlgorithm, parts, values);
    Object.assign(result, { checksums: { [algorithm]: value }, checksumType: type, partChecksums: values });
  }
  checkExpected(ctx, result);
  return result;
}

/** base64(hash(concatenated raw part digests)) + "-<parts>". */
function compositeChecksum(algorithm: ChecksumAlgorithm, values: string[]): string {
  const hasher = createHasher(algorithm);
  hasher.update(Buffer.concat(values.map((v) => Buffer.from(v, 'base64'))));
  return `${hasher.digest().toString('base64')}-${values.length}`;
}

/** The CRC of the whole object: the parts' CRCs combined in order. */
function fullObjectChecksum(algorithm: CrcAlgorithm, parts: PartInfo[], values: string[]): string {
  const spec = CRC_SPECS[algorithm];
  const crc = values.reduce((acc, value, i) => {
    const partCrc = BigInt(`0x${Buffer.from(value, 'base64').toString('hex')}`);
    return i === 0 ? partCrc : crcCombine(spec, acc, partCrc, parts[i]!.size);
  }, 0n);
  return Buffer.from(crc.toString(16).padStart(spec.bits / 4, '0'), 'hex').toString('base64');
}

/** The Complete request's x-amz-checksum-type and x-amz-checksum-<algorithm> must describe the object we derived. */
function checkExpected(ctx: S3Context, result: Partial<ObjectAttributes>): void {
  const type = header(ctx, 'x-amz-checksum-type')?.toUpperCase();
  // With no checksum derived (an undeclared upload of unchecksummed parts) S3 would report its default FULL_OBJECT.
  if (type !== undefined && type !== (result.checksumType ?? 'FULL_OBJECT')) {
    throw new StorageError('BadDigest', `The ${type} checksum type you specified did not match the checksum type of the upload.`);
  }
  const wanted = requestedChecksum(ctx);
  if (wanted?.expected === undefined) return;
  const actual = result.checksums?.[wanted.algorithm]?.replace(/-\d+$/, '');
  if (actual !== wanted.expected) throw new StorageError('BadDigest', `The ${wanted.algorithm.toUpperCase()} you specified did not match the calculated checksum.`);
}
