/** The Netiks side of request and response plumbing: API-key auth and Netiks JSON errors over @omnigate/http. */
import type { NextFunction, Request, Response } from 'express';
import { readJsonObject as readObject, sendErrorAnswer } from '@omnigate/http';
import { StorageError, type Tenant } from '@omnigate/core';
import type { NetiksContext } from './context.js';
import { NetiksError, toNetiksError } from './errors.js';

export { abortSignal, sendJson } from '@omnigate/http';

export type Handler = (req: Request, res: Response) => Promise<void>;

/** Wraps an async handler: every failure becomes a Netiks JSON error; unexpected ones are logged, never sent. */
export function route(ctx: NetiksContext, handler: Handler) {
  return (req: Request, res: Response, _next: NextFunction) => {
    handler(req, res).catch((err: unknown) => sendError(ctx, req, res, err));
  };
}

/** The tenant whose API key (`x-api-key`) the request carries. */
export async function authenticate(ctx: NetiksContext, req: Request): Promise<Tenant> {
  const apiKey = req.get('x-api-key');
  if (!apiKey) throw new NetiksError('Unauthorized', 'An x-api-key header is required');
  const tenant = await ctx.storage.tenants.findByApiKey(apiKey);
  if (!tenant) throw new NetiksError('InvalidApiKey', 'The x-api-key is not valid');
  return tenant;
}

/**
 * Sends `{ "error": { "code", "message" } }`, with the Netiks codes, or (`codes: 's3'`, the presigned PUT URL) the
 * S3 codes and statuses an S3 client of that URL expects (or cuts a response that has already started).
 */
export function sendError(ctx: NetiksContext, req: Request, res: Response, err: unknown, codes: 'json' | 's3' = 'json'): void {
  const wire = toNetiksError(err, codes);
  if (wire.cause !== undefined && !res.destroyed) {
    ctx.options.logger.error({ err: wire.cause, method: req.method, path: req.originalUrl.split('?')[0] }, 'netiks request failed');
  }
  const headers: Record<string, string> = {};
  if (wire.status === 416 && typeof wire.details?.objectSize === 'number') headers['Content-Range'] = `bytes */${wire.details.objectSize}`;
  if (wire.status === 401) headers['WWW-Authenticate'] = 'ApiKey header="x-api-key"';
  sendErrorAnswer(req, res, { status: wire.status, headers, contentType: 'application/json; charset=utf-8', body: JSON.stringify({ error: { code: wire.code, message: wire.message } }) });
}

/** A small JSON object body, read whole under `maxBytes`. */
export function readJsonObject(req: Request, maxBytes: number): Promise<Record<string, unknown>> {
  return readObject(req, maxBytes, (why) => new NetiksError('MalformedJson', why));
}

/** The media type of the request (`multipart/form-data`), lower-case, without parameters. */
export function mediaType(req: Request): string {
  return (req.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
}

export function contentLength(req: Request): number | undefined {
  const value = req.get('content-length');
  if (value === undefined) return undefined;
  if (!/^\d{1,15}$/.test(value.trim())) throw new StorageError('InvalidArgument', 'Content-Length must be a non-negative integer');
  return Number(value.trim());
}
