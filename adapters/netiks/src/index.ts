/**
 * @omnigate/netiks — the Netiks asset API (direct multipart uploads, presigned bulk uploads, asset listing and
 * downloads) over the Omnigate storage core. See README.md.
 *
 *   app.use('/netiks', createNetiksAdapter(storage, { maxFileSize: 5 * 1024 ** 3 }));
 *
 * The router reads request bodies itself (files are streamed into the core): mount no body parser before it.
 */
import type { Router } from 'express';
import type { Storage } from '@omnigate/core';
import { resolveNetiksOptions, type NetiksAdapterOptions } from './options.js';
import { createNetiksRouter } from './router.js';

export type { NetiksAdapterOptions, ResolvedNetiksOptions } from './options.js';
export type { AssetView } from './views.js';
export type { PresignedFile } from './routes/presign.js';
export { DEFAULT_ASSETS_BUCKET, resolveNetiksOptions } from './options.js';
export { STORAGE_TO_NETIKS, NETIKS_ONLY_ERRORS, type NetiksErrorSpec, type NetiksOnlyErrorCode } from './errors.js';
export { sanitiseFileName } from './names.js';

export function createNetiksAdapter(storage: Storage, options: NetiksAdapterOptions = {}): Router {
  return createNetiksRouter(storage, resolveNetiksOptions(options, storage.options));
}
