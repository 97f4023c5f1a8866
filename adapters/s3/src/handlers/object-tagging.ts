/**
 * Get/Put/DeleteObjectTagging (https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObjectTagging.html).
 * Putting replaces the whole tag set; deleting empties it.
 */
import type { Handler, ObjectContext } from '../context.js';
import { readSmallBody } from '../body.js';
import { verifyBufferedBody } from '../checksums.js';
import { sendEmpty, sendXml } from '../response.js';
import { parseTaggingDocument, tagSetXml } from '../tags.js';
import { parseXmlBody } from '../xml.js';

export const getObjectTagging: Handler<ObjectContext> = async (ctx) => {
  const info = await ctx.storage.headObject(ctx.tenant, ctx.bucket, ctx.key);
  sendXml(ctx.res, 200, tagSetXml(info.tags));
};

export const putObjectTagging: Handler<ObjectContext> = async (ctx) => {
  const { body, trailers } = await readSmallBody(ctx, 64 * 1024);
  verifyBufferedBody(ctx, body, trailers);
  const tags = parseTaggingDocument(parseXmlBody(body, 'Tagging'));
  await ctx.storage.setObjectTags(ctx.tenant, ctx.bucket, ctx.key, tags);
  sendEmpty(ctx.res, 200);
};

export const deleteObjectTagging: Handler<ObjectContext> = async (ctx) => {
  await ctx.storage.setObjectTags(ctx.tenant, ctx.bucket, ctx.key, {});
  sendEmpty(ctx.res, 204);
};
