/**
 * Server-side encryption request headers (https://docs.aws.amazon.com/AmazonS3/latest/userguide/serv-side-encryption.html).
 * Every object is encrypted at rest with its own key, which is what SSE-S3 (AES256) promises: that request is
 * accepted. SSE-KMS and customer-provided keys (SSE-C) are not offered: NotImplemented, before any byte is stored.
 */
import { header, type S3Context } from './context.js';
import { S3Error } from './errors.js';

export function checkEncryptionHeaders(ctx: S3Context): void {
  const sse = header(ctx, 'x-amz-server-side-encryption');
  if (sse !== undefined && sse !== 'AES256') throw new S3Error('NotImplemented', `Server-side encryption with ${sse} is not supported; objects are always encrypted with AES256`);
  for (const name of ['x-amz-server-side-encryption-customer-algorithm', 'x-amz-copy-source-server-side-encryption-customer-algorithm']) {
    if (header(ctx, name) !== undefined) throw new S3Error('NotImplemented', 'Server-side encryption with customer-provided keys is not supported');
  }
}
