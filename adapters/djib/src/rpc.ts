/**
 * JSON-RPC 2.0 at `POST /` of the router, by jayson's server (batches, notifications, -32600, -32601). The body is
 * read and parsed here only so invalid JSON gets a clean -32700. Methods of the spec not registered here (payments,
 * credits, prizes, NFTs) answer -32601 "Method not found": never a fake success.
 */
import jayson from 'jayson/promise/index.js';
import type { Request, Response } from 'express';
import { callContextOf, positional, type CallContext, type DjibContext, type Method } from './context.js';
import { DJIB_ERRORS, toDjibError } from './errors.js';
import { driveMethods } from './methods/drive-methods.js';
import { profileMethods } from './methods/profile-methods.js';
import { publicMethods } from './methods/public-methods.js';
import { shareMethods } from './methods/share-methods.js';
import { trashMethods } from './methods/trash-methods.js';
import { readBody, sendJson } from './http.js';

const MAX_BATCH = 100;

const authMethods: Record<string, Method> = {
  handshake: async (ctx, params) => ctx.auth.handshake(positional(params, 1)[0]),
  auth: async (ctx, params) => {
    const [publicKey, signature] = positional(params, 2);
    return ctx.auth.auth(publicKey, signature);
  },
};

const ALL: Record<string, Method> = { ...authMethods, ...driveMethods, ...trashMethods, ...shareMethods, ...publicMethods, ...profileMethods };

/** The methods this adapter implements (README: "Methods"). */
export const IMPLEMENTED_METHODS = Object.freeze(Object.keys(ALL));

export function createRpcServer(ctx: DjibContext): jayson.Server {
  const methods: Record<string, jayson.MethodLike> = {};
  for (const [name, fn] of Object.entries(ALL)) {
    const handler = async (params: unknown, call: CallContext) => {
      try {
        return await fn(ctx, params, call);
      } catch (err) {
        const wire = toDjibError(err);
        if (wire.cause !== undefined) ctx.options.logger.error({ err: wire.cause, method: name }, 'djib method failed');
        throw { code: wire.code, message: wire.message };
      }
    };
    methods[name] = new jayson.Method(handler as never, { useContext: true });
  }
  return new jayson.Server(methods, { maxBatchLength: MAX_BATCH, useContext: true } as never);
}

export function rpcHandler(ctx: DjibContext, server: jayson.Server) {
  return async (req: Request, res: Response): Promise<void> => {
    let text: string;
    try {
      text = (await readBody(req, ctx.options.maxJsonBytes)).toString('utf8');
    } catch (err) {
      const wire = toDjibError(err);
      sendJson(res, 200, { jsonrpc: '2.0', error: { code: wire.code, message: wire.message }, id: null });
      return;
    }
    let request: unknown;
    try {
      request = JSON.parse(text);
    } catch {
      sendJson(res, 200, { jsonrpc: '2.0', error: { code: DJIB_ERRORS.ParseError.code, message: 'Parse error' }, id: null });
      return;
    }
    if (request === null || typeof request !== 'object') {
      sendJson(res, 200, { jsonrpc: '2.0', error: { code: DJIB_ERRORS.InvalidRequest.code, message: 'Invalid Request' }, id: null });
      return;
    }
    // jayson answers an over-long batch with its own -32099, inside Djib's server range: say -32600 here instead.
    if (Array.isArray(request) && request.length > MAX_BATCH) {
      sendJson(res, 200, { jsonrpc: '2.0', error: { code: DJIB_ERRORS.InvalidRequest.code, message: `Invalid Request: at most ${MAX_BATCH} calls per batch` }, id: null });
      return;
    }
    const call = callContextOf(ctx.options, req);
    (server as unknown as { call(r: unknown, c: object, cb: (e: unknown, r: unknown) => void): void }).call(request, call, (error, response) => {
      const body = error ?? response;
      if (body === undefined || body === null || (Array.isArray(body) && body.length === 0)) res.status(204).end();
      else sendJson(res, 200, body);
    });
  };
}
