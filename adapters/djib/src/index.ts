/**
 * @omnigate/djib — the Djib drive API (JSON-RPC 2.0 wallet sessions, drive, trash, favourites, /upload,
 * /download, /health) over the Omnigate storage core. See README.md.
 *
 *   app.use('/djib', createDjibAdapter(storage, { tenant, serverId: 'files.example.com' }));
 *
 * The router reads request bodies itself (uploads are streamed): mount no body parser before it.
 */
import type { Router } from 'express';
import type { Storage } from '@omnigate/core';
import { resolveDjibOptions, type DjibAdapterOptions } from './options.js';
import { createDjibRouter } from './router.js';

export type { DjibAdapterOptions, ResolvedDjibOptions } from './options.js';
export { resolveDjibOptions } from './options.js';
export { DJIB_ERRORS, STORAGE_TO_DJIB, type DjibErrorName } from './errors.js';
export { IMPLEMENTED_METHODS } from './rpc.js';
export { walletOf, type Wallet } from './auth.js';

export function createDjibAdapter(storage: Storage, options: DjibAdapterOptions): Router {
  return createDjibRouter(storage, resolveDjibOptions(options));
}
