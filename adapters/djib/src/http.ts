/** The Djib side of request and response plumbing: JSON-RPC error envelopes and tokens over @omnigate/http. */
import type { Request, Response } from 'express';
import { readSmallBody, sendErrorAnswer } from '@omnigate/http';
import { DjibError, toDjibError } from './errors.js';
import type { DjibContext } from './context.js';

export { abortSignal, sendJson } from '@omnigate/http';

/** Reads a whole (small) body, refusing more than `limit` bytes. */
export function readBody(req: Request, limit: number): Promise<Buffer> {
  return readSmallBody(req, limit, () => new DjibError('BadRequest', `The request body exceeds ${limit} bytes`));
}

/** An HTTP endpoint's error: a JSON-RPC error envelope with the matching HTTP status; the stream is cut if started. */
export function sendError(ctx: DjibContext, req: Request, res: Response, err: unknown): void {
  const wire = toDjibError(err);
  if (wire.cause !== undefined && !res.destroyed) ctx.options.logger.error({ err: wire.cause, method: req.method, path: req.originalUrl.split('?')[0] }, 'djib request failed');
  sendErrorAnswer(req, res, {
    status: wire.status, contentType: 'application/json; charset=utf-8',
    body: JSON.stringify({ jsonrpc: '2.0', error: { code: wire.code, message: wire.message }, id: null }),
  });
}

/** The access token of an HTTP request: `Authorization: Bearer <t>`, a `token` header, or `?token=`. */
export function tokenOf(req: Request): string | undefined {
  const auth = req.get('authorization');
  if (auth && /^bearer\s+/i.test(auth)) return auth.replace(/^bearer\s+/i, '').trim();
  const header = req.get('token');
  if (header) return header;
  return typeof req.query.token === 'string' ? req.query.token : undefined;
}

export function route(ctx: DjibContext, handler: (req: Request, res: Response) => Promise<void>) {
  return (req: Request, res: Response) => {
    handler(req, res).catch((err: unknown) => sendError(ctx, req, res, err));
  };
}
