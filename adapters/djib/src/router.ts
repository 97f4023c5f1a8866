/**
 * The Djib router: JSON-RPC at POST /, plus /upload, /download, /download-shared, /email-confirm/:token and
 * /health. Other paths call next().
 */
import express, { type Router } from 'express';
import { ContentIndex, type Storage } from '@omnigate/core';
import { WalletAuth } from './auth.js';
import type { DjibContext } from './context.js';
import { download } from './download.js';
import { downloadShared } from './download-shared.js';
import { emailConfirm } from './email-confirm.js';
import { route, sendJson } from './http.js';
import { createMailer } from './mailer.js';
import type { ResolvedDjibOptions } from './options.js';
import { WalletQueue } from './quota.js';
import { createRpcServer, rpcHandler } from './rpc.js';
import { DjibStore } from './store/djib-store.js';
import { upload } from './upload.js';

export function createDjibRouter(storage: Storage, options: ResolvedDjibOptions): Router {
  // Tables are created once, before the first request is served (no async work in the factory itself).
  const ready = Promise.all([
    DjibStore.open(storage.options.metadata),
    options.contentIndex ?? ContentIndex.open(storage.options.metadata),
  ]).then(([store, contentIndex]) => {
    const ctx: DjibContext = { storage, store, contentIndex, auth: new WalletAuth(storage, store, options), mailer: createMailer(options), writes: new WalletQueue(), options };
    return { ctx, rpc: rpcHandler(ctx, createRpcServer(ctx)) };
  });
  ready.catch(() => {});
  const router = express.Router();
  router.use((_req, _res, next) => { ready.then(() => next(), next); });
  const http = (handler: (ctx: DjibContext, req: express.Request, res: express.Response) => Promise<void>) =>
    async (req: express.Request, res: express.Response) => {
      const { ctx } = await ready;
      route(ctx, (q, s) => handler(ctx, q, s))(req, res);
    };
  router.post('/', async (req, res) => (await ready).rpc(req, res));
  router.post('/upload', http(upload));
  router.get('/download', http(download));
  router.get('/download-shared', http(downloadShared));
  router.get('/email-confirm/:token', http(emailConfirm));
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
