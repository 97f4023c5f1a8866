/**
 * The node endpoints a registration's URLs point at (PROTOCOL.md §2); no credentials, the token is the capability.
 *   PUT  /upload/<token>                 single: one OGS1 stream (stream index 0) → { file_id, cdn_url, size, etag }
 *   PUT  /upload/<token>/parts/<n>       part n: one OGS1 stream (stream index n) → { part_number, etag }
 *   POST /upload/<token>/complete        { parts: [{ part_number, etag }] }      → { file_id, cdn_url, size, etag }
 *
 * Bodies stream into the core, which verifies each segment under the file's key as it arrives: plaintext or a wrong
 * key fails with InvalidCiphertext and nothing is stored (the docs' "the CDN serves garbage" becomes a refusal).
 * The registration is used once: a single PUT or a complete claims it atomically; a failed attempt releases it.
 */
import type { Request, Response, Router } from 'express';
import { StorageError, type ObjectInfo, type Tenant } from '@omnigate/core';
import type { ZibContext } from '../context.js';
import { ZibError } from '../errors.js';
import { abortSignal, baseUrl, nodeCors, readJsonObject, route, sendJson } from '../http.js';
import { completeRegistration, notifySuperseded } from '../lifecycle.js';
import { hashToken, isToken, partLength } from '../registration.js';
import type { Registration } from '../store/zib-store.js';

export function registerNodeUploadRoutes(router: Router, ctx: ZibContext): void {
  router.use('/upload', (req, res, next) => {
    nodeCors(res);
    if (req.method === 'OPTIONS') {
      res.status(204).end();
      return;
    }
    next();
  });

  router.put('/upload/:token', route(ctx, async (req, res) => {
    const reg = await usable(ctx, req, 'single');
    const store = await ctx.store();
    if (!await store.transition(reg.fileId, ['pending'], 'uploading')) throw used();
    const { tenant, fileKey } = await uploadContext(ctx, reg);
    try {
      const previous = await liveFileId(ctx, tenant, reg);
      const info = await ctx.storage.putObject(tenant, reg.bucket, reg.key, req.iterator({ destroyOnReturn: false }) as AsyncIterable<Buffer>, {
        clientKey: fileKey, size: reg.fileSize, contentType: reg.contentType, fileId: reg.fileId, signal: abortSignal(req, res),
      }).catch(explainCiphertext);
      await finished(ctx, req, res, reg, info, previous);
    } catch (err) {
      await store.transition(reg.fileId, ['uploading'], 'pending');
      throw err;
    }
  }));

  router.put('/upload/:token/parts/:partNumber', route(ctx, async (req, res) => {
    const reg = await usable(ctx, req, 'multipart');
    const n = /^\d{1,5}$/.test(String(req.params.partNumber)) ? Number(req.params.partNumber) : NaN;
    if (!(n >= 1 && n <= reg.partCount)) {
      throw new ZibError('InvalidPartNumber', `This registration has parts 1 to ${reg.partCount}; "${String(req.params.partNumber).slice(0, 16)}" is not one of them`);
    }
    const store = await ctx.store();
    await store.transition(reg.fileId, ['pending'], 'uploading');
    const { tenant, fileKey } = await uploadContext(ctx, reg);
    const part = await ctx.storage.multipart.uploadPart(tenant, reg.bucket, reg.key, reg.uploadId!, n, req.iterator({ destroyOnReturn: false }) as AsyncIterable<Buffer>, {
      clientKey: fileKey, size: partLength(reg, n), signal: abortSignal(req, res),
    }).catch(explainCiphertext);
    res.setHeader('ETag', `"${part.etag}"`);
    sendJson(res, 200, { part_number: part.partNumber, etag: part.etag });
  }));

  router.post('/upload/:token/complete', route(ctx, async (req, res) => {
    const reg = await usable(ctx, req, 'multipart');
    const chosen = partsOf(await readJsonObject(req, Math.max(ctx.options.maxJsonBytes, 80 * reg.partCount + 1024)), reg.partCount);
    const store = await ctx.store();
    if (!await store.transition(reg.fileId, ['pending', 'uploading'], 'completing')) throw used();
    const { tenant } = await uploadContext(ctx, reg);
    try {
      const previous = await liveFileId(ctx, tenant, reg);
      const info = await ctx.storage.multipart.complete(tenant, reg.bucket, reg.key, reg.uploadId!, chosen, { minPartSize: 0, fileId: reg.fileId });
      await finished(ctx, req, res, reg, info, previous);
    } catch (err) {
      await store.transition(reg.fileId, ['completing'], 'uploading');
      throw err;
    }
  }));
}

/** The registration behind the URL's token, if it may still upload. */
async function usable(ctx: ZibContext, req: Request, kind: Registration['kind']): Promise<Registration> {
  const token = String(req.params.token);
  const reg = isToken(token) ? await (await ctx.store()).byToken(hashToken(token)) : undefined;
  if (!reg) throw new ZibError('NoSuchRegistration', 'This upload URL does not belong to any registration');
  if (reg.state === 'completed' || reg.state === 'completing') throw used();
  if (reg.state === 'expired' || ctx.now() > reg.expiresAt) throw new ZibError('RegistrationExpired', `This registration expired at ${new Date(reg.expiresAt).toISOString()}; initiate the upload again`);
  if (reg.kind !== kind) {
    throw new StorageError('InvalidArgument', kind === 'single'
      ? 'This registration is multipart: upload to its parts[].upload_url and then POST its complete_url'
      : 'This registration is single: PUT the whole file to its upload_url');
  }
  return reg;
}

/** The core's precise reason, prefixed with what the client should do about it. */
function explainCiphertext(err: unknown): never {
  if ((err as StorageError).code !== 'InvalidCiphertext') throw err;
  throw new StorageError('InvalidCiphertext', `Upload refused: ${(err as StorageError).message}. The body must be the file encrypted by the ZiB SDK (ZiBStorage.uploadDirect) under this registration's key: OGS1 format, stream index 0 for a single upload or the part number for a part, exactly the registered size`);
}

function used(): ZibError {
  return new ZibError('RegistrationUsed', 'This registration was already used (or is being used right now); a registration uploads one file once');
}

async function uploadContext(ctx: ZibContext, reg: Registration): Promise<{ tenant: Tenant; fileKey: Buffer }> {
  const tenant = await ctx.tenant(reg.tenantId);
  if (!tenant) throw new ZibError('NoSuchRegistration', 'This registration\'s customer no longer exists');
  return { tenant, fileKey: ctx.unseal(reg.sealedKey, `file-key:${reg.fileId}`) };
}

/** The fileId now live at the registration's bucket+key: the one this upload will supersede. */
async function liveFileId(ctx: ZibContext, tenant: Tenant, reg: Registration): Promise<string | undefined> {
  return ctx.storage.headObject(tenant, reg.bucket, reg.key).then((i) => i.fileId, (err: unknown) => {
    if ((err as StorageError).code === 'NoSuchKey') return undefined;
    throw err;
  });
}

async function finished(ctx: ZibContext, req: Request, res: Response, reg: Registration, info: ObjectInfo, previous: string | undefined): Promise<void> {
  await completeRegistration(ctx, reg, info);
  await notifySuperseded(ctx, previous);
  res.setHeader('ETag', `"${info.etag}"`);
  sendJson(res, 200, { file_id: info.fileId, cdn_url: `${baseUrl(ctx, req)}/objects/${info.fileId}`, size: info.size, etag: info.etag });
}

/** `{ parts: [{ part_number, etag }] }` naming every part 1..count in order. */
function partsOf(body: Record<string, unknown>, count: number): Array<{ partNumber: number; etag?: string }> {
  const { parts } = body;
  if (!Array.isArray(parts)) throw new StorageError('InvalidArgument', '"parts" must be an array of { part_number, etag }');
  const chosen = parts.map((p: unknown, i) => {
    const part = p as Record<string, unknown> | null;
    const n = part?.part_number;
    const etag = part?.etag;
    if (typeof n !== 'number' || !Number.isInteger(n) || (etag !== undefined && typeof etag !== 'string')) {
      throw new StorageError('InvalidArgument', `parts[${i}] must be { part_number: integer, etag: string }`);
    }
    return { partNumber: n, etag: etag as string | undefined };
  });
  const expected = Array.from({ length: count }, (_, i) => i + 1);
  if (chosen.length !== count || chosen.some((p, i) => p.partNumber !== expected[i])) {
    const missing = expected.filter((n) => !chosen.some((p) => p.partNumber === n));
    throw new ZibError('IncompleteUpload', `Complete must list parts 1 to ${count} in order${missing.length ? `; missing ${missing.slice(0, 10).join(', ')}` : ''}`);
  }
  return chosen;
}
