/**
 * CompleteMultipartUpload (https://docs.aws.amazon.com/AmazonS3/latest/API/API_CompleteMultipartUpload.html) and
 * AbortMultipartUpload. Part order, ETags and minimum sizes are checked by the core (InvalidPartOrder, InvalidPart,
 * EntityTooSmall). S3 may answer 200 and stream whitespace while it assembles; the core assembles without copying,
 * so a plain 200 document is sent. Per-part checksums in the document are accepted and not kept.
 */
import type { Handler, ObjectContext } from '../context.js';
import { readSmallBody } from '../body.js';
import { verifyBufferedBody } from '../checksums.js';
import { quoteEtag } from '../headers.js';
import { requestHost } from '../request.js';
import { sendEmpty, sendXml } from '../response.js';
import { childrenOf, el, malformed, parseXmlBody, textOf } from '../xml.js';
import { uploadIdOf } from './multipart-params.js';

/** 10,000 parts with ETags and checksums fit well within this. */
const MAX_COMPLETE_BODY = 4 * 1024 * 1024;

export const completeMultipartUpload: Handler<ObjectContext> = async (ctx) => {
  const uploadId = uploadIdOf(ctx);
  const { body, trailers } = await readSmallBody(ctx, Math.max(ctx.options.maxXmlBodyBytes, MAX_COMPLETE_BODY));
  verifyBufferedBody(ctx, body, trailers);
  const parts = childrenOf(parseXmlBody(body, 'CompleteMultipartUpload'), 'Part').map((node) => {
    const number = textOf(node, 'PartNumber') ?? '';
    if (!/^\d{1,5}$/.test(number)) throw malformed();
    return { partNumber: Number(number), etag: textOf(node, 'ETag') };
  });
  if (parts.length === 0 || parts.length > 10000) throw malformed();
  const info = await ctx.storage.multipart.complete(ctx.tenant, ctx.bucket, ctx.key, uploadId, parts);
  ctx.res.setHeader('x-amz-server-side-encryption', 'AES256');
  const protocol = ctx.options.trustProxy ? ctx.req.headers['x-forwarded-proto'] ?? 'http' : (ctx.req.socket as { encrypted?: boolean }).encrypted ? 'https' : 'http';
  const path = ctx.key.split('/').map(encodeURIComponent).join('/');
  sendXml(ctx.res, 200, el('CompleteMultipartUploadResult', [
    el('Location', `${String(protocol)}://${requestHost(ctx.req, ctx.options)}/${encodeURIComponent(ctx.bucket)}/${path}`),
    el('Bucket', ctx.bucket),
    el('Key', ctx.key),
    el('ETag', quoteEtag(info.etag)),
  ]));
};

export const abortMultipartUpload: Handler<ObjectContext> = async (ctx) => {
  await ctx.storage.multipart.abort(ctx.tenant, ctx.bucket, ctx.key, uploadIdOf(ctx));
  sendEmpty(ctx.res, 204);
};
