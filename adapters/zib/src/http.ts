/** Request and response plumbing shared by the ZiB routes: JSON in and out, errors, CORS, disconnects, URL bases. */
import type { NextFunction, Request, Response } from 'express';
import { StorageError } from '@omnigate/core';
import { ZibError, toZibError } from './errors.js';
import type { ZibContext } from './context.js';

export type Handler = (req: Request, res: Response) => Promise<void>;

/** Wraps an async handler: every failure becomes a ZiB JSON error, unexpected ones are logged, never sent. */
export function route(ctx: ZibContext, handler: Handler) {
  return (req: Request, res: Response, _next: NextFunction) => {
    handler(req, res).catch((err: unknown) => sendError(ctx, req, res, err));
  };
}

export function sendJson(res: Response, status: number, body: unknown): void {
  const bytes = Buffer.from(JSON.stringify(body), 'utf8');
  res.status(status);
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.setHeader('Content-Length', bytes.length);
  res.setHeader('Cache-Control', 'no-store');
  res.end(bytes);
}

/** Response headers that survive an error (CORS, so a browser can read the error body). */
const KEPT_ON_ERROR = /^access-control-/;

/**
 * Sends `{ "error": "<message>", "code": "<Code>" }`. When the response has already started (a CDN read failing
 * mid-stream) the connection is cut, so the client sees a short body rather than a corrupt one.
 */
export function sendError(ctx: ZibContext, req: Request, res: Response, err: unknown): void {
  const wire = toZibError(err);
  if (wire.cause !== undefined && !res.destroyed) ctx.options.logger.error({ err: wire.cause, method: req.method, path: req.originalUrl.split('?')[0]?.replace(/\/upload\/[^/]+/, '/upload/<token>') }, 'zib request failed');
  if (res.headersSent) {
    res.destroy();
    return;
  }
  for (const name of res.getHeaderNames()) if (!KEPT_ON_ERROR.test(name)) res.removeHeader(name);
  if (wire.status === 416 && typeof wire.details?.objectSize === 'number') res.setHeader('Content-Range', `bytes */${wire.details.objectSize}`);
  if (wire.status === 401) res.setHeader('WWW-Authenticate', 'Bearer realm="zib"');
  // A request body we stopped reading (bad ciphertext) would otherwise keep the connection busy.
  if (!req.complete) res.setHeader('Connection', 'close');
  if (req.method === 'HEAD' || wire.status === 304) {
    if (wire.status === 304 && typeof wire.details?.etag === 'string') res.setHeader('ETag', `"${wire.details.etag}"`);
    res.status(wire.status).end();
    return;
  }
  sendJson(res, wire.status, { error: wire.message, code: wire.code });
}

/** Aborted when the client disconnects before the request body or the response is complete (STYLE §11). */
export function abortSignal(req: Request, res: Response): AbortSignal {
  const controller = new AbortController();
  const abort = () => controller.abort(new StorageError('RequestAborted', 'The client closed the connection'));
  req.once('close', () => { if (!req.complete) abort(); });
  res.once('close', () => { if (!res.writableFinished) abort(); });
  return controller.signal;
}

/** Reads a small JSON object body (any content type); `{}` when empty. */
export async function readJsonObject(req: Request, maxBytes: number): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req.iterator({ destroyOnReturn: false })) {
    size += (chunk as Buffer).length;
    if (size > maxBytes) throw new ZibError('MalformedJson', `The JSON body must be at most ${maxBytes} bytes`);
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8').trim();
  if (text === '') return {};
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new ZibError('MalformedJson', 'The body is not valid JSON');
  }
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new ZibError('MalformedJson', 'The body must be a JSON object');
  return body as Record<string, unknown>;
}

/**
 * Where URLs this router issues point: the configured public URL, else the URL this request came in on. Express's
 * `req.protocol` and `req.host` honour X-Forwarded-Proto/Host only when the app trusts proxies.
 */
export function baseUrl(ctx: ZibContext, req: Request): string {
  return ctx.options.publicBaseUrl ?? `${req.protocol}://${req.host}${req.baseUrl}`;
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
