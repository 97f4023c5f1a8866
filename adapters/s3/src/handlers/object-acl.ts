/** GetObjectAcl: objects are private, their owner has FULL_CONTROL (https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObjectAcl.html). */
import type { Handler, ObjectContext } from '../context.js';
import { sendXml } from '../response.js';
import { cannedAcl } from './bucket-config.js';

export const getObjectAcl: Handler<ObjectContext> = async (ctx) => {
  await ctx.storage.headObject(ctx.tenant, ctx.bucket, ctx.key);
  sendXml(ctx.res, 200, cannedAcl(ctx));
};
