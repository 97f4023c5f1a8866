/** ListBuckets: https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListBuckets.html (prefix, max-buckets, continuation-token). */
import type { Handler } from '../context.js';
import { integerParam } from '../headers.js';
import { sendXml } from '../response.js';
import { el, opt } from '../xml.js';
import { decodeToken, encodeToken, isoDate, owner } from './shared.js';

export const listBuckets: Handler = async (ctx) => {
  const prefix = ctx.query.get('prefix') ?? '';
  const max = integerParam(ctx, 'max-buckets', 10000, 10000);
  const token = ctx.query.get('continuation-token');
  const after = token === undefined ? undefined : decodeToken(token);
  const all = (await ctx.storage.listBuckets(ctx.tenant))
    .filter((b) => b.name.startsWith(prefix) && (after === undefined || b.name > after))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const page = all.slice(0, Math.max(max, 1));
  const next = all.length > page.length ? page.at(-1)?.name : undefined;
  sendXml(ctx.res, 200, el('ListAllMyBucketsResult', [
    el('Buckets', page.map((b) => el('Bucket', [el('Name', b.name), el('CreationDate', isoDate(b.createdAt)), el('BucketRegion', ctx.options.region)]))),
    owner(ctx.tenant),
    opt('ContinuationToken', next === undefined ? undefined : encodeToken(next)),
    opt('Prefix', ctx.query.has('prefix') ? prefix : undefined),
  ]));
};
