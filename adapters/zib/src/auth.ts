/**
 * `Authorization: Bearer <access_key>:<secret_key>` (ZiB docs, "Authentication"): the tenant's S3 credentials,
 * checked by the core in constant time. Every failure is the same 401, so nothing tells a wrong key from a wrong secret.
 */
import type { Request } from 'express';
import type { Tenant } from '@omnigate/core';
import type { ZibContext } from './context.js';
import { ZibError } from './errors.js';

export async function authenticate(ctx: ZibContext, req: Request): Promise<Tenant> {
  const header = req.get('authorization') ?? '';
  const match = /^Bearer ([^:\s]{1,256}):(\S{1,256})$/i.exec(header.trim());
  if (!match) throw new ZibError('Unauthorized', 'Send Authorization: Bearer <access_key>:<secret_key>');
  const tenant = await ctx.storage.tenants.authenticate(match[1]!, match[2]!);
  if (!tenant) throw new ZibError('Unauthorized', 'The access key or secret key is not valid');
  return tenant;
}
