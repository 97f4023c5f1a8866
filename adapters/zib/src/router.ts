/** The ZiB router: every route of the protocol on one Express Router; paths it does not own go to `next()`. */
import express, { type Router } from 'express';
import type { Storage } from '@omnigate/core';
import { ZibContext } from './context.js';
import type { ResolvedZibOptions } from './options.js';
import { registerCdnRoute } from './routes/cdn.js';
import { registerCustomerRoutes } from './routes/customers.js';
import { registerInitiateRoute } from './routes/initiate.js';
import { registerNodeUploadRoutes } from './routes/node-upload.js';
import { registerPipelineRoute } from './routes/pipeline.js';
import { registerS3Routes } from './routes/s3-listing.js';
import { registerSdkRoute } from './routes/sdk.js';

export function createZibRouter(storage: Storage, options: ResolvedZibOptions): { router: Router; ctx: ZibContext } {
  const ctx = new ZibContext(storage, options);
  // Case-sensitive and strict as the documented paths are; no body parser: routes read their own bodies.
  const router = express.Router({ caseSensitive: true });
  registerInitiateRoute(router, ctx);
  registerNodeUploadRoutes(router, ctx);
  registerCdnRoute(router, ctx);
  registerS3Routes(router, ctx);
  registerPipelineRoute(router, ctx);
  registerCustomerRoutes(router, ctx);
  registerSdkRoute(router, ctx);
  return { router, ctx };
}
