/**
 * x-amz-copy-source (https://docs.aws.amazon.com/AmazonS3/latest/API/API_CopyObject.html#API_CopyObject_RequestSyntax):
 * `[/]bucket/key[?versionId=id]`, the key URL-encoded. In an unversioned bucket only versionId "null" exists.
 */
import { StorageError } from '@omnigate/core';
import { header, type S3Context } from './context.js';

export interface CopySource {
  bucket: string;
  key: string;
}

export function parseCopySource(ctx: S3Context): CopySource {
  const raw = header(ctx, 'x-amz-copy-source');
  if (raw === undefined) throw new StorageError('InvalidArgument', 'Copy Source must mention the source bucket and key: sourcebucket/sourcekey');
  const at = raw.indexOf('?');
  const path = (at < 0 ? raw : raw.slice(0, at)).replace(/^\//, '');
  const versionId = at < 0 ? undefined : new URLSearchParams(raw.slice(at + 1)).get('versionId') ?? undefined;
  let decoded: string;
  try {
    decoded = decodeURIComponent(path);
  } catch {
    throw new StorageError('InvalidArgument', 'Invalid copy source encoding');
  }
  const slash = decoded.indexOf('/');
  const bucket = slash < 0 ? decoded : decoded.slice(0, slash);
  const key = slash < 0 ? '' : decoded.slice(slash + 1);
  if (!bucket || !key) throw new StorageError('InvalidArgument', 'Copy Source must mention the source bucket and key: sourcebucket/sourcekey');
  if (versionId !== undefined && versionId !== 'null') throw new StorageError('InvalidArgument', 'Invalid version id specified');
  return { bucket, key };
}
