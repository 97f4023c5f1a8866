/** The Djib router: JSON-RPC at POST /, plus /upload, /download and /health. Other paths call next(). */
import express, { type Router } from 'express';
import type { Storage } from '@omnigate/core';
import { WalletAuth } from './auth.js';
import type { DjibContext } from './context.js';
import { download } from './download.js';
import { route, sendJson } from './http.js';
import type { ResolvedDjibOptions } from './options.js';
import { createRpcServer, rpcHandler } from './rpc.js';
import { DjibStore } from './store/djib-store.js';
import { upload } from './upload.js';

export function createDjibRouter(storage: Storage, options: ResolvedDjibOptions): Router {
  // Tables are created once, before the first request is served (no async work in the factory itself).
  const ready = DjibStore.open(storage.options.metadata).then((store) => {
    const ctx: DjibContext = { storage, store, auth: new WalletAuth(storage, store, options), options };
    return { ctx, rpc: rpcHandler(ctx, createRpcServer(ctx)) };
  });
  ready.catch(() => {});
  const router = express.Router();
  router.use((_req, _res, next) => { ready.then(() => next(), next); });
  router.post('/', async (req, res) => (await ready).rpc(req, res));
  router.post('/upload', async (req, res) => { const { ctx } = await ready; route(ctx, (q, s) => upload(ctx, q, s))(req, res); });
  router.get('/download', async (req, res) => { const { ctx } = await ready; route(ctx, (q, s) => download(ctx, q, s))(req, res); });
  router.get('/health', async (_req, res) => {
    let status: 'ok' | 'degraded' | 'unknown' = 'unknown';
    try {
      const h = await storage.health();
      status = h.status === 'ok' ? 'ok' : 'degraded';
    } catch {
      status = 'unknown';
    }
    sendJson(res, 200, { status });
  });
  return router;
}
