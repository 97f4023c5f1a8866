/**
 * Bucket and object configuration this server does not offer, answered the way S3 answers for a bucket that never
 * had it configured, so tools that probe (aws cli, rclone, SDK helpers) keep working:
 * - versioning: never enabled → empty <VersioningConfiguration/>
 *   (https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetBucketVersioning.html);
 * - ACLs: private, the owner has FULL_CONTROL (https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetBucketAcl.html);
 * - encryption: always on, SSE with AES256 (objects are encrypted at rest);
 * - policy, tagging, lifecycle, website, replication, object lock...: the "no such configuration" error;
 * - deleting any of those: 204, nothing to delete.
 * Changing any of them is NotImplemented (see the router).
 */
import type { BucketContext, Handler, S3Context } from '../context.js';
import { S3Error, type S3OnlyErrorCode } from '../errors.js';
import { sendEmpty, sendXml } from '../response.js';
import { el, type XmlElement } from '../xml.js';
import { owner } from './shared.js';

function answer(document: (ctx: S3Context) => XmlElement): Handler<BucketContext> {
  return async (ctx) => {
    await ctx.storage.headBucket(ctx.tenant, ctx.bucket);
    sendXml(ctx.res, 200, document(ctx));
  };
}

function missing(code: S3OnlyErrorCode, message: string): Handler<BucketContext> {
  return async (ctx) => {
    await ctx.storage.headBucket(ctx.tenant, ctx.bucket);
    throw new S3Error(code, message);
  };
}

export function cannedAcl(ctx: S3Context): XmlElement {
  const grantee = el('Grantee', [el('ID', ctx.tenant.id), el('DisplayName', ctx.tenant.name)], {
    'xmlns:xsi': 'http://www.w3.org/2001/XMLSchema-instance',
    'xsi:type': 'CanonicalUser',
  });
  return el('AccessControlPolicy', [owner(ctx.tenant), el('AccessControlList', [el('Grant', [grantee, el('Permission', 'FULL_CONTROL')])])]);
}

/** GET ?<subresource> on a bucket. */
export const bucketConfigGetters: Record<string, Handler<BucketContext>> = {
  versioning: answer(() => el('VersioningConfiguration')),
  acl: answer(cannedAcl),
  encryption: answer(() => el('ServerSideEncryptionConfiguration', [
    el('Rule', [el('ApplyServerSideEncryptionByDefault', [el('SSEAlgorithm', 'AES256')]), el('BucketKeyEnabled', false)]),
  ])),
  logging: answer(() => el('BucketLoggingStatus')),
  notification: answer(() => el('NotificationConfiguration')),
  requestPayment: answer(() => el('RequestPaymentConfiguration', [el('Payer', 'BucketOwner')])),
  accelerate: answer(() => el('AccelerateConfiguration')),
  policy: missing('NoSuchBucketPolicy', 'The bucket policy does not exist'),
  policyStatus: missing('NoSuchBucketPolicy', 'The bucket policy does not exist'),
  tagging: missing('NoSuchTagSet', 'The TagSet does not exist'),
  lifecycle: missing('NoSuchLifecycleConfiguration', 'The lifecycle configuration does not exist'),
  website: missing('NoSuchWebsiteConfiguration', 'The specified bucket does not have a website configuration'),
  replication: missing('ReplicationConfigurationNotFoundError', 'The replication configuration was not found'),
  'object-lock': missing('ObjectLockConfigurationNotFoundError', 'Object Lock configuration does not exist for this bucket'),
  publicAccessBlock: missing('NoSuchPublicAccessBlockConfiguration', 'The public access block configuration was not found'),
  ownershipControls: missing('OwnershipControlsNotFoundError', 'The bucket ownership controls were not found'),
};

const deleteNothing: Handler<BucketContext> = async (ctx) => {
  await ctx.storage.headBucket(ctx.tenant, ctx.bucket);
  sendEmpty(ctx.res, 204);
};

/** DELETE ?<subresource> on a bucket, for configurations that can never exist here. */
export const bucketConfigDeleters: Record<string, Handler<BucketContext>> = Object.fromEntries(
  ['policy', 'tagging', 'lifecycle', 'website', 'replication', 'encryption', 'publicAccessBlock', 'ownershipControls'].map((n) => [n, deleteNothing]),
);
