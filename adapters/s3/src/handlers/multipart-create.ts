/**
 * CreateMultipartUpload (https://docs.aws.amazon.com/AmazonS3/latest/API/API_CreateMultipartUpload.html): the
 * object's content type, metadata, stored headers and tags are fixed here, as S3 does.
 */
import type { Handler, ObjectContext } from '../context.js';
import { header } from '../context.js';
import { isChecksumAlgorithm } from '../checksums.js';
import { S3Error } from '../errors.js';
import { objectFieldsFromRequest } from '../headers.js';
import { sendXml } from '../response.js';
import { checkEncryptionHeaders } from '../sse.js';
import { parseTaggingHeader } from '../tags.js';
import { el } from '../xml.js';

export const createMultipartUpload: Handler<ObjectContext> = async (ctx) => {
  checkEncryptionHeaders(ctx);
  const algorithm = header(ctx, 'x-amz-checksum-algorithm');
  if (algorithm !== undefined && !isChecksumAlgorithm(algorithm.toLowerCase())) {
    throw new S3Error('InvalidRequest', 'Checksum algorithm provided is unsupported. Please try again with any of the valid types: [CRC32, CRC32C, CRC64NVME, SHA1, SHA256]');
  }
  const fields = objectFieldsFromRequest(ctx);
  const upload = await ctx.storage.multipart.create(ctx.tenant, ctx.bucket, ctx.key, {
    contentType: fields.contentType,
    metadata: fields.metadata,
    headers: fields.headers,
    tags: parseTaggingHeader(header(ctx, 'x-amz-tagging')),
  });
  ctx.res.setHeader('x-amz-server-side-encryption', 'AES256');
  // Each part's checksum is verified when it arrives; the completed object keeps none (no composite checksum).
  if (algorithm !== undefined) ctx.res.setHeader('x-amz-checksum-algorithm', algorithm.toUpperCase());
  sendXml(ctx.res, 200, el('InitiateMultipartUploadResult', [el('Bucket', ctx.bucket), el('Key', ctx.key), el('UploadId', upload.uploadId)]));
};
