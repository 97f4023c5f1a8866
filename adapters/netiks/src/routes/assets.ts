/**
 * GET    /api/v1/assets/?page=&page_size=&folder=   → { count, page, page_size, total_pages, next, previous, results }
 * GET    /api/v1/assets/:id/                        → Asset
 * DELETE /api/v1/assets/:id/                        → 204 (the asset and its object are gone)
 *
 * Pages are numbered from 1, newest asset first; `next`/`previous` are absolute URLs or null (README.md, "List").
 */
import type { Request, Router } from 'express';
import { StorageError } from '@omnigate/core';
import { assetOf } from '../assets.js';
import type { NetiksContext } from '../context.js';
import { authenticate, route, sendJson } from '../http.js';
import { checkFolder } from '../names.js';
import { assetView } from '../views.js';

const DEFAULT_PAGE_SIZE = 20;

export function registerAssetRoutes(router: Router, ctx: NetiksContext): void {
  router.get('/api/v1/assets/', route(ctx, async (req, res) => {
    const tenant = await authenticate(ctx, req);
    const page = positiveInt(req.query.page, 1, 'page', 1_000_000);
    const pageSize = positiveInt(req.query.page_size, Math.min(DEFAULT_PAGE_SIZE, ctx.options.maxPageSize), 'page_size', ctx.options.maxPageSize);
    const folder = req.query.folder === undefined ? undefined : checkFolder(single(req.query.folder, 'folder')) ?? undefined;
    const store = await ctx.store();
    const { total, assets } = await store.listAssets(tenant.id, { offset: (page - 1) * pageSize, limit: pageSize, folder });
    const totalPages = Math.max(1, Math.ceil(total / pageSize));
    sendJson(res, 200, {
      count: total,
      page,
      page_size: pageSize,
      total_pages: totalPages,
      next: page < totalPages ? pageUrl(ctx, req, page + 1, pageSize, folder) : null,
      previous: page > 1 ? pageUrl(ctx, req, Math.min(page - 1, totalPages), pageSize, folder) : null,
      results: assets.map((a) => assetView(ctx, req, a)),
    });
  }));

  router.get('/api/v1/assets/:id/', route(ctx, async (req, res) => {
    const tenant = await authenticate(ctx, req);
    sendJson(res, 200, assetView(ctx, req, await assetOf(ctx, tenant, String(req.params.id))));
  }));

  router.delete('/api/v1/assets/:id/', route(ctx, async (req, res) => {
    const tenant = await authenticate(ctx, req);
    const asset = await assetOf(ctx, tenant, String(req.params.id));
    // Only the asset's own object: a newer one written at the same key through another protocol stays.
    const current = await ctx.storage.headObject(tenant, asset.bucket, asset.key).catch(() => undefined);
    if (current?.fileId === asset.fileId) await ctx.storage.deleteObject(tenant, asset.bucket, asset.key);
    await (await ctx.store()).deleteAsset(asset.id);
    res.status(204).end();
  }));
}

function single(value: unknown, name: string): string {
  if (typeof value !== 'string') throw new StorageError('InvalidArgument', `${name} must be given once`);
  return value;
}

function positiveInt(value: unknown, fallback: number, name: string, max: number): number {
  if (value === undefined) return fallback;
  const text = single(value, name);
  const n = /^\d{1,9}$/.test(text) ? Number(text) : NaN;
  if (!(n >= 1 && n <= max)) throw new StorageError('InvalidArgument', `${name} must be an integer from 1 to ${max}`);
  return n;
}

function pageUrl(ctx: NetiksContext, req: Request, page: number, pageSize: number, folder: string | undefined): string {
  const query = new URLSearchParams({ page: String(page), page_size: String(pageSize) });
  if (folder !== undefined) query.set('folder', folder);
  return `${ctx.baseUrl(req)}/api/v1/assets/?${query}`;
}
