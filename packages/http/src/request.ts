/** What adapters need to know about a request beyond its body: disconnects and where links should point. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { StorageError } from '@omnigate/core';

/** Aborted when the client disconnects before the request body or the response is complete (STYLE §11). */
export function abortSignal(req: IncomingMessage, res: ServerResponse): AbortSignal {
  const controller = new AbortController();
  const abort = () => controller.abort(new StorageError('RequestAborted', 'The client closed the connection'));
  req.once('close', () => { if (!req.complete) abort(); });
  res.once('close', () => { if (!res.writableFinished) abort(); });
  return controller.signal;
}

/** The parts of an Express request that `mountUrl` reads (kept structural so the package needs no Express types). */
export interface MountedRequest {
  protocol: string;
  /** Express 5's `req.host`: host and port, from X-Forwarded-Host only when the app trusts proxies. */
  host: string;
  baseUrl: string;
}

/**
 * The public URL of the router that handles `req`: the configured public base when there is one, else the scheme
 * and host this request came in on (Express applies the app's `trust proxy` setting to both) plus the
 * router's mount path, so links work at `/zib` in `omnigate serve` and at the root of a user's own app alike.
 */
export function mountUrl(req: MountedRequest, publicBaseUrl?: string): string {
  if (publicBaseUrl) return publicBaseUrl.replace(/\/+$/, '');
  return `${req.protocol}://${req.host || 'localhost'}${req.baseUrl}`;
}
