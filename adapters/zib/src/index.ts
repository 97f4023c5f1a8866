/**
 * @omnigate/zib — the ZiB REST API (initiate, client-side encrypted node uploads, CDN, S3-style listings, webhooks)
 * over the Omnigate storage core. See README.md and PROTOCOL.md.
 *
 *   const zib = createZibAdapter(storage, { webhooks: { retryBaseMs: 10_000 } });
 *   app.use('/zib', zib);          // or app.use(zib) at the root of your own app
 *   ...
 *   await zib.close();             // stops the webhook worker before the storage closes
 *
 * The router reads request bodies itself (ciphertext is streamed): mount no body parser before it.
 */
import type { Router } from 'express';
import type { Storage } from '@omnigate/core';
import { resolveZibOptions, type ZibAdapterOptions } from './options.js';
import { createZibRouter } from './router.js';
import { WebhookWorker } from './webhooks/worker.js';

export type { ZibAdapterOptions, ZibWebhookOptions, ResolvedZibOptions } from './options.js';
export { resolveZibOptions } from './options.js';
export { STORAGE_TO_ZIB, ZIB_ONLY_ERRORS, type ZibOnlyErrorCode } from './errors.js';
export { signBody, signTimestamped } from './webhooks/signature.js';

/** An Express router with the adapter's background work (webhook outbox, file watcher) attached. */
export type ZibAdapter = Router & {
  /** Stops the background worker and waits for its pass in progress. Idempotent. */
  close(): Promise<void>;
  /** Runs the worker now rather than at its next poll (tests, admin tools). */
  kick(): void;
};

export function createZibAdapter(storage: Storage, options: ZibAdapterOptions = {}): ZibAdapter {
  const resolved = resolveZibOptions(options);
  const { router, ctx } = createZibRouter(storage, resolved);
  const worker = new WebhookWorker(ctx);
  if (resolved.startWorker) worker.start();
  return Object.assign(router, {
    close: () => worker.close(),
    kick: () => worker.kick(),
  });
}
