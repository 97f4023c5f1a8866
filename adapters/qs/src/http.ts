/** The QS side of request and response plumbing: QS JSON errors and limits over the shared @omnigate/http kit. */
import type { NextFunction, Request, Response } from 'express';
import { mountUrl, parseJsonBody, readJsonObject as readObject, readSmallBody, sendErrorAnswer } from '@omnigate/http';
import { QsError, toQsError } from './errors.js';
import type { QsContext } from './context.js';

export { abortSignal, sendJson } from '@omnigate/http';

export type Handler = (req: Request, res: Response) => Promise<void>;

/** Wraps an async handler: every failure becomes a QS JSON error, unexpected ones are logged, never sent. */
export function route(ctx: QsContext, handler: Handler) {
  return (req: Request, res: Response, _next: NextFunction) => {
    handler(req, res).catch((err: unknown) => sendError(ctx, req, res, err));
  };
}

/** Sends `{ "error": { "code", "message" } }` (or cuts a response that has already started). */
export function sendError(ctx: QsContext, req: Request, res: Response, err: unknown): void {
  const wire = toQsError(err);
  if (wire.cause !== undefined && !res.destroyed) ctx.options.logger.error({ err: wire.cause, method: req.method, path: req.originalUrl.split('?')[0] }, 'qs request failed');
  const headers: Record<string, string> = {};
  if (wire.status === 416 && typeof wire.details?.objectSize === 'number') headers['Content-Range'] = `bytes */${wire.details.objectSize}`;
  if (wire.status === 401) headers['WWW-Authenticate'] = 'Bearer realm="qs"';
  sendErrorAnswer(req, res, { status: wire.status, headers, contentType: 'application/json; charset=utf-8', body: JSON.stringify({ error: { code: wire.code, message: wire.message } }) });
}

const malformed = (why: string) => new QsError('MalformedJson', why);

/** Reads a small JSON body (any content type); undefined when empty. */
export async function readJson(req: Request, maxBytes: number): Promise<unknown> {
  return parseJsonBody(await readSmallBody(req, maxBytes, () => malformed(`The JSON body must be at most ${maxBytes} bytes`)), malformed);
}

/** A JSON object body, or `{}` when there is none. */
export function readJsonObject(req: Request, maxBytes: number): Promise<Record<string, unknown>> {
  return readObject(req, maxBytes, malformed);
}

/** Where links this router issues point: the configured public URL, else the URL this request came in on. */
export function baseUrl(ctx: QsContext, req: Request): string {
  return mountUrl(req, ctx.options.publicBaseUrl);
}
