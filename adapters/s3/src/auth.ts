/**
 * Authentication: AWS Signature Version 4, verified by the core (docs/sigv4.md;
 * https://docs.aws.amazon.com/AmazonS3/latest/API/sig-v4-authenticating-requests.html), against the tenant that
 * owns the access key. Anonymous requests are refused (AccessDenied): every bucket here is private.
 */
import type { S3Request as Request } from './context.js';
import {
  createPayloadDecoder, hasSigV4, sigv4HeadersFromRaw, StorageError, verifySigV4,
  type SigV4Request, type SigV4Result, type Storage, type Tenant,
} from '@omnigate/core';
import type { ResolvedS3Options } from './options.js';
import { rawTarget, requestHost } from './request.js';

export type { SigV4Result };
export { createPayloadDecoder };

export interface Authenticated {
  tenant: Tenant;
  auth: SigV4Result;
}

/** What the client signed: the raw target and headers, and the Host it addressed (X-Forwarded-Host behind a trusted proxy). */
export function sigV4Request(req: Request, options: ResolvedS3Options): SigV4Request {
  const { rawPath, rawQuery } = rawTarget(req);
  const headers: Record<string, string | undefined> = sigv4HeadersFromRaw(req.rawHeaders);
  if (options.trustProxy) headers.host = requestHost(req, options);
  return { method: req.method, rawPath, rawQuery, headers };
}

export async function authenticate(storage: Storage, req: Request, options: ResolvedS3Options): Promise<Authenticated> {
  const signed = sigV4Request(req, options);
  if (!hasSigV4(signed)) throw new StorageError('AccessDenied', 'Access Denied');
  const auth = await verifySigV4(
    signed,
    async (accessKey) => {
      const found = await storage.tenants.findByAccessKey(accessKey);
      return found && { secretKey: found.secretKey, principal: found.tenant };
    },
    { region: options.region, clockSkewSeconds: options.clockSkewSeconds },
  );
  return { tenant: auth.principal as Tenant, auth };
}
