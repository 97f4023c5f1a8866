/** The ZiB side of request and response plumbing: ZiB JSON errors, CORS and URL bases over the shared @omnigate/http kit. */
import type { NextFunction, Request, Response } from 'express';
import { StorageError } from '@omnigate/core';
import { mountUrl, readJsonObject as readObject, sendErrorAnswer } from '@omnigate/http';
import { ZibError, toZibError } from './errors.js';
import type { ZibContext } from './context.js';

export { abortSignal, sendJson } from '@omnigate/http';

export type Handler = (req: Request, res: Response) => Promise<void>;

/** Wraps an async handler: every failure becomes a ZiB JSON error, unexpected ones are logged, never sent. */
export function route(ctx: ZibContext, handler: Handler) {
  return (req: Request, res: Response, _next: NextFunction) => {
    handler(req, res).catch((err: unknown) => sendError(ctx, req, res, err));
  };
}

/** Response headers that survive an error (CORS, so a browser page can read the error body). */
const KEPT_ON_ERROR = /^access-control-/;

/** Sends `{ "error": "<message>", "code": "<Code>" }` (or cuts a response that has already started). */
export function sendError(ctx: ZibContext, req: Request, res: Response, err: unknown): void {
  const wire = toZibError(err);
  // Upload tokens are capabilities: never log them.
  if (wire.cause !== undefined && !res.destroyed) ctx.options.logger.error({ err: wire.cause, method: req.method, path: req.originalUrl.split('?')[0]?.replace(/\/upload\/[^/]+/, '/upload/<token>') }, 'zib request failed');
  const headers: Record<string, string> = {};
  for (const name of res.getHeaderNames()) if (KEPT_ON_ERROR.test(name)) headers[name] = String(res.getHeader(name));
  if (wire.status === 416 && typeof wire.details?.objectSize === 'number') headers['Content-Range'] = `bytes */${wire.details.objectSize}`;
  if (wire.status === 401) headers['WWW-Authenticate'] = 'Bearer realm="zib"';
  sendErrorAnswer(req, res, { status: wire.status, headers, contentType: 'application/json; charset=utf-8', body: JSON.stringify({ error: wire.message, code: wire.code }) });
}

/** A small JSON object body (any content type), or `{}` when there is none. */
export function readJsonObject(req: Request, maxBytes: number): Promise<Record<string, unknown>> {
  return readObject(req, maxBytes, (why) => new ZibError('MalformedJson', why));
}

/** Where URLs this router issues point: behind a trusted proxy the registration's URLs are public ones. */
export function baseUrl(ctx: ZibContext, req: Request): string {
  return mountUrl(req, ctx.options.publicBaseUrl);
}

/** CORS for the credential-less node endpoints: the browser page that uploads lives on another origin. */
export function nodeCors(res: Response): void {
  res.setHeader('Access-Control-Allow-Origin', '*');
  res.setHeader('Access-Control-Allow-Methods', 'PUT, POST, OPTIONS');
  res.setHeader('Access-Control-Allow-Headers', 'Content-Type');
  res.setHeader('Access-Control-Expose-Headers', 'ETag');
  res.setHeader('Access-Control-Max-Age', '600');
}

/** CORS for public reads (CDN, SDK file). */
export function readCors(res: Response): void {
  res.setHeader('Access-Control-Allow-Origin', '*');
  res.setHeader('Access-Control-Allow-Methods', 'GET, HEAD, OPTIONS');
  res.setHeader('Access-Control-Allow-Headers', 'Range, If-None-Match, If-Modified-Since');
  res.setHeader('Access-Control-Expose-Headers', 'ETag, Content-Length, Content-Range, Accept-Ranges, Content-Type');
  res.setHeader('Access-Control-Max-Age', '600');
}

/** A required string field of a JSON body. */
export function stringField(body: Record<string, unknown>, name: string, opts: { optional?: boolean; max?: number } = {}): string | undefined {
  const value = body[name];
  if (value === undefined || value === null) {
    if (opts.optional) return undefined;
    throw new StorageError('InvalidArgument', `"${name}" is required`);
  }
  if (typeof value !== 'string' || value === '') throw new StorageError('InvalidArgument', `"${name}" must be a non-empty string`);
  if (opts.max !== undefined && value.length > opts.max) throw new StorageError('InvalidArgument', `"${name}" must be at most ${opts.max} characters`);
  return value;
}
