/** The Netiks router: every route of the protocol on one Express Router; paths it does not own go to `next()`. */
import express, { type Router } from 'express';
import type { Storage } from '@omnigate/core';
import { NetiksContext } from './context.js';
import type { ResolvedNetiksOptions } from './options.js';
import { registerAssetRoutes } from './routes/assets.js';
import { registerDownloadRoute } from './routes/download.js';
import { registerPresignRoute } from './routes/presign.js';
import { registerPresignedPutRoute } from './routes/presigned-put.js';
import { registerUploadFileRoute } from './routes/upload-file.js';

export function createNetiksRouter(storage: Storage, options: ResolvedNetiksOptions): Router {
  const ctx = new NetiksContext(storage, options);
  // Case-sensitive as the documented paths are; the trailing slash is optional. No body parser: routes read
  // their own bodies (multipart streams into the core; the presigned PUT's raw body is the file).
  const router = express.Router({ caseSensitive: true, strict: false });
  registerUploadFileRoute(router, ctx);
  registerPresignRoute(router, ctx);
  registerDownloadRoute(router, ctx);
  registerAssetRoutes(router, ctx);
  registerPresignedPutRoute(router, ctx);
  return router;
}
