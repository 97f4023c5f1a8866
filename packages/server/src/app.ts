import express, { type Express, type Router } from 'express';
import { hasSigV4, type Storage } from '@omnigate/core';
import { createMetrics } from './metrics.js';

/** Whether the request carries S3 auth (header or presigned query), by the core's own rule. */
function isSigned(req: express.Request): boolean {
  const at = req.originalUrl.indexOf('?');
  return hasSigV4({ method: req.method, rawPath: '', rawQuery: at < 0 ? '' : req.originalUrl.slice(at + 1), headers: req.headers as Record<string, string | undefined> });
}

export interface AppOptions {
  storage: Storage;
  trustProxy?: boolean;
  /** Protocol routers mounted under their reserved first segment ('/zib', '/qs', ...). */
  adapters?: Array<{ path: string; router: Router }>;
  /** The S3 endpoint, mounted at '/' after everything else: it owns every path the others do not. */
  s3?: Router;
  /** First path segments the server reserves; unsigned requests there that no adapter took get a JSON 404. */
  reservedSegments?: readonly string[];
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
  if (options.s3) {
    const s3 = options.s3;
    const reserved = new Set(options.reservedSegments ?? []);
    // A signed request is an S3 client's (it gets S3's InvalidBucketName for a reserved name); anything else under a
    // reserved segment is a protocol this server does not (yet) mount here, answered below as JSON.
    app.use((req, res, next) => {
      const first = req.path.split('/')[1] ?? '';
      if (reserved.has(first) && !isSigned(req)) return next();
      s3(req, res, next);
    });
  }

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
