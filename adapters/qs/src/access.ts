/**
 * Finding what a session may touch. Another session's upload or file answers exactly as a missing one does
 * (404), so ids reveal nothing across sessions or tenants.
 */
import { StorageError, type ObjectInfo } from '@omnigate/core';
import type { QsContext } from './context.js';
import { QsError } from './errors.js';
import type { Authenticated } from './sessions.js';
import type { UploadRecord } from './store/qs-store.js';

/** An unfinished upload of this session with this key; 409 when it was completed already. */
export async function openUploadOf(ctx: QsContext, auth: Authenticated, uploadId: string, key: string): Promise<UploadRecord> {
  const { store } = await ctx.services();
  const upload = uploadId.length <= 128 ? await store.getUpload(uploadId) : undefined;
  if (!upload || upload.sessionId !== auth.session.id || upload.key !== key) {
    throw new StorageError('NoSuchUpload', 'The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted.');
  }
  if (upload.fileId) throw new QsError('UploadAlreadyCompleted', `This upload was already completed as file ${upload.fileId}`);
  return upload;
}

/** A completed, still live file of this session, with its object info. */
export async function fileOf(ctx: QsContext, auth: Authenticated, fileId: string): Promise<{ file: UploadRecord; info: ObjectInfo }> {
  const { store } = await ctx.services();
  const file = /^[0-9a-f-]{36}$/i.test(fileId) ? await store.getFile(fileId) : undefined;
  if (!file || file.sessionId !== auth.session.id) throw noSuchFile();
  const info = await ctx.storage.headObjectById(fileId).catch((err: unknown) => {
    if ((err as StorageError).code === 'NoSuchKey') return undefined;
    throw err;
  });
  if (!info || info.state !== 'live') throw noSuchFile();
  return { file, info };
}

export function noSuchFile(): QsError {
  return new QsError('NoSuchFile', 'No such file in this session');
}
