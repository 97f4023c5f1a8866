/** DeleteObject (https://docs.aws.amazon.com/AmazonS3/latest/API/API_DeleteObject.html): 204 whether or not the key existed. */
import type { Handler, ObjectContext } from '../context.js';
import { sendEmpty } from '../response.js';

export const deleteObject: Handler<ObjectContext> = async (ctx) => {
  await ctx.storage.deleteObject(ctx.tenant, ctx.bucket, ctx.key);
  sendEmpty(ctx.res, 204);
};
