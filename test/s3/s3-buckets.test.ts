import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  CreateBucketCommand, DeleteBucketCommand, GetBucketAclCommand, GetBucketEncryptionCommand, GetBucketLocationCommand,
  GetBucketPolicyCommand, GetBucketVersioningCommand, HeadBucketCommand, ListBucketsCommand, PutObjectCommand, DeleteObjectCommand,
  PutBucketVersioningCommand,
} from '@aws-sdk/client-s3';
import { fetchSigned, s3Error, startS3Server, type S3TestServer } from './s3-server.js';

describe('S3 buckets', () => {
  let s3: S3TestServer;
  before(async () => {
    s3 = await startS3Server();
  });
  after(async () => {
    await s3.close();
  });

  test('create (with and without configuration), head, location, list, delete', async () => {
    await s3.client.send(new CreateBucketCommand({ Bucket: 'alpha' }));
    await s3.client.send(new CreateBucketCommand({ Bucket: 'beta', CreateBucketConfiguration: { LocationConstraint: 'us-east-1' as never } }));
    const head = await s3.client.send(new HeadBucketCommand({ Bucket: 'alpha' }));
    assert.equal(head.$metadata.httpStatusCode, 200);
    assert.equal(head.BucketRegion, 'us-east-1');
    const location = await s3.client.send(new GetBucketLocationCommand({ Bucket: 'alpha' }));
    assert.equal(location.LocationConstraint, undefined);
    const list = await s3.client.send(new ListBucketsCommand({}));
    assert.deepEqual(list.Buckets?.map((b) => b.Name), ['alpha', 'beta']);
    assert.equal(list.Owner?.DisplayName, 's3-tenant');
    assert.ok(list.Buckets?.[0]?.CreationDate instanceof Date);
    await s3.client.send(new DeleteBucketCommand({ Bucket: 'beta' }));
    const after = await s3.client.send(new ListBucketsCommand({}));
    assert.deepEqual(after.Buckets?.map((b) => b.Name), ['alpha']);
  });

  test('errors: existing, invalid, reserved, wrong region, missing, not empty', async () => {
    assert.deepEqual(await s3Error(s3.client.send(new CreateBucketCommand({ Bucket: 'alpha' }))).then((e) => [e.code, e.status]), ['BucketAlreadyOwnedByYou', 409]);
    assert.deepEqual(await s3Error(s3.client.send(new CreateBucketCommand({ Bucket: 'Bad_Name' }))).then((e) => [e.code, e.status]), ['InvalidBucketName', 400]);
    for (const reserved of ['zib', 'health', 'metrics', 'ipfs']) {
      assert.deepEqual(await s3Error(s3.client.send(new CreateBucketCommand({ Bucket: reserved }))).then((e) => [e.code, e.status]), ['InvalidBucketName', 400], reserved);
    }
    const wrongRegion = await s3Error(s3.client.send(new CreateBucketCommand({ Bucket: 'gamma', CreateBucketConfiguration: { LocationConstraint: 'eu-west-1' } })));
    assert.deepEqual([wrongRegion.code, wrongRegion.status], ['IllegalLocationConstraintException', 400]);
    const headMissing = await s3Error(s3.client.send(new HeadBucketCommand({ Bucket: 'nope-nope' })));
    assert.equal(headMissing.status, 404);
    assert.deepEqual(await s3Error(s3.client.send(new DeleteBucketCommand({ Bucket: 'nope-nope' }))).then((e) => [e.code, e.status]), ['NoSuchBucket', 404]);
    await s3.client.send(new PutObjectCommand({ Bucket: 'alpha', Key: 'k', Body: 'x' }));
    assert.deepEqual(await s3Error(s3.client.send(new DeleteBucketCommand({ Bucket: 'alpha' }))).then((e) => [e.code, e.status]), ['BucketNotEmpty', 409]);
    await s3.client.send(new DeleteObjectCommand({ Bucket: 'alpha', Key: 'k' }));
    const list = await s3.client.send(new ListBucketsCommand({}));
    assert.deepEqual(list.Buckets?.map((b) => b.Name), ['alpha'], 'nothing was created by the failed calls');
  });

  test('tenants see only their own buckets', async () => {
    const { credentials } = await s3.storage.tenants.create('other-tenant');
    const other = s3.newClient({ credentials: { accessKeyId: credentials.accessKey, secretAccessKey: credentials.secretKey } });
    assert.deepEqual((await other.send(new ListBucketsCommand({}))).Buckets ?? [], []);
    assert.equal((await s3Error(other.send(new HeadBucketCommand({ Bucket: 'alpha' })))).status, 404);
    assert.equal((await s3Error(other.send(new PutObjectCommand({ Bucket: 'alpha', Key: 'x', Body: 'y' })))).code, 'NoSuchBucket');
    // The same name is free for another tenant.
    await other.send(new CreateBucketCommand({ Bucket: 'alpha' }));
    assert.deepEqual((await other.send(new ListBucketsCommand({}))).Buckets?.map((b) => b.Name), ['alpha']);
  });

  test('configuration S3 has but this server does not: answered like a bucket that never had it', async () => {
    const versioning = await s3.client.send(new GetBucketVersioningCommand({ Bucket: 'alpha' }));
    assert.equal(versioning.Status, undefined);
    const acl = await s3.client.send(new GetBucketAclCommand({ Bucket: 'alpha' }));
    assert.equal(acl.Grants?.[0]?.Permission, 'FULL_CONTROL');
    assert.equal(acl.Grants?.[0]?.Grantee?.Type, 'CanonicalUser');
    assert.equal(acl.Owner?.ID, s3.tenant.id);
    const encryption = await s3.client.send(new GetBucketEncryptionCommand({ Bucket: 'alpha' }));
    assert.equal(encryption.ServerSideEncryptionConfiguration?.Rules?.[0]?.ApplyServerSideEncryptionByDefault?.SSEAlgorithm, 'AES256');
    assert.deepEqual(await s3Error(s3.client.send(new GetBucketPolicyCommand({ Bucket: 'alpha' }))).then((e) => [e.code, e.status]), ['NoSuchBucketPolicy', 404]);
    assert.deepEqual(await s3Error(s3.client.send(new PutBucketVersioningCommand({ Bucket: 'alpha', VersioningConfiguration: { Status: 'Enabled' } }))).then((e) => [e.code, e.status]), ['NotImplemented', 501]);
    assert.equal((await s3Error(s3.client.send(new GetBucketPolicyCommand({ Bucket: 'missing-bucket' })))).code, 'NoSuchBucket');
  });

  test('x-amz-expected-bucket-owner: the tenant id, else AccessDenied', async () => {
    await s3.client.send(new HeadBucketCommand({ Bucket: 'alpha', ExpectedBucketOwner: s3.tenant.id }));
    const e = await s3Error(s3.client.send(new HeadBucketCommand({ Bucket: 'alpha', ExpectedBucketOwner: '123456789012' })));
    assert.equal(e.status, 403);
  });

  test('raw requests: request ids, XML errors, anonymous access, unknown subresources', async () => {
    const anonymous = await fetch(`${s3.endpoint}/alpha`);
    assert.equal(anonymous.status, 403);
    assert.match(anonymous.headers.get('x-amz-request-id') ?? '', /^[0-9A-F]{16}$/);
    assert.ok(anonymous.headers.get('x-amz-id-2'));
    const text = await anonymous.text();
    assert.match(text, /^<\?xml version="1.0" encoding="UTF-8"\?>\n<Error><Code>AccessDenied<\/Code><Message>[^<]+<\/Message><Resource>\/alpha<\/Resource><RequestId>[0-9A-F]{16}<\/RequestId><\/Error>/);
    const head = await fetch(`${s3.endpoint}/alpha/key`, { method: 'HEAD' });
    assert.equal(head.status, 403);
    assert.equal(await head.text(), '');
    const unknown = await s3.client.send(new ListBucketsCommand({})).then(() => fetchSigned(s3, 'GET', '/alpha?analytics'));
    assert.equal(unknown.status, 501);
    assert.match(await unknown.text(), /<Code>NotImplemented<\/Code>/);
  });
});

