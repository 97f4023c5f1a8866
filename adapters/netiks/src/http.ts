/** Request and response plumbing shared by the JSON routes: API-key auth, JSON in and out, errors, disconnects. */
import type { NextFunction, Request, Response } from 'express';
import { StorageError, type Tenant } from '@omnigate/core';
import type { NetiksContext } from './context.js';
import { NetiksError, toNetiksError } from './errors.js';

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

export function sendJson(res: Response, status: number, body: unknown): void {
  const bytes = Buffer.from(JSON.stringify(body), 'utf8');
  res.status(status);
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.setHeader('Content-Length', bytes.length);
  res.setHeader('Cache-Control', 'no-store');
  res.end(bytes);
}

/**
 * Sends `{ "error": { "code", "message" } }`, with the Netiks codes, or (`codes: 's3'`, the presigned PUT URL) the
 * S3 codes and statuses an S3 client of that URL expects. When the response has already started (a download failing
 * mid-stream) the connection is cut, so the client sees a short body rather than a corrupt one.
 */
export function sendError(ctx: NetiksContext, req: Request, res: Response, err: unknown, codes: 'json' | 's3' = 'json'): void {
  const wire = toNetiksError(err, codes);
  if (wire.cause !== undefined && !res.destroyed) {
    ctx.options.logger.error({ err: wire.cause, method: req.method, path: req.originalUrl.split('?')[0] }, 'netiks request failed');
  }
  if (res.headersSent) {
    res.destroy();
    return;
  }
  for (const name of res.getHeaderNames()) res.removeHeader(name);
  if (wire.status === 416 && typeof wire.details?.objectSize === 'number') res.setHeader('Content-Range', `bytes */${wire.details.objectSize}`);
  if (wire.status === 401) res.setHeader('WWW-Authenticate', 'ApiKey header="x-api-key"');
  closeIfBodyPending(req, res);
  if (req.method === 'HEAD' || wire.status === 304) {
    res.status(wire.status).end();
    return;
  }
  sendJson(res, wire.status, { error: { code: wire.code, message: wire.message } });
}

/** An unread body up to this size is read and discarded after an error answer, so the connection stays usable. */
const DRAIN_LIMIT = 1024 * 1024;

/**
 * After an error: a body we started reading (a file cut off over the limit), or a large unread one, ends the
 * connection (`Connection: close`) rather than being read to its end; a small unread body is drained by Node.
 */
export function closeIfBodyPending(req: Request, res: Response): void {
  if (req.complete) return;
  const declared = Number(req.get('content-length') ?? NaN);
  if (req.readableFlowing !== null || !(declared <= DRAIN_LIMIT)) res.setHeader('Connection', 'close');
}

/** Aborted when the client disconnects before the request body or the response is complete (STYLE §11). */
export function abortSignal(req: Request, res: Response): AbortSignal {
  const controller = new AbortController();
  const abort = () => controller.abort(new StorageError('RequestAborted', 'The client closed the connection'));
  req.once('close', () => { if (!req.complete) abort(); });
  res.once('close', () => { if (!res.writableFinished) abort(); });
  return controller.signal;
}

/** A small JSON object body, read whole under `maxBytes`. */
export async function readJsonObject(req: Request, maxBytes: number): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req.iterator({ destroyOnReturn: false })) {
    size += (chunk as Buffer).length;
    if (size > maxBytes) throw new NetiksError('MalformedJson', `The JSON body must be at most ${maxBytes} bytes`);
    chunks.push(chunk as Buffer);
  }
  let body: unknown;
  try {
    body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new NetiksError('MalformedJson', 'The body is not valid JSON');
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new NetiksError('MalformedJson', 'The body must be a JSON object');
  return body as Record<string, unknown>;
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
