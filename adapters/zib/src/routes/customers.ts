/**
 * Customer-default webhooks (ZiB docs, "Webhooks"), bearer:
 *   GET   /v1/api/customers/me                              → { customer_id, webhook_url, webhook_secret_set }
 *   PATCH /v1/api/customers/<customer_id>/webhook           { webhook_url | null } → { customer_id, webhook_url[, webhook_secret] }
 *   POST  /v1/api/customers/<customer_id>/webhook/secret    { webhook_secret? }    → { customer_id, webhook_secret }
 * The customer id is the tenant id (`me` works too). A first URL without a secret gets a generated one, returned
 * once in that response; the secret is kept sealed under the KEK because signing needs it back.
 */
import { randomBytes } from 'node:crypto';
import type { Request, Router } from 'express';
import { StorageError, type Tenant } from '@omnigate/core';
import { authenticate } from '../auth.js';
import type { ZibContext } from '../context.js';
import { readJsonObject, route, sendJson } from '../http.js';

export function registerCustomerRoutes(router: Router, ctx: ZibContext): void {
  router.get('/v1/api/customers/me', route(ctx, async (req, res) => {
    const tenant = await authenticate(ctx, req);
    const customer = await (await ctx.store()).customer(tenant.id);
    sendJson(res, 200, { customer_id: tenant.id, webhook_url: customer?.webhookUrl ?? null, webhook_secret_set: Boolean(customer?.webhookSecret) });
  }));

  router.patch('/v1/api/customers/:customerId/webhook', route(ctx, async (req, res) => {
    const tenant = await customerOf(ctx, req);
    const body = await readJsonObject(req, ctx.options.maxJsonBytes);
    if (!('webhook_url' in body)) throw new StorageError('InvalidArgument', '"webhook_url" is required (null removes it)');
    const url = body.webhook_url === null ? null : parseWebhookUrl(body.webhook_url, 'webhook_url');
    const store = await ctx.store();
    const existing = await store.customer(tenant.id);
    const secret = url && !existing?.webhookSecret ? newSecret() : undefined;
    await store.saveCustomer(tenant.id, { webhookUrl: url, webhookSecret: secret && sealCustomerSecret(ctx, tenant, secret) }, ctx.now());
    sendJson(res, 200, { customer_id: tenant.id, webhook_url: url, ...(secret ? { webhook_secret: secret } : {}) });
  }));

  router.post('/v1/api/customers/:customerId/webhook/secret', route(ctx, async (req, res) => {
    const tenant = await customerOf(ctx, req);
    const body = await readJsonObject(req, ctx.options.maxJsonBytes);
    const secret = body.webhook_secret === undefined || body.webhook_secret === null ? newSecret() : parseWebhookSecret(body.webhook_secret, 'webhook_secret');
    await (await ctx.store()).saveCustomer(tenant.id, { webhookSecret: sealCustomerSecret(ctx, tenant, secret) }, ctx.now());
    sendJson(res, 200, { customer_id: tenant.id, webhook_secret: secret });
  }));
}

async function customerOf(ctx: ZibContext, req: Request): Promise<Tenant> {
  const tenant = await authenticate(ctx, req);
  const id = String(req.params.customerId);
  if (id !== 'me' && id !== tenant.id) throw new StorageError('AccessDenied', 'These credentials do not belong to that customer_id');
  return tenant;
}

function newSecret(): string {
  return `whsec_${randomBytes(24).toString('hex')}`;
}

function sealCustomerSecret(ctx: ZibContext, tenant: Tenant, secret: string): string {
  return ctx.seal(Buffer.from(secret, 'utf8'), `customer-webhook:${tenant.id}`);
}

export function parseWebhookUrl(value: unknown, name: string): string {
  const url = typeof value === 'string' && value.length <= 2048 && URL.canParse(value) ? new URL(value) : undefined;
  if (!url || !/^https?:$/.test(url.protocol) || url.username || url.password) {
    throw new StorageError('InvalidArgument', `"${name}" must be an absolute http(s) URL without credentials`);
  }
  return url.toString();
}

export function parseWebhookSecret(value: unknown, name: string): string {
  if (typeof value !== 'string' || value.length < 16 || value.length > 256) {
    throw new StorageError('InvalidArgument', `"${name}" must be a string of 16 to 256 characters`);
  }
  return value;
}
