/**
 * Bucket lifecycle: CreateBucket (https://docs.aws.amazon.com/AmazonS3/latest/API/API_CreateBucket.html),
 * HeadBucket, DeleteBucket, GetBucketLocation.
 */
import type { BucketContext, Handler } from '../context.js';
import { readSmallBody } from '../body.js';
import { verifyBufferedBody } from '../checksums.js';
import { S3Error } from '../errors.js';
import { sendEmpty, sendXml } from '../response.js';
import { el, parseXmlBody, textOf } from '../xml.js';

/** The body is optional; a LocationConstraint other than our region is refused, as a regional S3 endpoint does. */
export const createBucket: Handler<BucketContext> = async (ctx) => {
  const { body, trailers } = await readSmallBody(ctx);
  if (body.length > 0) {
    verifyBufferedBody(ctx, body, trailers);
    const config = parseXmlBody(body, 'CreateBucketConfiguration');
    const constraint = textOf(config, 'LocationConstraint');
    if (constraint && constraint !== ctx.options.region) {
      throw new S3Error('IllegalLocationConstraintException', `The ${constraint} location constraint is incompatible for the region specific endpoint this request was sent to.`);
    }
  }
  await ctx.storage.createBucket(ctx.tenant, ctx.bucket);
  ctx.res.setHeader('Location', `/${ctx.bucket}`);
  sendEmpty(ctx.res, 200);
};

export const headBucket: Handler<BucketContext> = async (ctx) => {
  await ctx.storage.headBucket(ctx.tenant, ctx.bucket);
  ctx.res.setHeader('x-amz-bucket-region', ctx.options.region);
  sendEmpty(ctx.res, 200);
};

export const deleteBucket: Handler<BucketContext> = async (ctx) => {
  await ctx.storage.deleteBucket(ctx.tenant, ctx.bucket);
  sendEmpty(ctx.res, 204);
};

/** us-east-1 is the empty LocationConstraint (https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetBucketLocation.html). */
export const getBucketLocation: Handler<BucketContext> = async (ctx) => {
  await ctx.storage.headBucket(ctx.tenant, ctx.bucket);
  const { region } = ctx.options;
  sendXml(ctx.res, 200, el('LocationConstraint', region === 'us-east-1' ? undefined : region));
};
