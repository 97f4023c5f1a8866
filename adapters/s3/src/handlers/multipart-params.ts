/** uploadId and partNumber query parameters, validated as S3 does. */
import { StorageError } from '@omnigate/core';
import type { S3Context } from '../context.js';

export function uploadIdOf(ctx: S3Context): string {
  const uploadId = ctx.query.get('uploadId');
  if (!uploadId) throw new StorageError('NoSuchUpload', 'The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.');
  return uploadId;
}

export function partNumberOf(ctx: S3Context): number {
  const raw = ctx.query.get('partNumber') ?? '';
  const partNumber = /^\d{1,5}$/.test(raw) ? Number(raw) : NaN;
  if (!(partNumber >= 1 && partNumber <= 10000)) {
    throw new StorageError('InvalidArgument', 'Part number must be an integer between 1 and 10000, inclusive', { partNumber: raw });
  }
  return partNumber;
}
