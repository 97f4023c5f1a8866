/**
 * The bearer S3-style endpoint the ZiB docs use for account operations ("Python example — list objects",
 * SDK listBuckets / listObjects / deleteObject):
 *   GET    /s3/                    → ListAllMyBucketsResult XML
 *   GET    /s3/<bucket>            → ListBucketResult XML (V1: prefix, delimiter, marker, max-keys)
 *   GET    /s3/<bucket>/<key>      → 302 to the object's current CDN URL ("what S3 GET redirects to")
 *   DELETE /s3/<bucket>/<key>      → 204; the object and every fragment are removed (a missing key is fine, as S3)
 */
import type { Request, Response, Router } from 'express';
import { StorageError } from '@omnigate/core';
import { authenticate } from '../auth.js';
import type { ZibContext } from '../context.js';
import { ZibError } from '../errors.js';
import { baseUrl, route } from '../http.js';
import { document, el } from '../xml.js';

export function registerS3Routes(router: Router, ctx: ZibContext): void {
  router.use('/s3', route(ctx, async (req, res) => {
    const tenant = await authenticate(ctx, req);
    const path = req.path;
    const slash = path.indexOf('/', 1);
    const bucket = decode(slash === -1 ? path.slice(1) : path.slice(1, slash));
    const key = slash === -1 ? '' : decode(path.slice(slash + 1));
    if (req.method === 'GET' && bucket === '') {
      const buckets = await ctx.storage.listBuckets(tenant);
      return sendXml(res, document('ListAllMyBucketsResult', [
        el('Owner', [el('ID', tenant.id), el('DisplayName', tenant.name)]),
        el('Buckets', buckets.map((b) => el('Bucket', [el('Name', b.name), el('CreationDate', b.createdAt.toISOString())]))),
      ]));
    }
    if (req.method === 'GET' && key === '') return listObjects(ctx, req, res, tenant, bucket);
    if (req.method === 'GET') {
      const info = await ctx.storage.headObject(tenant, bucket, key);
      // Inside router.use('/s3') the base URL ends in /s3: the CDN lives beside it.
      res.status(302).setHeader('Location', `${baseUrl(ctx, req).replace(/\/s3$/, '')}/objects/${info.fileId}`);
      res.setHeader('Cache-Control', 'no-store');
      res.end();
      return;
    }
    if (req.method === 'DELETE' && bucket !== '' && key !== '') {
      await ctx.storage.deleteObject(tenant, bucket, key);
      res.status(204).end();
      return;
    }
    throw new ZibError('NotFound', `${req.method} is not supported on this path of the S3 listing endpoint`);
  }));
}

async function listObjects(ctx: ZibContext, req: Request, res: Response, tenant: Awaited<ReturnType<typeof authenticate>>, bucket: string): Promise<void> {
  const q = (name: string) => (typeof req.query[name] === 'string' ? req.query[name] as string : undefined);
  const prefix = q('prefix') ?? '';
  const delimiter = q('delimiter') ?? '';
  const marker = q('marker') ?? '';
  const maxKeysRaw = q('max-keys');
  const maxKeys = maxKeysRaw === undefined ? 1000 : /^\d{1,7}$/.test(maxKeysRaw) ? Math.min(Number(maxKeysRaw), 1000) : NaN;
  if (Number.isNaN(maxKeys)) throw new StorageError('InvalidArgument', 'max-keys must be a non-negative integer');
  const page = await ctx.storage.listObjects(tenant, bucket, { prefix, delimiter: delimiter || undefined, startAfter: marker || undefined, limit: maxKeys });
  sendXml(res, document('ListBucketResult', [
    el('Name', bucket),
    el('Prefix', prefix),
    el('Marker', marker),
    el('MaxKeys', maxKeys),
    delimiter ? el('Delimiter', delimiter) : '',
    el('IsTruncated', page.isTruncated),
    page.isTruncated && delimiter && page.nextMarker ? el('NextMarker', page.nextMarker) : '',
    ...page.objects.map((o) => el('Contents', [
      el('Key', o.key),
      el('LastModified', o.lastModified.toISOString()),
      el('ETag', `"${o.etag}"`),
      el('Size', o.size),
      el('StorageClass', 'STANDARD'),
    ])),
    ...page.commonPrefixes.map((p) => el('CommonPrefixes', [el('Prefix', p)])),
  ]));
}

function decode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new StorageError('InvalidArgument', 'The path is not valid percent-encoding');
  }
}

function sendXml(res: Response, xml: string): void {
  const bytes = Buffer.from(xml, 'utf8');
  res.status(200);
  res.setHeader('Content-Type', 'application/xml');
  res.setHeader('Content-Length', bytes.length);
  res.setHeader('Cache-Control', 'no-store');
  res.end(bytes);
}
