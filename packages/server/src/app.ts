import express, { type Express, type Router } from 'express';
import type { Storage } from '@omnigate/core';
import { createMetrics } from './metrics.js';

export interface AppOptions {
  storage: Storage;
  trustProxy?: boolean;
  /** Protocol routers by mount path ('/' last: S3 owns every path the others do not). */
  adapters?: Array<{ path: string; router: Router }>;
}

/** The Express app of `omnigate serve`: health and metrics, then every protocol adapter. */
export function createApp(options: AppOptions): Express {
  const { storage } = options;
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', options.trustProxy ?? false);
  // Adapters read raw bodies themselves (SigV4 payload hashes, webhook HMACs): no global body parser here.
  const metrics = createMetrics(storage);
  app.use(metrics.middleware);

  app.get('/health', async (_req, res) => {
    const health = await storage.health();
    res.status(health.status === 'down' ? 503 : 200).json(health);
  });
  app.get('/metrics', async (_req, res) => {
    res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });
  for (const { path, router } of options.adapters ?? []) app.use(path, router);

  // Nothing claimed the request: a JSON 404, never Express's HTML page.
  app.use((_req, res) => {
    res.status(404).json({ error: { code: 'NotFound', message: 'No such route' } });
  });
  // Last resort: an error no adapter mapped. Never a stack trace.
  app.use((err: unknown, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
    const status = typeof (err as { status?: unknown }).status === 'number' ? (err as { status: number }).status : 500;
    if (res.headersSent) return res.destroy();
    res.status(status >= 400 && status < 600 ? status : 500).json({ error: { code: status === 500 ? 'InternalError' : 'BadRequest', message: status === 500 ? 'Internal error' : 'Bad request' } });
  });
  return app;
}
