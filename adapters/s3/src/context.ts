/** What every handler receives: the parsed request, the authenticated tenant, and the response helpers' target. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Storage, Tenant } from '@omnigate/core';
import type { SigV4Result } from './auth.js';
import type { ResolvedS3Options } from './options.js';

/**
 * Plain node:http objects: the endpoint runs as an Express router or straight on a node:http server
 * (`createS3Handler`; a server request always has `url` and `method`). Under Express, `originalUrl` is the target
 * before any mount path was stripped.
 */
export type S3Request = IncomingMessage & { url: string; method: string; originalUrl?: string };
export type S3Response = ServerResponse;

export interface S3Context {
  readonly storage: Storage;
  readonly options: ResolvedS3Options;
  readonly req: S3Request;
  readonly res: S3Response;
  readonly requestId: string;
  readonly method: string;
  /** Lower-cased, one string per header. */
  readonly headers: Record<string, string | undefined>;
  readonly query: ReadonlyMap<string, string>;
  readonly bucket: string | undefined;
  readonly key: string | undefined;
  readonly tenant: Tenant;
  readonly auth: SigV4Result;
  /** Aborted when the client goes away before the exchange is complete. */
  readonly signal: AbortSignal;
}

export interface BucketContext extends S3Context {
  readonly bucket: string;
}

export interface ObjectContext extends BucketContext {
  readonly key: string;
}

export type Handler<C extends S3Context = S3Context> = (ctx: C) => Promise<void>;

/** The header value, or undefined when absent or empty. */
export function header(ctx: S3Context, name: string): string | undefined {
  const value = ctx.headers[name];
  return value === undefined || value === '' ? undefined : value;
}
