/**
 * POST /api/v1/assets/developer-upload-file/   (x-api-key)
 *
 *   Content-Type: multipart/form-data   field `file` (+ optional `name`, `folder`)   → 201 Asset   (Mode 1)
 *   Content-Type: application/json      { "is_presigned": true, upload_id, key, … } → 201 Asset, 200 on repeat (Mode 2)
 *
 * Both modes answer the same Asset JSON (views.ts). See README.md.
 */
import type { Router } from 'express';
import { StorageError } from '@omnigate/core';
import { discardObject, registerAsset } from '../assets.js';
import { confirmUpload } from '../confirm.js';
import type { NetiksContext } from '../context.js';
import { NetiksError } from '../errors.js';
import { authenticate, contentLength, mediaType, readJsonObject, route, sendJson } from '../http.js';
import { receiveMultipart, tooLarge } from '../multipart.js';
import { assetView } from '../views.js';

/** Room for the multipart framing and the small fields around the file, when judging Content-Length up front. */
const FORM_OVERHEAD = 1024 * 1024;

export function registerUploadFileRoute(router: Router, ctx: NetiksContext): void {
  router.post('/api/v1/assets/developer-upload-file/', route(ctx, async (req, res) => {
    const tenant = await authenticate(ctx, req);
    const type = mediaType(req);
    if (type === 'multipart/form-data') {
      const declared = contentLength(req);
      if (declared !== undefined && declared > ctx.options.maxFileSize + FORM_OVERHEAD) throw tooLarge(ctx.options.maxFileSize);
      const bucket = await ctx.ensureBucket(tenant);
      const received = await receiveMultipart(ctx, req, res, tenant, bucket);
      const asset = await registerAsset(ctx, tenant, received.info, { id: received.assetId, name: received.name, folder: received.folder, uploadMode: 'direct' })
        .catch(async (err: unknown) => {
          await discardObject(ctx, tenant, received.info);
          throw err;
        });
      sendJson(res, 201, assetView(ctx, req, asset));
      return;
    }
    if (type === 'application/json') {
      const body = await readJsonObject(req, ctx.options.maxJsonBytes);
      if (body.is_presigned !== true) {
        throw new StorageError('InvalidArgument', 'A JSON body confirms a presigned upload and needs "is_presigned": true; upload files as multipart/form-data');
      }
      const { asset, created } = await confirmUpload(ctx, tenant, body);
      sendJson(res, created ? 201 : 200, assetView(ctx, req, asset));
      return;
    }
    throw new NetiksError('UnsupportedMediaType', 'Use Content-Type multipart/form-data (direct upload) or application/json (confirm a presigned upload)');
  }));
}
