/**
 * UploadPart (https://docs.aws.amazon.com/AmazonS3/latest/API/API_UploadPart.html): streams like PutObject, with
 * the same Content-MD5 and flexible-checksum checks, before the part replaces any earlier part of that number. The
 * verified checksum is kept with the part; an upload that declared an algorithm refuses another one and has ours
 * computed for a part that sends none.
 */
import type { Handler, ObjectContext } from '../context.js';
import { payloadStream } from '../body.js';
import { checksumHeaders, createBodyVerifier } from '../checksums.js';
import { quoteEtag } from '../headers.js';
import { uploadChecksumOf } from '../multipart-checksums.js';
import { sendEmpty } from '../response.js';
import { partNumberOf, uploadIdOf } from './multipart-params.js';

export const uploadPart: Handler<ObjectContext> = async (ctx) => {
  const uploadId = uploadIdOf(ctx);
  const partNumber = partNumberOf(ctx);
  const upload = await ctx.storage.multipart.get(ctx.tenant, ctx.bucket, ctx.key, uploadId);
  let trailers: () => Record<string, string> = () => ({});
  const verifier = createBodyVerifier(ctx, () => trailers(), uploadChecksumOf(upload)?.algorithm);
  const payload = payloadStream(ctx);
  trailers = payload.trailers;
  const part = await ctx.storage.multipart.uploadPart(ctx.tenant, ctx.bucket, ctx.key, uploadId, partNumber, payload.body, {
    size: payload.size,
    onPlaintext: verifier.onPlaintext,
    beforeCommit: (digest) => ({ checksums: verifier.verify(digest) }),
    signal: ctx.signal,
  });
  ctx.res.setHeader('ETag', quoteEtag(part.etag));
  ctx.res.setHeader('x-amz-server-side-encryption', 'AES256');
  for (const [name, value] of Object.entries(checksumHeaders(part.checksums))) ctx.res.setHeader(name, value);
  sendEmpty(ctx.res, 200);
};
