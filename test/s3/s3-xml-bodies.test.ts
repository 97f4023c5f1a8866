import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { CreateBucketCommand, CreateMultipartUploadCommand, DeleteObjectsCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand, UploadPartCommand } from '@aws-sdk/client-s3';
import { fetchSigned, s3Error, startS3Server, type S3TestServer } from './s3-server.js';

describe('S3 XML request bodies: DeleteObjects, malformed documents, size caps', () => {
  let s3: S3TestServer;
  const Bucket = 'xml-bodies';
  const keys = async () => (await s3.client.send(new ListObjectsV2Command({ Bucket }))).Contents?.map((c) => c.Key!) ?? [];
  before(async () => {
    s3 = await startS3Server();
    await s3.client.send(new CreateBucketCommand({ Bucket }));
    for (const Key of ['a', 'b', 'c', 'd & e', ' spaced ', 'x/y']) await s3.client.send(new PutObjectCommand({ Bucket, Key, Body: Key }));
  });
  after(async () => {
    await s3.close();
  });

  test('DeleteObjects: verbose, quiet, missing keys count as deleted, XML-special and spaced keys', async () => {
    const verbose = await s3.client.send(new DeleteObjectsCommand({ Bucket, Delete: { Objects: [{ Key: 'a' }, { Key: 'missing' }, { Key: 'd & e' }, { Key: ' spaced ' }] } }));
    assert.deepEqual(verbose.Deleted?.map((d) => d.Key).sort(), [' spaced ', 'a', 'd & e', 'missing']);
    assert.equal(verbose.Errors, undefined);
    const quiet = await s3.client.send(new DeleteObjectsCommand({ Bucket, Delete: { Quiet: true, Objects: [{ Key: 'b' }, { Key: 'c', VersionId: 'v9' }] } }));
    assert.equal(quiet.Deleted, undefined);
    assert.deepEqual(quiet.Errors?.map((e) => [e.Key, e.Code]), [['c', 'NoSuchVersion']]);
    assert.deepEqual(await keys(), ['c', 'x/y']);
  });

  test('DeleteObjects: more than 1000 keys, no integrity header, bad digest, malformed XML: nothing deleted', async () => {
    const before = await keys();
    const tooMany = await s3Error(s3.client.send(new DeleteObjectsCommand({ Bucket, Delete: { Objects: Array.from({ length: 1001 }, (_, i) => ({ Key: `k${i}` })) } })));
    assert.deepEqual([tooMany.code, tooMany.status], ['MalformedXML', 400]);
    const doc = '<Delete><Object><Key>c</Key></Object></Delete>';
    const noDigest = await fetchSigned(s3, 'POST', `/${Bucket}?delete`, { body: doc });
    assert.equal(noDigest.status, 400);
    assert.match(await noDigest.text(), /<Code>InvalidRequest<\/Code>/);
    const badDigest = await fetchSigned(s3, 'POST', `/${Bucket}?delete`, { body: doc, headers: { 'content-md5': createHash('md5').update('other').digest('base64') } });
    assert.equal(badDigest.status, 400);
    assert.match(await badDigest.text(), /<Code>BadDigest<\/Code>/);
    for (const body of ['<Delete><Object><Key>c</Key></Object>', '<Delete></Delete>', '<Delete><Object><Key></Key></Object></Delete>', '<NotDelete><Object><Key>c</Key></Object></NotDelete>',
      '<!DOCTYPE d [<!ENTITY e "c">]><Delete><Object><Key>&e;</Key></Object></Delete>', '<Delete><Object><Key>c<b/></Key></Object></Delete>']) {
      const res = await fetchSigned(s3, 'POST', `/${Bucket}?delete`, { body, headers: { 'content-md5': createHash('md5').update(body).digest('base64') } });
      assert.equal(res.status, 400, body);
      assert.match(await res.text(), /<Code>MalformedXML<\/Code>/, body);
    }
    const md5Ok = await fetchSigned(s3, 'POST', `/${Bucket}?delete`, { body: '<Delete><Quiet>true</Quiet><Object><Key>nothing-here</Key></Object></Delete>', headers: { 'content-md5': createHash('md5').update('<Delete><Quiet>true</Quiet><Object><Key>nothing-here</Key></Object></Delete>').digest('base64') } });
    assert.equal(md5Ok.status, 200);
    assert.deepEqual(await keys(), before);
  });

  test('bodies over the cap are refused before parsing; malformed tagging and bucket configuration too', async () => {
    const before = await keys();
    const huge = `<Delete>${'<Object><Key>k</Key></Object>'.repeat(40_000)}</Delete>`;
    const res = await fetchSigned(s3, 'POST', `/${Bucket}?delete`, { body: huge, headers: { 'content-md5': createHash('md5').update(huge).digest('base64') } });
    assert.equal(res.status, 400);
    assert.match(await res.text(), /<Code>MaxMessageLengthExceeded<\/Code>/);
    const tagging = await fetchSigned(s3, 'PUT', `/${Bucket}/c?tagging`, { body: '<Tagging><TagSet><Tag><Value>v</Value></Tag></TagSet></Tagging>' });
    assert.equal(tagging.status, 400);
    assert.match(await tagging.text(), /<Code>MalformedXML<\/Code>/);
    const create = await fetchSigned(s3, 'PUT', '/new-bucket-x', { body: '<CreateBucketConfiguration><LocationConstraint>' });
    assert.equal(create.status, 400);
    assert.match(await create.text(), /<Code>MalformedXML<\/Code>/);
    const head = await fetchSigned(s3, 'HEAD', '/new-bucket-x');
    assert.equal(head.status, 404, 'the bucket was not created');
    assert.deepEqual(await keys(), before);
  });

  // Go's encoding/xml (rclone) writes '"' as &#34;: any XML parser must read character references, and only once.
  test('character references: &#34; and &#x22; are quotes, &amp;#34; is literal text, &nbsp; and &#0; are MalformedXML', async () => {
    for (const Key of ['say "hi"', 'lit&#34;eral']) await s3.client.send(new PutObjectCommand({ Bucket, Key, Body: Key }));
    const before = await keys();
    for (const body of ['<Delete><Object><Key>say&nbsp;"hi"</Key></Object></Delete>', '<Delete><Object><Key>say &#0;</Key></Object></Delete>']) {
      const res = await fetchSigned(s3, 'POST', `/${Bucket}?delete`, { body, headers: { 'content-md5': createHash('md5').update(body).digest('base64') } });
      assert.equal(res.status, 400, body);
      assert.match(await res.text(), /<Code>MalformedXML<\/Code>/, body);
    }
    assert.deepEqual(await keys(), before);
    const body = '<Delete><Object><Key>say &#34;hi&#x22;</Key></Object><Object><Key>lit&amp;#34;eral</Key></Object></Delete>';
    const res = await fetchSigned(s3, 'POST', `/${Bucket}?delete`, { body, headers: { 'content-md5': createHash('md5').update(body).digest('base64') } });
    const text = await res.text();
    assert.equal(res.status, 200, text);
    assert.match(text, /<Key>say &quot;hi&quot;<\/Key>/);
    assert.match(text, /<Key>lit&amp;#34;eral<\/Key>/);
    assert.deepEqual(await keys(), before.filter((k) => k !== 'say "hi"' && k !== 'lit&#34;eral'));

    const Key = 'go-client-complete';
    const { UploadId } = await s3.client.send(new CreateMultipartUploadCommand({ Bucket, Key }));
    const { ETag } = await s3.client.send(new UploadPartCommand({ Bucket, Key, UploadId, PartNumber: 1, Body: 'hello' }));
    const complete = `<CompleteMultipartUpload><Part><ETag>${ETag!.replace(/"/g, '&#34;')}</ETag><PartNumber>1</PartNumber></Part></CompleteMultipartUpload>`;
    const done = await fetchSigned(s3, 'POST', `/${Bucket}/${Key}?uploadId=${encodeURIComponent(UploadId!)}`, { body: complete });
    assert.equal(done.status, 200, await done.clone().text());
    assert.match(await done.text(), /<ETag>&quot;[0-9a-f]{32}-1&quot;<\/ETag>/);
    assert.equal((await s3.client.send(new HeadObjectCommand({ Bucket, Key }))).ContentLength, 5);
  });
});
