/**
 * A minimal path gateway: GET|HEAD /<cid> serves the bytes of the newest live *public* file whose CID (Kubo
 * defaults, CIDv0) is <cid>; a CIDv1 dag-pb sha2-256 form of the same CID is accepted too. Anything not public
 * is 404, exactly like an unknown CID. Responses are immutable: ETag "<cid>", long Cache-Control, Range support.
 * Mounted at /ipfs by the server (`app.use('/ipfs', createIpfsGatewayRouter(storage, contentIndex))`).
 * https://specs.ipfs.tech/http-gateways/path-gateway/ — only files, no directories, CAR or raw-block responses.
 */
import express, { type Router } from 'express';
import { toCidV0, type ContentIndex, type Storage } from '@omnigate/core';
import { QsContext } from './context.js';
import { QsError } from './errors.js';
import { route } from './http.js';
import { resolveQsOptions, type QsAdapterOptions } from './options.js';
import { serveObject } from './serve-object.js';

export function createIpfsGatewayRouter(storage: Storage, contentIndex: ContentIndex, options: Pick<QsAdapterOptions, 'logger'> = {}): Router {
  const ctx = new QsContext(storage, resolveQsOptions({ logger: options.logger, contentIndex }, storage.options.maxObjectSize));
  const router = express.Router();
  router.get('/:cid', route(ctx, async (req, res) => {
    const requested = String(req.params.cid);
    const cid = toCidV0(requested);
    if (!cid) throw new QsError('InvalidCid', 'Not a CID this gateway serves: expected a CIDv0 (Qm…) or its CIDv1 dag-pb form');
    const fileId = await contentIndex.findPublic(cid);
    if (!fileId) throw new QsError('NotFound', 'No public file has this CID');
    const etag = `"${requested}"`;
    const headers = {
      ETag: etag,
      'Cache-Control': 'public, max-age=29030400, immutable',
      'X-Ipfs-Path': `/ipfs/${requested}`,
      'X-Content-Type-Options': 'nosniff',
    };
    if (matches(req.get('if-none-match'), etag)) {
      res.status(304);
      for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
      res.end();
      return;
    }
    await serveObject(storage, req, res, fileId, headers);
  }));
  return router;
}

function matches(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  return header.split(',').some((v) => {
    const t = v.trim();
    return t === '*' || t === etag || t === `W/${etag}`;
  });
}
