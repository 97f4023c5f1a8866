/**
 * @omnigate/s3 — an S3-compatible endpoint over the Omnigate storage core.
 *
 *   app.use('/', createS3Adapter(storage, { virtualHostSuffixes: ['s3.localhost'] }));
 *
 * The router reads raw request bodies itself (SigV4 payload hashes): mount no body parser before it.
 */
import type { Router } from 'express';
import type { Storage } from '@omnigate/core';
import { resolveS3Options, type S3AdapterOptions } from './options.js';
import { createS3Handler as handlerFor, createS3Router, type S3Handler } from './router.js';

export type { S3AdapterOptions, ResolvedS3Options } from './options.js';
export { DEFAULT_RESERVED_FIRST_SEGMENTS, resolveS3Options } from './options.js';
export { STORAGE_TO_S3, S3_ONLY_ERRORS } from './errors.js';

export type { S3Handler };

export function createS3Adapter(storage: Storage, options: S3AdapterOptions = {}): Router {
  return createS3Router(storage, resolveS3Options(options));
}

/**
 * The same endpoint as a plain node:http request listener, for a server without Express in front of it:
 *   http.createServer(createS3Handler(storage)).listen(9000);
 */
export function createS3Handler(storage: Storage, options: S3AdapterOptions = {}): S3Handler {
  return handlerFor(storage, resolveS3Options(options));
}
