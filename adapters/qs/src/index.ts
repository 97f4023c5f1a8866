/**
 * @omnigate/qs — the QS Upload API (sessions, /buckets multipart uploads, pre-signed downloads) over the Omnigate
 * storage core, plus a small /ipfs/<cid> gateway for public files. See README.md.
 *
 *   const contentIndex = await ContentIndex.open(storage.options.metadata);
 *   app.use('/qs', createQsAdapter(storage, { contentIndex, downloadSigningKey }));
 *   app.use('/ipfs', createIpfsGatewayRouter(storage, contentIndex));
 *
 * The router reads request bodies itself (parts are streamed): mount no body parser before it.
 */
import type { Router } from 'express';
import type { Storage } from '@omnigate/core';
import { resolveQsOptions, type QsAdapterOptions } from './options.js';
import { createQsRouter } from './router.js';

export type { QsAdapterOptions, QsDefaultRules, ResolvedQsOptions } from './options.js';
export type { SessionRules } from './rules.js';
export type { FileView, SessionView } from './views.js';
export type { QsExpiryReport } from './expire.js';
export { resolveQsOptions } from './options.js';
export { STORAGE_TO_QS, QS_ONLY_ERRORS, type QsOnlyErrorCode } from './errors.js';
export { encryptName, decryptName } from './name-crypto.js';
export { createIpfsGatewayRouter } from './ipfs-gateway.js';
export { expireQsUploads } from './expire.js';

export function createQsAdapter(storage: Storage, options: QsAdapterOptions = {}): Router {
  return createQsRouter(storage, resolveQsOptions(options, storage.options.maxObjectSize));
}
