/** GET /sdk/zib-sdk.js: the browser SDK (@omnigate/zib-sdk), one dependency-free file, for a <script> tag on any origin. */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { pipeline } from 'node:stream/promises';
import type { Router } from 'express';
import type { ZibContext } from '../context.js';
import { readCors, route } from '../http.js';

export function registerSdkRoute(router: Router, ctx: ZibContext): void {
  const file = createRequire(import.meta.url).resolve('@omnigate/zib-sdk/zib-sdk.js');
  router.get('/sdk/zib-sdk.js', route(ctx, async (_req, res) => {
    const { size, mtime } = await stat(file);
    readCors(res);
    res.status(200);
    res.setHeader('Content-Type', 'text/javascript; charset=utf-8');
    res.setHeader('Content-Length', size);
    res.setHeader('Last-Modified', mtime.toUTCString());
    res.setHeader('Cache-Control', 'public, max-age=300');
    await pipeline(createReadStream(file), res);
  }));
}
