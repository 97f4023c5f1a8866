/**
 * A registration's life after initiate: completing it once (whoever moves it to `completed` first, the upload
 * request or the watcher after a crash, emits file.ready), and the watcher that notices what happens to files later
 * (replication reaching `safe`, a supersede by any protocol, expiry of unused registrations).
 */
import type { ObjectInfo, StorageError } from '@omnigate/core';
import type { ZibContext } from './context.js';
import { cancelledReasonOf, delivery, emit, filePayload, successorOf } from './webhooks/events.js';
import type { OutboxRow, Registration } from './store/zib-store.js';

/** The object a fileId names, cancelled ones included; undefined when there is none (not uploaded, or deleted). */
export async function objectById(ctx: ZibContext, fileId: string): Promise<ObjectInfo | undefined> {
  return ctx.storage.headObjectById(fileId).catch((err: unknown) => {
    if ((err as StorageError).code === 'NoSuchKey') return undefined;
    throw err;
  });
}

/** Marks the registration completed and emits file.ready (and file.replicated when already safe), exactly once. */
export async function completeRegistration(ctx: ZibContext, reg: Registration, info: ObjectInfo): Promise<void> {
  const store = await ctx.store();
  const now = ctx.now();
  if (!await store.transition(reg.fileId, ['pending', 'uploading', 'completing', 'expired'], 'completed', { completedAt: now })) return;
  await emit(ctx, reg, 'file.ready', filePayload('file.ready', reg, info, new Date(now)));
  await notifyReplicated(ctx, reg, info);
}

/** After a re-upload through ZiB: the file it replaced gets its file.failed now rather than at the next watch. */
export async function notifySuperseded(ctx: ZibContext, previousFileId: string | undefined): Promise<void> {
  if (!previousFileId) return;
  const store = await ctx.store();
  const prev = await store.byFileId(previousFileId);
  const info = await objectById(ctx, previousFileId);
  if (prev && info) await notifyFailed(ctx, prev, info);
}

async function notifyReplicated(ctx: ZibContext, reg: Registration, info: ObjectInfo): Promise<void> {
  if (info.phase !== 'safe' || reg.replicatedSent) return;
  const safeAt = info.replicationSafeAt ?? new Date(ctx.now());
  const payload = filePayload('file.replicated', reg, info, new Date(ctx.now()), { replication_safe_at: safeAt.toISOString() });
  await claim(ctx, reg, 'replicated', await delivery(ctx, reg, 'file.replicated', payload));
}

async function notifyFailed(ctx: ZibContext, reg: Registration, info: ObjectInfo): Promise<void> {
  if (info.state !== 'cancelled' || reg.failedSent) return;
  const payload = filePayload('file.failed', reg, info, new Date(ctx.now()), {
    status: 'cancelled', cancelled_reason: cancelledReasonOf(info), superseded_by: successorOf(info),
  });
  await claim(ctx, reg, 'failed', await delivery(ctx, reg, 'file.failed', payload));
}

/**
 * `reg` was read a while ago: the upload request and the watcher can both get here for one file. The store marks the
 * event sent and records its delivery in one transaction, for whichever comes first (once, even across a crash).
 */
async function claim(ctx: ZibContext, reg: Registration, event: 'replicated' | 'failed', row: OutboxRow | undefined): Promise<void> {
  if (await (await ctx.store()).claimEvent(reg.fileId, event, row) && row) ctx.wake();
}

export const EXPIRED_REASON = 'registration expired before the upload completed';

/** One pass of the watcher over up to `limit` registrations after `cursor`; returns the next cursor ('' to restart). */
export async function watchOnce(ctx: ZibContext, cursor: string, limit = 100): Promise<string> {
  const store = await ctx.store();
  const regs = await store.watched(cursor, limit);
  for (const reg of regs) {
    try {
      await watchOne(ctx, reg);
    } catch (err) {
      ctx.options.logger.warn({ err: String(err), fileId: reg.fileId }, 'zib watcher skipped a file');
    }
  }
  return regs.length < limit ? '' : regs.at(-1)!.fileId;
}

async function watchOne(ctx: ZibContext, reg: Registration): Promise<void> {
  // Nothing can have happened to a registration nobody has started using, until it expires.
  if (reg.state === 'pending' && ctx.now() <= reg.expiresAt) return;
  const store = await ctx.store();
  const info = await objectById(ctx, reg.fileId);
  if (reg.state === 'completed') {
    if (!info) {
      await store.claimEvent(reg.fileId, 'failed', undefined); // deleted: nothing more will happen to it, nothing to send
      return;
    }
    await notifyReplicated(ctx, reg, info);
    await notifyFailed(ctx, reg, info);
    return;
  }
  // The bytes were committed but the request died before recording it (a crash): finish it now.
  if (info) {
    await completeRegistration(ctx, reg, info);
    return;
  }
  if (ctx.now() <= reg.expiresAt || reg.state === 'completing') return;
  if (!await store.transition(reg.fileId, ['pending', 'uploading'], 'expired', { cancelledReason: EXPIRED_REASON })) return;
  if (reg.uploadId) {
    const tenant = await ctx.tenant(reg.tenantId);
    if (tenant) await ctx.storage.multipart.abort(tenant, reg.bucket, reg.key, reg.uploadId).catch(() => {});
  }
}
