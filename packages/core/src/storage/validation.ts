import { StorageError } from '../errors.js';

/**
 * Naming rules shared by every protocol. Bucket names follow S3's rules for new buckets
 * (https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html); keys are 1..1024 bytes of UTF-8.
 */
const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const IP_ADDRESS = /^\d{1,3}(\.\d{1,3}){3}$/;
export const MAX_KEY_BYTES = 1024;
/** With the u flag a valid surrogate pair is one code point, so this matches only halves that cannot be UTF-8. */
const LONE_SURROGATE = /\p{Cs}/u;
/** S3's limit on user-defined metadata: names and values, UTF-8 bytes. */
export const MAX_METADATA_BYTES = 2048;

export function assertBucketName(name: string, reserved: ReadonlySet<string> = new Set()): void {
  const problem = bucketNameProblem(name, reserved);
  if (problem) throw new StorageError('InvalidBucketName', `The specified bucket is not valid: ${problem}`, { bucket: name });
}

function bucketNameProblem(name: string, reserved: ReadonlySet<string>): string | undefined {
  if (typeof name !== 'string' || name.length < 3 || name.length > 63) return 'bucket names must be 3 to 63 characters long';
  if (!BUCKET_NAME.test(name)) return 'use lower-case letters, digits, dots and hyphens, starting and ending with a letter or digit';
  if (name.includes('..') || name.includes('.-') || name.includes('-.')) return 'dots may not be adjacent to dots or hyphens';
  if (IP_ADDRESS.test(name)) return 'bucket names may not look like an IP address';
  if (name.startsWith('xn--') || name.startsWith('sthree-') || name.endsWith('-s3alias') || name.endsWith('--ol-s3')) {
    return 'that prefix or suffix is reserved';
  }
  if (reserved.has(name)) return `"${name}" is reserved by this server`;
  return undefined;
}

export function assertObjectKey(key: string): void {
  if (typeof key !== 'string' || key.length === 0) throw new StorageError('InvalidArgument', 'The object key must not be empty');
  if (Buffer.byteLength(key, 'utf8') > MAX_KEY_BYTES) {
    throw new StorageError('KeyTooLong', `Your key is too long: the limit is ${MAX_KEY_BYTES} bytes of UTF-8`);
  }
  if (LONE_SURROGATE.test(key)) throw new StorageError('InvalidArgument', 'The object key is not valid UTF-8');
  // PostgreSQL text cannot hold U+0000; refusing it everywhere keeps every metadata backend alike.
  if (key.includes('\0')) throw new StorageError('InvalidArgument', 'The object key must not contain the NUL character');
}

export function assertMetadata(metadata: Record<string, string>): void {
  let bytes = 0;
  for (const [name, value] of Object.entries(metadata)) {
    if (typeof value !== 'string') throw new StorageError('InvalidArgument', `Metadata value for "${name}" must be a string`);
    bytes += Buffer.byteLength(name, 'utf8') + Buffer.byteLength(value, 'utf8');
  }
  if (bytes > MAX_METADATA_BYTES) {
    throw new StorageError('MetadataTooLarge', `Your metadata headers exceed the maximum allowed metadata size of ${MAX_METADATA_BYTES} bytes`);
  }
}

export function assertPartNumber(partNumber: number): void {
  if (!Number.isInteger(partNumber) || partNumber < 1 || partNumber > 10000) {
    throw new StorageError('InvalidArgument', 'Part number must be an integer between 1 and 10000, inclusive', { partNumber });
  }
}
