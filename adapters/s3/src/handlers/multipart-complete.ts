/**
 * CompleteMultipartUpload (https://docs.aws.amazon.com/AmazonS3/latest/API/API_CompleteMultipartUpload.html) and
 * AbortMultipartUpload. Part order, ETags and minimum sizes are checked by the core (InvalidPartOrder, InvalidPart,
 * EntityTooSmall). S3 may answer 200 and stream whitespace while it assembles; the core assembles without copying,
 * so a plain 200 document is sent. Per-part ChecksumXXX in the document must equal the part's kept checksum
 * (InvalidPart); the object's checksum (COMPOSITE or FULL_OBJECT) is derived from the parts' by
 * multipart-checksums.ts, stored and returned here. The request's own x-amz-checksum-* are about the object, so only
 * Content-MD5 checks the document.
 */
import type { Handler, ObjectContext } from '../context.js';
import { readSmallBody } from '../body.js';
import { CHECKSUM_ALGORITHMS, verifyContentMd5 } from '../checksums.js';
import { quoteEtag } from '../headers.js';
import { completedChecksum } from '../multipart-checksums.js';
import { requestHost } from '../request.js';
import { sendEmpty, sendXml } from '../response.js';
import { childrenOf, el, malformed, parseXmlBody, textOf } from '../xml.js';
import { checksumElements } from './shared.js';
import { uploadIdOf } from './multipart-params.js';

/** 10,000 parts with ETags and checksums fit well within this. */
const MAX_COMPLETE_BODY = 4 * 1024 * 1024;

export const completeMultipartUpload: Handler<ObjectContext> = async (ctx) => {
  const uploadId = uploadIdOf(ctx);
  const { body } = await readSmallBody(ctx, Math.max(ctx.options.maxXmlBodyBytes, MAX_COMPLETE_BODY));
  verifyContentMd5(ctx, body);
  const parts = childrenOf(parseXmlBody(body, 'CompleteMultipartUpload'), 'Part').map((node) => {
    const number = textOf(node, 'PartNumber') ?? '';
    if (!/^\d{1,5}$/.test(number)) throw malformed();
    const checksums: Record<string, string> = {};
    for (const algorithm of CHECKSUM_ALGORITHMS) {
      const value = textOf(node, `Checksum${algorithm.toUpperCase()}`);
      if (value !== undefined) checksums[algorithm] = value;
    }
    return { partNumber: Number(number), etag: textOf(node, 'ETag'), checksums };
  });
  if (parts.length === 0 || parts.length > 10000) throw malformed();
  const named = new Map(parts.map((p) => [p.partNumber, p.checksums]));
  const info = await ctx.storage.multipart.complete(ctx.tenant, ctx.bucket, ctx.key, uploadId, parts, {
    beforeCommit: (chosen, upload) => completedChecksum(ctx, upload, chosen, named),
  });
  ctx.res.setHeader('x-amz-server-side-encryption', 'AES256');
  const protocol = ctx.options.trustProxy ? ctx.req.headers['x-forwarded-proto'] ?? 'http' : (ctx.req.socket as { encrypted?: boolean }).encrypted ? 'https' : 'http';
  const path = ctx.key.split('/').map(encodeURIComponent).join('/');
  sendXml(ctx.res, 200, el('CompleteMultipartUploadResult', [
    el('Location', `${String(protocol)}://${requestHost(ctx.req, ctx.options)}/${encodeURIComponent(ctx.bucket)}/${path}`),
    el('Bucket', ctx.bucket),
    el('Key', ctx.key),
    el('ETag', quoteEtag(info.etag)),
    ...checksumElements(info.checksums, info.checksumType ?? 'FULL_OBJECT'),
  ]));
};

export const abortMultipartUpload: Handler<ObjectContext> = async (ctx) => {
  await ctx.storage.multipart.abort(ctx.tenant, ctx.bucket, ctx.key, uploadIdOf(ctx));
  sendEmpty(ctx.res, 204);
};
