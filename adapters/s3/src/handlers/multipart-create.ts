/**
 * CreateMultipartUpload (https://docs.aws.amazon.com/AmazonS3/latest/API/API_CreateMultipartUpload.html): the
 * object's content type, metadata, stored headers and tags are fixed here, as S3 does, and so are the checksum
 * algorithm and type it declares (x-amz-checksum-algorithm / x-amz-checksum-type), kept in the upload's attributes
 * and echoed; see multipart-checksums.ts.
 */
import type { Handler, ObjectContext } from '../context.js';
import { header } from '../context.js';
import { objectFieldsFromRequest } from '../headers.js';
import { declaredUploadChecksum } from '../multipart-checksums.js';
import { sendXml } from '../response.js';
import { checkEncryptionHeaders } from '../sse.js';
import { parseTaggingHeader } from '../tags.js';
import { el } from '../xml.js';

export const createMultipartUpload: Handler<ObjectContext> = async (ctx) => {
  checkEncryptionHeaders(ctx);
  const checksum = declaredUploadChecksum(ctx);
  const fields = objectFieldsFromRequest(ctx);
  const upload = await ctx.storage.multipart.create(ctx.tenant, ctx.bucket, ctx.key, {
    contentType: fields.contentType,
    metadata: fields.metadata,
    headers: fields.headers,
    tags: parseTaggingHeader(header(ctx, 'x-amz-tagging')),
    checksumAlgorithm: checksum?.algorithm,
    checksumType: checksum?.type,
  });
  ctx.res.setHeader('x-amz-server-side-encryption', 'AES256');
  if (checksum) {
    ctx.res.setHeader('x-amz-checksum-algorithm', checksum.algorithm.toUpperCase());
    ctx.res.setHeader('x-amz-checksum-type', checksum.type);
  }
  sendXml(ctx.res, 200, el('InitiateMultipartUploadResult', [el('Bucket', ctx.bucket), el('Key', ctx.key), el('UploadId', upload.uploadId)]));
};
