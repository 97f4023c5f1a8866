/**
 * POST /v1/api/upload/initiate   bearer; { bucket, key, file_size, content_type?, pipeline?, capabilities? }
 *   → 200 the registration (PROTOCOL.md §1)
 *
 * ZiB docs, "Initiate Upload" and "Node selection": a pipeline that declares a stage no node offers (every stage, for
 * now: encoding and AI are a later issue) or a non-empty legacy `capabilities` array fails with 503 at once. A
 * pipeline holding only webhook_url / webhook_secret is the per-file webhook override.
 */
import { randomUUID } from 'node:crypto';
import type { Router } from 'express';
import { assertObjectKey, generateKey, StorageError, type Storage, type Tenant } from '@omnigate/core';
import { authenticate } from '../auth.js';
import type { ZibContext } from '../context.js';
import { ZibError } from '../errors.js';
import { baseUrl, readJsonObject, route, sendJson, stringField } from '../http.js';
import { hashToken, layoutFor, newToken, registrationBody } from '../registration.js';
import type { Registration } from '../store/zib-store.js';
import { parseWebhookUrl, parseWebhookSecret } from './customers.js';

const STAGES = ['encode', 'transcription', 'vision'] as const;
const MIME = /^[\w.+-]+\/[\w.+-]+(\s*;\s*[\w.+-]+=("[^"]*"|[\w.+-]+))*$/;

export function registerInitiateRoute(router: Router, ctx: ZibContext): void {
  router.post('/v1/api/upload/initiate', route(ctx, async (req, res) => {
    const tenant = await authenticate(ctx, req);
    const body = await readJsonObject(req, ctx.options.maxJsonBytes);
    const bucket = stringField(body, 'bucket', { max: 63 })!;
    const key = stringField(body, 'key')!;
    assertObjectKey(key);
    const fileSize = body.file_size;
    if (typeof fileSize !== 'number' || !Number.isSafeInteger(fileSize) || fileSize < 0) {
      throw new StorageError('InvalidArgument', '"file_size" must be a non-negative integer (bytes)');
    }
    const contentType = stringField(body, 'content_type', { optional: true, max: 255 }) ?? 'application/octet-stream';
    if (!MIME.test(contentType)) throw new StorageError('InvalidArgument', '"content_type" must be a MIME type such as image/png');
    const override = pipelineWebhook(body);
    const { maxObjectSize, maxPartSize } = ctx.storage.options;
    if (fileSize > maxObjectSize) {
      throw new StorageError('EntityTooLarge', `Your proposed upload exceeds the maximum allowed size of ${maxObjectSize} bytes`, { max: maxObjectSize });
    }
    await ensureBucket(ctx.storage, tenant, bucket);
    const layout = layoutFor(fileSize, ctx.options, maxPartSize);
    const upload = layout.kind === 'multipart' ? await ctx.storage.multipart.create(tenant, bucket, key, { contentType }) : undefined;

    const fileId = randomUUID();
    const token = newToken();
    const fileKey = generateKey();
    const now = ctx.now();
    const reg: Registration = {
      fileId, tokenHash: hashToken(token), tenantId: tenant.id, bucket, key, fileSize, contentType,
      kind: layout.kind, uploadId: upload?.uploadId ?? null, partSize: layout.partSize, partCount: layout.partCount,
      sealedKey: ctx.seal(fileKey, `file-key:${fileId}`),
      webhookUrl: override?.url ?? null,
      webhookSecret: override ? ctx.seal(Buffer.from(override.secret, 'utf8'), `file-webhook:${fileId}`) : null,
      state: 'pending', cancelledReason: null, createdAt: now, expiresAt: now + ctx.options.registrationTtlMs,
      completedAt: null, replicatedSent: false, failedSent: false,
    };
    await (await ctx.store()).insertRegistration(reg);
    sendJson(res, 200, registrationBody(reg, token, fileKey, baseUrl(ctx, req), ctx.options.segmentSize));
  }));
}

/** The per-file webhook override of a pipeline declaration, after refusing the stages no node can run. */
function pipelineWebhook(body: Record<string, unknown>): { url: string; secret: string } | undefined {
  const { pipeline, capabilities } = body;
  if (capabilities !== undefined && capabilities !== null) {
    if (!Array.isArray(capabilities)) throw new StorageError('InvalidArgument', '"capabilities" must be an array');
    if (capabilities.length > 0) throw noCapableNode(capabilities.map(String));
  }
  if (pipeline === undefined || pipeline === null) return undefined;
  if (typeof pipeline !== 'object' || Array.isArray(pipeline)) throw new StorageError('InvalidArgument', '"pipeline" must be an object');
  const p = pipeline as Record<string, unknown>;
  const wanted = STAGES.filter((s) => p[s] !== undefined && p[s] !== null && p[s] !== false);
  if (wanted.length > 0) throw noCapableNode(wanted);
  if (p.webhook_url === undefined || p.webhook_url === null) {
    if (p.webhook_secret !== undefined && p.webhook_secret !== null) throw new StorageError('InvalidArgument', '"pipeline.webhook_secret" needs "pipeline.webhook_url"');
    return undefined;
  }
  const url = parseWebhookUrl(p.webhook_url, 'pipeline.webhook_url');
  if (p.webhook_secret === undefined || p.webhook_secret === null) throw new StorageError('InvalidArgument', '"pipeline.webhook_url" needs "pipeline.webhook_secret" to sign events');
  return { url, secret: parseWebhookSecret(p.webhook_secret, 'pipeline.webhook_secret') };
}

function noCapableNode(stages: string[]): ZibError {
  return new ZibError('NoCapableNode', `No online node can fulfil the requested pipeline stages (${stages.join(', ')}); encoding, transcription and vision are not offered by this deployment yet`, { stages });
}

/** ZiB tenants name buckets in initiate without creating them first: the bucket is created on first use. */
async function ensureBucket(storage: Storage, tenant: Tenant, bucket: string): Promise<void> {
  try {
    await storage.headBucket(tenant, bucket);
  } catch (err) {
    if ((err as StorageError).code !== 'NoSuchBucket') throw err;
    await storage.createBucket(tenant, bucket, { createdBy: 'zib' }).catch((e: unknown) => {
      if ((e as StorageError).code !== 'BucketAlreadyOwnedByYou') throw e;
    });
  }
}
