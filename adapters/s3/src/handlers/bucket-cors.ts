/**
 * PutBucketCors / GetBucketCors / DeleteBucketCors (https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketCors.html).
 * Rules are stored in the bucket's settings (`cors`), merged with whatever else other protocols keep there.
 */
import type { BucketContext, Handler } from '../context.js';
import { readSmallBody } from '../body.js';
import { verifyBufferedBody } from '../checksums.js';
import { corsRulesOf, corsXml, parseCorsDocument } from '../cors.js';
import { S3Error } from '../errors.js';
import { sendEmpty, sendXml } from '../response.js';
import { parseXmlBody } from '../xml.js';

export const putBucketCors: Handler<BucketContext> = async (ctx) => {
  const { body, trailers } = await readSmallBody(ctx, 64 * 1024);
  verifyBufferedBody(ctx, body, trailers);
  const rules = parseCorsDocument(parseXmlBody(body, 'CORSConfiguration'));
  const { settings } = await ctx.storage.headBucket(ctx.tenant, ctx.bucket);
  await ctx.storage.updateBucketSettings(ctx.tenant, ctx.bucket, { ...settings, cors: rules });
  sendEmpty(ctx.res, 200);
};

export const getBucketCors: Handler<BucketContext> = async (ctx) => {
  const rules = corsRulesOf((await ctx.storage.headBucket(ctx.tenant, ctx.bucket)).settings);
  if (rules.length === 0) throw new S3Error('NoSuchCORSConfiguration', 'The CORS configuration does not exist');
  sendXml(ctx.res, 200, corsXml(rules));
};

export const deleteBucketCors: Handler<BucketContext> = async (ctx) => {
  const { settings } = await ctx.storage.headBucket(ctx.tenant, ctx.bucket);
  if ('cors' in settings) {
    const { cors: _removed, ...rest } = settings;
    await ctx.storage.updateBucketSettings(ctx.tenant, ctx.bucket, rest);
  }
  sendEmpty(ctx.res, 204);
};
