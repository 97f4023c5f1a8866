/**
 * Upload expiry for QS. The server's periodic `storage.maintenance.sweep({ uploadsOlderThanMs })` already aborts
 * old core multipart uploads; this also aborts every unfinished upload of an expired session (a session's uploads
 * are also aborted the first time an expired session is touched) and drops expired token rows.
 */
import type { Storage } from '@omnigate/core';
import { QsContext } from './context.js';
import { resolveQsOptions } from './options.js';
import { abortUpload } from './sessions.js';

export interface QsExpiryReport {
  abortedUploads: number;
  expiredTokens: number;
}

export async function expireQsUploads(storage: Storage, options: { now?: number } = {}): Promise<QsExpiryReport> {
  const now = options.now ?? Date.now();
  const ctx = new QsContext(storage, resolveQsOptions({ now: () => now }, storage.options.maxObjectSize));
  const { store } = await ctx.services();
  const report: QsExpiryReport = { abortedUploads: 0, expiredTokens: 0 };
  for (;;) {
    const uploads = await store.listExpiredOpenUploads(now, 100);
    for (const upload of uploads) await abortUpload(ctx, upload.tenantId, upload.uploadId, upload.key);
    report.abortedUploads += uploads.length;
    if (uploads.length < 100) break;
  }
  report.expiredTokens = await store.deleteExpiredTokens(now);
  return report;
}
