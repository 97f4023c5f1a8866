/**
 * Sessions and their bearer tokens. A tenant's API key (`X-API-KEY`) creates a session or joins one (a token
 * for another participant); every token is 32 random bytes, base64url, shown once and stored only as its
 * SHA-256, and expires with its session at the latest. An expired session's open uploads are aborted the first
 * time anyone touches it (and by `expireQsUploads`).
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { Request } from 'express';
import { constantTimeEqual, type StorageError, type Tenant } from '@omnigate/core';
import type { QsContext } from './context.js';
import { QsError } from './errors.js';
import { resolveRules } from './rules.js';
import type { SessionRow } from './store/qs-store.js';

export interface IssuedToken {
  sessionId: string;
  token: string;
  expiresAt: string;
}

export interface Authenticated {
  session: SessionRow;
  tenant: Tenant;
}

function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** The tenant whose API key the request carries. */
export async function tenantFromApiKey(ctx: QsContext, req: Request): Promise<Tenant> {
  const apiKey = req.get('x-api-key');
  if (!apiKey) throw new QsError('Unauthorized', 'An X-API-KEY header is required to create or join a session');
  const tenant = await ctx.storage.tenants.findByApiKey(apiKey);
  if (!tenant) throw new QsError('InvalidApiKey', 'The X-API-KEY is not valid');
  return tenant;
}

export async function createSession(ctx: QsContext, tenant: Tenant, requestedRules: unknown): Promise<IssuedToken & { session: SessionRow }> {
  const now = ctx.now();
  const rules = resolveRules(requestedRules, ctx.options, now);
  const session: SessionRow = { id: randomUUID(), tenantId: tenant.id, rules, createdAt: now, expiresAt: Date.parse(rules.allowedUntil) };
  const { store } = await ctx.services();
  await store.insertSession(session);
  return { ...(await issueToken(ctx, session)), session };
}

/** Another participant's token for a session of the same tenant. */
export async function joinSession(ctx: QsContext, tenant: Tenant, sessionId: string): Promise<IssuedToken & { session: SessionRow }> {
  const { store } = await ctx.services();
  const session = await store.getSession(sessionId);
  if (!session || session.tenantId !== tenant.id) throw new QsError('NoSuchSession', 'No such session');
  await assertLive(ctx, session);
  return { ...(await issueToken(ctx, session)), session };
}

async function issueToken(ctx: QsContext, session: SessionRow): Promise<IssuedToken> {
  const now = ctx.now();
  const token = randomBytes(32).toString('base64url');
  const expiresAt = Math.min(now + ctx.options.tokenTtlMs, session.expiresAt);
  const { store } = await ctx.services();
  await store.insertToken(hashToken(token), session.id, now, expiresAt);
  return { sessionId: session.id, token, expiresAt: new Date(expiresAt).toISOString() };
}

/** The session and tenant of the request's `Authorization: Bearer <token>`; 401 for anything else. */
export async function authenticate(ctx: QsContext, req: Request): Promise<Authenticated> {
  const match = /^Bearer\s+([A-Za-z0-9_-]{43})\s*$/i.exec(req.get('authorization') ?? '');
  if (!match) throw new QsError('Unauthorized', 'An Authorization: Bearer <session token> header is required');
  const { store } = await ctx.services();
  const hash = hashToken(match[1]!);
  const found = await store.findToken(hash);
  if (!found || !constantTimeEqual(found.tokenHash, hash)) throw new QsError('Unauthorized', 'The session token is not valid');
  const session = await store.getSession(found.sessionId);
  if (!session) throw new QsError('Unauthorized', 'The session token is not valid');
  await assertLive(ctx, session);
  if (found.expiresAt <= ctx.now()) throw new QsError('TokenExpired', 'The session token has expired; join the session again for a new one');
  const tenant = await ctx.storage.tenants.get(session.tenantId);
  if (!tenant) throw new QsError('Unauthorized', 'The session token is not valid');
  return { session, tenant };
}

/** SessionExpired once allowedUntil has passed; the session's unfinished uploads are aborted first. */
async function assertLive(ctx: QsContext, session: SessionRow): Promise<void> {
  if (session.expiresAt > ctx.now()) return;
  await abortOpenUploads(ctx, session.id);
  throw new QsError('SessionExpired', `The session ended at ${session.rules.allowedUntil}`);
}

/** Aborts a session's unfinished uploads (core multipart uploads and their rows). Returns how many. */
export async function abortOpenUploads(ctx: QsContext, sessionId: string): Promise<number> {
  const { store } = await ctx.services();
  const uploads = await store.listOpenUploads(sessionId);
  for (const upload of uploads) await abortUpload(ctx, upload.tenantId, upload.uploadId, upload.key);
  return uploads.length;
}

export async function abortUpload(ctx: QsContext, tenantId: string, uploadId: string, key: string): Promise<void> {
  const { store } = await ctx.services();
  const tenant = await ctx.storage.tenants.get(tenantId);
  if (tenant) {
    await ctx.storage.multipart.abort(tenant, ctx.bucketName(tenantId), key, uploadId).catch((err: unknown) => {
      // Already gone (the maintenance sweep expired it, or the bucket went): only the row is left to drop.
      if (!['NoSuchUpload', 'NoSuchBucket'].includes((err as StorageError).code)) throw err;
    });
  }
  await store.deleteUpload(uploadId);
}
