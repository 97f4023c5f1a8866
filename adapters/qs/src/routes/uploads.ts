/**
 * POST /buckets   { totalParts?, encryptedName?, originalSizeInBytes? }  → { uploadId, key }
 *
 * Starts a core multipart upload in the tenant's QS bucket under a server-generated key (a UUID). The session's
 * rules are checked against what the client declares: file count, declared size, the session's total.
 */
import { randomUUID } from 'node:crypto';
import type { Router } from 'express';
import { StorageError, type Tenant } from '@omnigate/core';
import type { QsContext } from '../context.js';
import { QsError } from '../errors.js';
import { readJsonObject, route, sendJson } from '../http.js';
import { abortUpload, authenticate } from '../sessions.js';
import type { SessionRow } from '../store/qs-store.js';

const MAX_ENCRYPTED_NAME = 4096;

export function registerUploadRoutes(router: Router, ctx: QsContext): void {
  router.post('/buckets', route(ctx, async (req, res) => {
    const { session, tenant } = await authenticate(ctx, req);
    const body = await readJsonObject(req, ctx.options.maxJsonBytes);
    const totalParts = optionalInteger(body.totalParts, 'totalParts', 0, 10000) ?? 0;
    const declaredSize = optionalInteger(body.originalSizeInBytes, 'originalSizeInBytes', 0, Number.MAX_SAFE_INTEGER) ?? null;
    const encryptedName = body.encryptedName ?? null;
    if (encryptedName !== null && (typeof encryptedName !== 'string' || encryptedName.length > MAX_ENCRYPTED_NAME)) {
      throw new StorageError('InvalidArgument', `encryptedName must be a string of at most ${MAX_ENCRYPTED_NAME} characters, or null`);
    }
    const { rules } = session;
    if (declaredSize !== null && declaredSize > rules.maxFileSize) {
      throw new QsError('FileTooLarge', `This session allows files of at most ${rules.maxFileSize} bytes`);
    }
    const { store } = await ctx.services();
    let usage = await store.sessionUsage(session.id);
    if (usage.entries >= rules.maxFiles) {
      await dropVanishedUploads(ctx, tenant, session);
      usage = await store.sessionUsage(session.id);
      if (usage.entries >= rules.maxFiles) throw new QsError('TooManyFiles', `This session allows at most ${rules.maxFiles} files`);
    }
    if (declaredSize !== null && usage.completedBytes + usage.declaredOpenBytes + declaredSize > rules.maxTotalBytes) {
      throw new QsError('SessionQuotaExceeded', `This session may store at most ${rules.maxTotalBytes} bytes in all`);
    }

    const bucket = await ctx.ensureBucket(tenant);
    const key = randomUUID();
    const upload = await ctx.storage.multipart.create(tenant, bucket, key, { metadata: { 'qs-session': session.id } });
    try {
      await store.insertUpload({
        uploadId: upload.uploadId, sessionId: session.id, tenantId: tenant.id, key, encryptedName, declaredSize, totalParts,
        createdAt: ctx.now(), fileId: null, size: null, tags: [], isPublic: rules.public, completedAt: null,
      });
    } catch (err) {
      await ctx.storage.multipart.abort(tenant, bucket, key, upload.uploadId).catch(() => {});
      throw err;
    }
    sendJson(res, 200, { uploadId: upload.uploadId, key });
  }));
}

/** Rows of uploads the core no longer has (expired by the maintenance sweep) stop counting against maxFiles. */
async function dropVanishedUploads(ctx: QsContext, tenant: Tenant, session: SessionRow): Promise<void> {
  const { store } = await ctx.services();
  for (const upload of await store.listOpenUploads(session.id)) {
    const exists = await ctx.storage.multipart.get(tenant, ctx.bucketName(tenant.id), upload.key, upload.uploadId).then(() => true, (err: unknown) => {
      if ((err as StorageError).code === 'NoSuchUpload') return false;
      throw err;
    });
    if (!exists) await abortUpload(ctx, tenant.id, upload.uploadId, upload.key);
  }
}

export function optionalInteger(value: unknown, name: string, min: number, max: number): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) {
    throw new StorageError('InvalidArgument', `${name} must be an integer from ${min} to ${max}`);
  }
  return value;
}
