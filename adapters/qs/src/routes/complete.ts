/**
 * POST /buckets/complete   { key, uploadId, tags?, public? }   → the file (FileView), with its fileId and CID
 *
 * Joins parts 1..totalParts (or every stored part when totalParts was 0) into the file; an upload with no part
 * becomes an empty file. Then computes the IPFS CID over the stored plaintext and records it (a failure there
 * leaves `cid: null`; the file is kept). Completing twice is 409 and changes nothing.
 */
import type { Router } from 'express';
import { computeCid, StorageError } from '@omnigate/core';
import { openUploadOf } from '../access.js';
import type { QsContext } from '../context.js';
import { QsError } from '../errors.js';
import { readJsonObject, route, sendJson } from '../http.js';
import { storedParts } from '../limits.js';
import { authenticate } from '../sessions.js';
import { fileView } from '../views.js';

const MAX_TAGS = 50;
const MAX_TAG_LENGTH = 256;

export function registerCompleteRoute(router: Router, ctx: QsContext): void {
  router.post('/buckets/complete', route(ctx, async (req, res) => {
    const auth = await authenticate(ctx, req);
    const body = await readJsonObject(req, ctx.options.maxJsonBytes);
    const key = requiredString(body.key, 'key');
    const uploadId = requiredString(body.uploadId, 'uploadId');
    const tags = parseTags(body.tags);
    if (body.public !== undefined && body.public !== null && typeof body.public !== 'boolean') {
      throw new StorageError('InvalidArgument', 'public must be a boolean');
    }
    if (body.public === true && !ctx.options.allowPublic) throw new QsError('RuleNotAllowed', 'This server does not allow public files');
    const upload = await openUploadOf(ctx, auth, uploadId, key);
    const { storage } = ctx;
    const { store, contentIndex } = await ctx.services();
    const bucket = ctx.bucketName(auth.tenant.id);

    const parts = await storedParts(storage, auth.tenant, bucket, upload);
    const wanted = upload.totalParts > 0 ? Array.from({ length: upload.totalParts }, (_, i) => i + 1) : [...parts.keys()].sort((a, b) => a - b);
    const missing = wanted.filter((n) => !parts.has(n));
    if (parts.size === 0 && (upload.declaredSize ?? 0) > 0) {
      throw new QsError('IncompleteUpload', `No part was uploaded, but originalSizeInBytes declared ${upload.declaredSize} bytes`);
    }
    if (missing.length > 0 && !(parts.size === 0 && upload.totalParts <= 1)) {
      throw new QsError('IncompleteUpload', `Parts missing: ${missing.slice(0, 20).join(', ')}${missing.length > 20 ? ', …' : ''}`);
    }
    const total = wanted.reduce((sum, n) => sum + (parts.get(n) ?? 0), 0);
    const { rules } = auth.session;
    if (total > rules.maxFileSize) throw new QsError('FileTooLarge', `This session allows files of at most ${rules.maxFileSize} bytes`);
    const usage = await store.sessionUsage(auth.session.id);
    if (usage.completedBytes + total > rules.maxTotalBytes) throw new QsError('SessionQuotaExceeded', `This session may store at most ${rules.maxTotalBytes} bytes in all`);
    if (parts.size === 0) {
      // An empty file: the core's multipart needs one part, so the empty part is ours to send.
      await storage.multipart.uploadPart(auth.tenant, bucket, key, uploadId, 1, [], { size: 0 });
      wanted.splice(0, wanted.length, 1);
    }

    const info = await storage.multipart.complete(auth.tenant, bucket, key, uploadId, wanted.map((partNumber) => ({ partNumber })), { minPartSize: 0 }).catch(async (err: unknown) => {
      // Lost a race with another complete of the same upload: answer as the second call does.
      if ((err as StorageError).code === 'NoSuchUpload' && (await store.getUpload(uploadId))?.fileId) await openUploadOf(ctx, auth, uploadId, key);
      throw err;
    });
    const isPublic = typeof body.public === 'boolean' ? body.public : rules.public;
    const completedAt = ctx.now();
    await store.markCompleted(uploadId, { fileId: info.fileId, size: info.size, tags, isPublic, completedAt });
    // The file exists from here on: a failed CID computation leaves `cid: null` rather than failing the upload.
    const cid = await computeCid((await storage.getObjectById(info.fileId)).body).catch((err: unknown) => {
      ctx.options.logger.error({ err, fileId: info.fileId }, 'qs: computing the CID failed');
      return undefined;
    });
    if (cid) await contentIndex.record(info.fileId, auth.tenant.id, cid, isPublic);
    sendJson(res, 200, fileView({ ...upload, fileId: info.fileId, size: info.size, tags, isPublic, completedAt }, info, cid));
  }));
}

function requiredString(value: unknown, name: string): string {
  if (typeof value !== 'string' || value === '') throw new StorageError('InvalidArgument', `${name} is required (a non-empty string)`);
  return value;
}

function parseTags(value: unknown): string[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || value.length > MAX_TAGS || value.some((t) => typeof t !== 'string' || t.length > MAX_TAG_LENGTH)) {
    throw new StorageError('InvalidArgument', `tags must be an array of at most ${MAX_TAGS} strings of at most ${MAX_TAG_LENGTH} characters, or null`);
  }
  return value as string[];
}
