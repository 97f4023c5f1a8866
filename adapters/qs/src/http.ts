/** Request and response plumbing shared by the QS routes: JSON in and out, errors, disconnects, link bases. */
import type { NextFunction, Request, Response } from 'express';
import { StorageError } from '@omnigate/core';
import { QsError, toQsError } from './errors.js';
import type { QsContext } from './context.js';

export type Handler = (req: Request, res: Response) => Promise<void>;

/** Wraps an async handler: every failure becomes a QS JSON error, unexpected ones are logged, never sent. */
export function route(ctx: QsContext, handler: Handler) {
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

/**
 * Sends `{ "error": { "code", "message" } }`. When the response has already started (a download failing
 * mid-stream) the connection is cut, so the client sees a short body rather than a corrupt one.
 */
export function sendError(ctx: QsContext, req: Request, res: Response, err: unknown): void {
  const wire = toQsError(err);
  if (wire.cause !== undefined && !res.destroyed) ctx.options.logger.error({ err: wire.cause, method: req.method, path: req.originalUrl.split('?')[0] }, 'qs request failed');
  if (res.headersSent) {
    res.destroy();
    return;
  }
  for (const name of res.getHeaderNames()) res.removeHeader(name);
  if (wire.status === 416 && typeof wire.details?.objectSize === 'number') res.setHeader('Content-Range', `bytes */${wire.details.objectSize}`);
  if (wire.status === 401) res.setHeader('WWW-Authenticate', 'Bearer realm="qs"');
  // A request body we stopped reading (a part over the limit) would otherwise keep the connection busy.
  if (!req.complete) res.setHeader('Connection', 'close');
  if (req.method === 'HEAD' || wire.status === 304) {
    res.status(wire.status).end();
    return;
  }
  sendJson(res, wire.status, { error: { code: wire.code, message: wire.message } });
}

/** Aborted when the client disconnects before the request body or the response is complete (STYLE §11). */
export function abortSignal(req: Request, res: Response): AbortSignal {
  const controller = new AbortController();
  const abort = () => controller.abort(new StorageError('RequestAborted', 'The client closed the connection'));
  req.once('close', () => { if (!req.complete) abort(); });
  res.once('close', () => { if (!res.writableFinished) abort(); });
  return controller.signal;
}

/** Reads a small JSON body (any content type); undefined when empty. */
export async function readJson(req: Request, maxBytes: number): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req.iterator({ destroyOnReturn: false })) {
    size += (chunk as Buffer).length;
    if (size > maxBytes) throw new QsError('MalformedJson', `The JSON body must be at most ${maxBytes} bytes`);
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8').trim();
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    throw new QsError('MalformedJson', 'The body is not valid JSON');
  }
}

/** A JSON object body, or `{}` when there is none. */
export async function readJsonObject(req: Request, maxBytes: number): Promise<Record<string, unknown>> {
  const body = await readJson(req, maxBytes);
  if (body === undefined || body === null) return {};
  if (typeof body !== 'object' || Array.isArray(body)) throw new QsError('MalformedJson', 'The body must be a JSON object');
  return body as Record<string, unknown>;
}

/** Where links this router issues point: the configured public URL, else the URL this request came in on. */
export function baseUrl(ctx: QsContext, req: Request): string {
  return ctx.options.publicBaseUrl ?? `${req.protocol}://${req.get('host')}${req.baseUrl}`;
}
