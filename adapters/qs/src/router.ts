/** The QS router: every route of the protocol on one Express Router; paths it does not own go to `next()`. */
import express, { type Router } from 'express';
import type { Storage } from '@omnigate/core';
import { QsContext } from './context.js';
import type { ResolvedQsOptions } from './options.js';
import { registerCompleteRoute } from './routes/complete.js';
import { registerDownloadRoute } from './routes/download.js';
import { registerFileRoutes } from './routes/files.js';
import { registerSessionRoutes } from './routes/sessions.js';
import { registerUploadPartRoute } from './routes/upload-part.js';
import { registerUploadRoutes } from './routes/uploads.js';

export function createQsRouter(storage: Storage, options: ResolvedQsOptions): Router {
  const ctx = new QsContext(storage, options);
  // Case-sensitive and strict as the documented paths are; no body parser: routes read their own bodies.
  const router = express.Router({ caseSensitive: true });
  registerSessionRoutes(router, ctx);
  registerUploadRoutes(router, ctx);
  registerUploadPartRoute(router, ctx);
  registerCompleteRoute(router, ctx);
  registerFileRoutes(router, ctx);
  registerDownloadRoute(router, ctx);
  return router;
}
