/**
 * Which operation a request is: method × level (service, bucket, object) × subresource, the query parameter that
 * selects an operation (`?uploads`, `?tagging`...; https://docs.aws.amazon.com/AmazonS3/latest/API/API_Operations_Amazon_Simple_Storage_Service.html).
 * A known subresource without a handler here is NotImplemented; a method a resource never takes is MethodNotAllowed.
 */
import type { BucketContext, Handler, ObjectContext, S3Context } from './context.js';
import { header } from './context.js';
import { S3Error } from './errors.js';
import { createBucket, deleteBucket, getBucketLocation, headBucket } from './handlers/bucket.js';
import { bucketConfigDeleters, bucketConfigGetters } from './handlers/bucket-config.js';
import { deleteBucketCors, getBucketCors, putBucketCors } from './handlers/bucket-cors.js';
import { copyObject } from './handlers/copy-object.js';
import { deleteObject } from './handlers/delete-object.js';
import { deleteObjects } from './handlers/delete-objects.js';
import { getObject } from './handlers/get-object.js';
import { getObjectAttributes } from './handlers/get-object-attributes.js';
import { listBuckets } from './handlers/list-buckets.js';
import { listMultipartUploads } from './handlers/list-multipart-uploads.js';
import { listObjects, listObjectVersions } from './handlers/list-objects.js';
import { abortMultipartUpload, completeMultipartUpload } from './handlers/multipart-complete.js';
import { createMultipartUpload } from './handlers/multipart-create.js';
import { listParts } from './handlers/multipart-list-parts.js';
import { uploadPart } from './handlers/multipart-upload-part.js';
import { uploadPartCopy } from './handlers/multipart-upload-part-copy.js';
import { getObjectAcl } from './handlers/object-acl.js';
import { deleteObjectTagging, getObjectTagging, putObjectTagging } from './handlers/object-tagging.js';
import { putObject } from './handlers/put-object.js';

/** Query parameters that name an operation rather than qualify one, in the order they are tested. */
const SUBRESOURCES = [
  'uploadId', 'uploads', 'delete', 'tagging', 'acl', 'cors', 'location', 'versioning', 'versions', 'attributes',
  'policy', 'policyStatus', 'lifecycle', 'encryption', 'website', 'replication', 'logging', 'notification',
  'object-lock', 'publicAccessBlock', 'ownershipControls', 'requestPayment', 'accelerate', 'analytics', 'metrics',
  'inventory', 'intelligent-tiering', 'legal-hold', 'retention', 'restore', 'select', 'torrent', 'renameObject',
  'metadataConfiguration', 'metadataTable', 'session',
];

type Table<C extends S3Context> = Record<string, Record<string, Handler<C>>>;

/** A copy is a PUT with x-amz-copy-source. */
const putOrCopy: Handler<ObjectContext> = (ctx) => (header(ctx, 'x-amz-copy-source') !== undefined ? copyObject(ctx) : putObject(ctx));
const partOrCopy: Handler<ObjectContext> = (ctx) => (header(ctx, 'x-amz-copy-source') !== undefined ? uploadPartCopy(ctx) : uploadPart(ctx));

const SERVICE: Table<S3Context> = {
  GET: { '': listBuckets },
};

const BUCKET: Table<BucketContext> = {
  GET: {
    '': listObjects, location: getBucketLocation, versions: listObjectVersions, uploads: listMultipartUploads,
    cors: getBucketCors, ...bucketConfigGetters,
  },
  HEAD: { '': headBucket },
  PUT: { '': createBucket, cors: putBucketCors },
  DELETE: { '': deleteBucket, cors: deleteBucketCors, ...bucketConfigDeleters },
  POST: { delete: deleteObjects },
};

const OBJECT: Table<ObjectContext> = {
  GET: { '': getObject, uploadId: listParts, tagging: getObjectTagging, acl: getObjectAcl, attributes: getObjectAttributes },
  HEAD: { '': getObject },
  PUT: { '': putOrCopy, uploadId: partOrCopy, tagging: putObjectTagging },
  DELETE: { '': deleteObject, uploadId: abortMultipartUpload, tagging: deleteObjectTagging },
  POST: { uploads: createMultipartUpload, uploadId: completeMultipartUpload },
};

export function route(ctx: S3Context): Handler<S3Context> {
  const table = (ctx.bucket === undefined ? SERVICE : ctx.key === undefined ? BUCKET : OBJECT) as Table<S3Context>;
  const operations = table[ctx.method];
  if (!operations) throw new S3Error('MethodNotAllowed', 'The specified method is not allowed against this resource.');
  const subresource = SUBRESOURCES.find((name) => ctx.query.has(name)) ?? '';
  const handler = operations[subresource];
  if (!handler) {
    if (subresource === '') throw new S3Error('MethodNotAllowed', 'The specified method is not allowed against this resource.');
    throw new S3Error('NotImplemented', 'A header or query you provided implies functionality that is not implemented.');
  }
  return handler;
}
