/**
 * PutObject (https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObject.html): the body streams from the socket
 * through the SigV4 payload decoder into storage, never buffered. Content-MD5 and a flexible checksum are computed
 * on the way and checked before the object becomes visible (BadDigest leaves the previous object in place).
 * If-Match / If-None-Match make the write conditional (https://docs.aws.amazon.com/AmazonS3/latest/userguide/conditional-writes.html).
 */
import type { Handler, ObjectContext } from '../context.js';
import { header } from '../context.js';
import { payloadStream } from '../body.js';
import { checksumHeaders, createBodyVerifier } from '../checksums.js';
import { conditionsFromHeaders, objectFieldsFromRequest, quoteEtag } from '../headers.js';
import { sendEmpty } from '../response.js';
import { checkEncryptionHeaders } from '../sse.js';
import { parseTaggingHeader } from '../tags.js';

export const putObject: Handler<ObjectContext> = async (ctx) => {
  checkEncryptionHeaders(ctx);
  const fields = objectFieldsFromRequest(ctx);
  const tags = parseTaggingHeader(header(ctx, 'x-amz-tagging'));
  const conditions = conditionsFromHeaders(ctx);
  let trailers: () => Record<string, string> = () => ({});
  const verifier = createBodyVerifier(ctx, () => trailers());
  const payload = payloadStream(ctx);
  trailers = payload.trailers;
  const info = await ctx.storage.putObject(ctx.tenant, ctx.bucket, ctx.key, payload.body, {
    size: payload.size,
    contentType: fields.contentType,
    metadata: fields.metadata,
    headers: fields.headers,
    tags,
    // Writes honour only the ETag conditions; dates are ignored, as S3 does.
    conditions: conditions && (conditions.ifMatch !== undefined || conditions.ifNoneMatch !== undefined)
      ? { ifMatch: conditions.ifMatch, ifNoneMatch: conditions.ifNoneMatch }
      : undefined,
    onPlaintext: verifier.onPlaintext,
    beforeCommit: (digest) => ({ checksums: verifier.verify(digest) }),
    signal: ctx.signal,
  });
  ctx.res.setHeader('ETag', quoteEtag(info.etag));
  ctx.res.setHeader('x-amz-server-side-encryption', 'AES256');
  for (const [name, value] of Object.entries(checksumHeaders(info.checksums))) ctx.res.setHeader(name, value);
  sendEmpty(ctx.res, 200);
};
