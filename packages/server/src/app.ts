import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import express, { type Express, type Router } from 'express';
import { hasSigV4, type Storage } from '@omnigate/core';
import { firstSegment } from './compose.js';
import { createMetrics, type Metrics } from './metrics.js';

/** Whether the request carries S3 auth (header or presigned query), by the core's own rule. */
function isSigned(req: express.Request): boolean {
  const at = req.originalUrl.indexOf('?');
  return hasSigV4({ method: req.method, rawPath: '', rawQuery: at < 0 ? '' : req.originalUrl.slice(at + 1), headers: req.headers as Record<string, string | undefined> });
}

/** A plain node:http handler that answers every request it gets (the S3 endpoint's `createS3Handler`). */
export type NodeHandler = (req: IncomingMessage, res: ServerResponse) => void;

export interface AppOptions {
  storage: Storage;
  trustProxy?: boolean;
  /** Protocol routers mounted under their reserved first segment ('/zib', '/qs', ...). */
  adapters?: Array<{ path: string; router: Router }>;
  /** The S3 endpoint: it owns every path whose first segment is not reserved, and signed requests under reserved ones. */
  s3?: NodeHandler;
  /** First path segments the server reserves; unsigned requests there that no adapter took get a JSON 404. */
  reservedSegments?: readonly string[];
}

/** The Express app of `omnigate serve`: health and metrics, then every protocol adapter, then S3. */
export function createApp(options: AppOptions): Express {
  return buildApp(options, createMetrics(options.storage));
}

/**
 * The request listener `omnigate serve` runs: a request for a bucket (first path segment not reserved) goes straight
 * to the S3 handler, counted by the metrics; everything else goes through the Express app. Express's per-request work
 * (its prototype swap on req/res, its router walking every mount) measured ~250 µs of a ~700 µs 4 KiB GET here.
 */
export function createRequestListener(options: AppOptions): RequestListener {
  const metrics = createMetrics(options.storage);
  const app = buildApp(options, metrics);
  const { s3 } = options;
  if (!s3) return app;
  const reserved = new Set(options.reservedSegments ?? []);
  return (req, res) => {
    if (reserved.has(firstSegment(req.url ?? '/'))) return app(req, res);
    metrics.track(req, res);
    s3(req, res);
  };
}

function buildApp(options: AppOptions, metrics: Metrics): Express {
  const { storage } = options;
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', options.trustProxy ?? false);
  // Adapters read raw bodies themselves (SigV4 payload hashes, webhook HMACs): no global body parser here.
  app.use(metrics.middleware);
  const reserved = new Set(options.reservedSegments ?? []);
  const { s3 } = options;
  // The S3 endpoint owns every path whose first segment is not reserved: such a request goes straight to it rather
  // than past the health, metrics and adapter routes, none of which can match it.
  if (s3) app.use((req, res, next) => (reserved.has(firstSegment(req.url)) ? next() : s3(req, res)));

  app.get('/health', async (_req, res) => {
    const health = await storage.health();
    res.status(health.status === 'down' ? 503 : 200).json(health);
  });
  app.get('/metrics', async (_req, res) => {
    res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });
  for (const { path, router } of options.adapters ?? []) app.use(path, router);
  if (s3) {
    // Under a reserved segment that no adapter took, a signed request is an S3 client's (it gets S3's
    // InvalidBucketName for a reserved name); anything else is a protocol this server does not mount, answered below.
    app.use((req, res, next) => (isSigned(req) ? s3(req, res) : next()));
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
