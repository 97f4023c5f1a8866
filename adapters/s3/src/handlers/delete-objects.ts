/**
 * DeleteObjects (https://docs.aws.amazon.com/AmazonS3/latest/API/API_DeleteObjects.html): up to 1000 keys,
 * verbose or quiet (errors only). S3 requires an integrity header: Content-MD5, or (newer SDKs) a flexible checksum.
 * The document is validated whole before any key is deleted.
 */
import type { BucketContext, Handler } from '../context.js';
import { readSmallBody } from '../body.js';
import { hasIntegrityHeader, verifyBufferedBody } from '../checksums.js';
import { S3Error, toS3Error } from '../errors.js';
import { sendXml } from '../response.js';
import { childrenOf, el, malformed, parseXmlBody, textOf, type XmlElement } from '../xml.js';

const MAX_KEYS = 1000;

export const deleteObjects: Handler<BucketContext> = async (ctx) => {
  const { body, trailers } = await readSmallBody(ctx);
  if (!hasIntegrityHeader(ctx)) throw new S3Error('InvalidRequest', 'Missing required header for this request: Content-MD5');
  verifyBufferedBody(ctx, body, trailers);
  const root = parseXmlBody(body, 'Delete');
  const quiet = (textOf(root, 'Quiet') ?? 'false').toLowerCase() === 'true';
  const objects = childrenOf(root, 'Object').map((node) => {
    const key = textOf(node, 'Key', true);
    if (key === undefined || key === '') throw malformed();
    return { key, versionId: textOf(node, 'VersionId') };
  });
  if (objects.length === 0 || objects.length > MAX_KEYS) throw malformed();

  const entries: XmlElement[] = [];
  const deletable = objects.filter((o) => {
    // Unversioned buckets have one version per key, "null".
    if (o.versionId === undefined || o.versionId === 'null') return true;
    entries.push(errorEntry(o.key, 'NoSuchVersion', 'The specified version does not exist.', o.versionId));
    return false;
  });
  const results = await ctx.storage.deleteObjects(ctx.tenant, ctx.bucket, deletable.map((o) => o.key));
  results.forEach((result, i) => {
    const versionId = deletable[i]?.versionId;
    if (result.error) {
      const wire = toS3Error(result.error);
      entries.push(errorEntry(result.key, wire.code, wire.message, versionId));
    } else if (!quiet) {
      entries.push(el('Deleted', [el('Key', result.key), versionId ? el('VersionId', versionId) : undefined]));
    }
  });
  sendXml(ctx.res, 200, el('DeleteResult', entries));
};

function errorEntry(key: string, code: string, message: string, versionId: string | undefined): XmlElement {
  return el('Error', [el('Key', key), versionId ? el('VersionId', versionId) : undefined, el('Code', code), el('Message', message)]);
}
