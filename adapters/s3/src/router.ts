/**
 * The S3 endpoint as one request handler. Per request: ids, addressing, CORS preflight (unauthenticated), SigV4,
 * CORS headers for the bucket's rules, dispatch, and one place where every failure becomes an S3 error. It needs
 * nothing of Express (plain node:http request and response), so it serves as an Express router mounted at '/',
 * which owns every path that reaches it (nothing falls through to `next()`), or straight from a node:http server.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Router } from 'express';
import { pooledRandomBytes, StorageError, type Storage } from '@omnigate/core';
import { abortSignal } from '@omnigate/http';
import { authenticate } from './auth.js';
import { drainRequest } from './body.js';
import { header, type S3Context, type S3Request as Request, type S3Response as Response } from './context.js';
import { matchRule, preflightRules, setCorsHeaders, tenantCorsRules } from './cors.js';
import { route } from './dispatch.js';
import { S3Error } from './errors.js';
import type { ResolvedS3Options } from './options.js';
import { flatHeaders, parseQuery, rawTarget, resolveAddress, type S3Address } from './request.js';
import { sendEmpty, sendError } from './response.js';

/** A node:http request listener for the endpoint; it answers every request itself. */
export type S3Handler = (req: IncomingMessage, res: ServerResponse) => void;

export function createS3Handler(storage: Storage, options: ResolvedS3Options): S3Handler {
  return (req, res) => {
    void handle(storage, options, req as Request, res);
  };
}

export function createS3Router(storage: Storage, options: ResolvedS3Options): Router {
  const router = Router();
  const s3 = createS3Handler(storage, options);
  router.use((req, res) => s3(req, res));
  return router;
}

async function handle(storage: Storage, options: ResolvedS3Options, req: Request, res: Response): Promise<void> {
  const ids = pooledRandomBytes(32); // both ids from one draw
  const requestId = ids.toString('hex', 0, 8).toUpperCase();
  res.setHeader('x-amz-request-id', requestId);
  res.setHeader('x-amz-id-2', ids.subarray(8).toString('base64'));
  let resource = '/';
  let ctx: S3Context | undefined;
  try {
    const address = resolveAddress(req, options);
    resource = address.bucket === undefined ? '/' : `/${address.bucket}${address.key === undefined ? '' : `/${address.key}`}`;
    if (address.bucket !== undefined && options.reservedFirstSegments.has(address.bucket)) {
      throw new StorageError('InvalidBucketName', `The specified bucket is not valid: "${address.bucket}" is reserved by this server`, { bucket: address.bucket });
    }
    if (req.method === 'OPTIONS') return await preflight(storage, req, res, address);
    const { tenant, auth } = await authenticate(storage, req, options);
    const query = parseQuery(rawTarget(req).rawQuery);
    const versionId = query.get('versionId');
    if (address.key !== undefined && versionId !== undefined && versionId !== 'null') {
      throw new StorageError('InvalidArgument', 'Invalid version id specified');
    }
    ctx = {
      storage, options, req, res, requestId, tenant, auth, query,
      method: req.method, headers: flatHeaders(req), bucket: address.bucket, key: address.key,
      signal: abortSignal(req, res),
    };
    // https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucket-owner-condition.html
    const expectedOwner = header(ctx, 'x-amz-expected-bucket-owner');
    if (expectedOwner !== undefined && expectedOwner !== tenant.id) throw new StorageError('AccessDenied', 'Access Denied');
    const origin = header(ctx, 'origin');
    if (origin !== undefined && address.bucket !== undefined) {
      const rule = matchRule(await tenantCorsRules(storage, tenant, address.bucket), origin, req.method === 'HEAD' ? 'HEAD' : req.method);
      if (rule) setCorsHeaders(res, rule, origin);
    }
    await route(ctx)(ctx);
  } catch (err) {
    const sent = sendError(req, res, err, resource, requestId);
    // A client that went away is not a server failure.
    if (sent.cause !== undefined && !ctx?.signal.aborted) options.logger.error({ err: sent.cause, requestId, method: req.method, resource }, 's3 request failed');
    if (ctx) drainRequest(ctx);
    else if (!req.complete) req.resume();
  }
}

/**
 * A CORS preflight (https://docs.aws.amazon.com/AmazonS3/latest/API/RESTOPTIONSobject.html): answered from the
 * bucket's rules without authentication; no matching rule is 403.
 */
async function preflight(storage: Storage, req: Request, res: Response, address: S3Address): Promise<void> {
  const origin = req.headers.origin;
  const method = req.headers['access-control-request-method'];
  if (!origin) throw new S3Error('BadRequest', 'Insufficient information. Origin request header needed.');
  if (!method) throw new S3Error('BadRequest', 'Invalid Access-Control-Request-Method: null');
  const requestHeaders = (req.headers['access-control-request-headers'] ?? '').split(',').map((h) => h.trim().toLowerCase()).filter(Boolean);
  const rules = address.bucket === undefined ? [] : await preflightRules(storage, address.bucket);
  const rule = matchRule(rules, origin, method, requestHeaders);
  if (!rule) {
    throw new S3Error('AccessForbidden', rules.length === 0
      ? 'CORSResponse: CORS is not enabled for this bucket.'
      : 'CORSResponse: This CORS request is not allowed. This is usually because the evalution of Origin, request method / Access-Control-Request-Method or Access-Control-Request-Headers are not whitelisted by the resource\'s CORS spec.');
  }
  setCorsHeaders(res, rule, origin, { requestHeaders });
  sendEmpty(res, 200);
}
