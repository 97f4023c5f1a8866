/** Request and response plumbing shared by the Djib routes: bodies, JSON out, errors, tokens, disconnects. */
import type { Request, Response } from 'express';
import { DjibError, toDjibError } from './errors.js';
import type { DjibContext } from './context.js';

export function sendJson(res: Response, status: number, body: unknown): void {
  const bytes = Buffer.from(JSON.stringify(body), 'utf8');
  res.status(status);
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.setHeader('Content-Length', bytes.length);
  res.setHeader('Cache-Control', 'no-store');
  res.end(bytes);
}

/** Reads a whole (small) body, refusing more than `limit` bytes. */
export async function readBody(req: Request, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw new DjibError('BadRequest', `The request body exceeds ${limit} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/** An HTTP endpoint's error: a JSON-RPC error envelope with the matching HTTP status; the stream is cut if started. */
export function sendError(ctx: DjibContext, req: Request, res: Response, err: unknown): void {
  const wire = toDjibError(err);
  if (wire.cause !== undefined && !res.destroyed) ctx.options.logger.error({ err: wire.cause, method: req.method, path: req.originalUrl.split('?')[0] }, 'djib request failed');
  if (res.headersSent) {
    res.destroy();
    return;
  }
  for (const name of res.getHeaderNames()) res.removeHeader(name);
  if (!req.complete) res.setHeader('Connection', 'close');
  sendJson(res, wire.status, { jsonrpc: '2.0', error: { code: wire.code, message: wire.message }, id: null });
}

/** The access token of an HTTP request: `Authorization: Bearer <t>`, a `token` header, or `?token=`. */
export function tokenOf(req: Request): string | undefined {
  const auth = req.get('authorization');
  if (auth && /^bearer\s+/i.test(auth)) return auth.replace(/^bearer\s+/i, '').trim();
  const header = req.get('token');
  if (header) return header;
  return typeof req.query.token === 'string' ? req.query.token : undefined;
}

/** Aborted when the client disconnects before the request or response completes (STYLE §11). */
export function abortSignal(req: Request, res: Response): AbortSignal {
  const controller = new AbortController();
  const abort = () => { if (!res.writableFinished) controller.abort(); };
  req.on('aborted', abort);
  res.on('close', abort);
  return controller.signal;
}

export function route(ctx: DjibContext, handler: (req: Request, res: Response) => Promise<void>) {
  return (req: Request, res: Response) => {
    handler(req, res).catch((err: unknown) => sendError(ctx, req, res, err));
  };
}
