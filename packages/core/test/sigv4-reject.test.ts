/**
 * verifySigV4 rejections, each with the S3 error code a client expects. Requests are signed by the real AWS signer
 * and then broken in one place.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hasSigV4, verifySigV4, type SigV4Request } from '../src/auth/index.js';
import { AK, lookupOf, OTHER_SK, presignSmithy, setQueryParam, signHeader, withHeader } from './helpers/sigv4.js';

const DATE = new Date('2024-03-05T06:07:08Z');
const now = () => DATE;
const later = (seconds: number) => () => new Date(DATE.getTime() + seconds * 1000);

const signed = () => signHeader({
  method: 'PUT', path: '/bucket/some%20key', query: { partNumber: '1', uploadId: 'abc' },
  headers: { 'content-type': 'text/plain', 'x-amz-meta-color': 'blue' }, body: 'hello', date: DATE,
});
const presigned = (expiresIn = 600) => presignSmithy({
  method: 'GET', path: '/bucket/some%20key', headers: { 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' }, date: DATE, expiresIn,
});

async function rejects(req: SigV4Request | Promise<SigV4Request>, code: string, message?: RegExp, options: Parameters<typeof verifySigV4>[2] = { now }, lookup = lookupOf()) {
  await assert.rejects(verifySigV4(await req, lookup, options), (err: { code: string; message: string; status: number }) => {
    assert.equal(err.code, code, err.message);
    if (message) assert.match(err.message, message);
    return true;
  });
}

const authParts = (req: SigV4Request) => /^(AWS4-HMAC-SHA256) Credential=([^,]+), SignedHeaders=([^,]+), Signature=(\w+)$/.exec(req.headers['authorization']!)!;
const withAuth = (req: SigV4Request, credential: string, signedHeaders: string, signature: string) =>
  withHeader(req, 'authorization', `AWS4-HMAC-SHA256 Credential=${credential}, SignedHeaders=${signedHeaders}, Signature=${signature}`);

describe('signature mismatches → SignatureDoesNotMatch', () => {
  it('wrong secret', async () => {
    await rejects(signed(), 'SignatureDoesNotMatch', /does not match/, { now }, lookupOf({ [AK]: OTHER_SK }));
    await rejects(presigned(), 'SignatureDoesNotMatch', undefined, { now }, lookupOf({ [AK]: OTHER_SK }));
  });

  it('tampered signature, signed header, query or path', async () => {
    const req = await signed();
    const [, , credential, headers, signature] = authParts(req);
    const flipped = signature!.slice(0, -1) + (signature!.endsWith('0') ? '1' : '0');
    await rejects(withAuth(req, credential!, headers!, flipped), 'SignatureDoesNotMatch');
    await rejects(withAuth(req, credential!, headers!, 'not-hex'), 'SignatureDoesNotMatch');
    await rejects(withHeader(req, 'x-amz-meta-color', 'red'), 'SignatureDoesNotMatch');
    await rejects(withHeader(req, 'content-type', 'text/html'), 'SignatureDoesNotMatch');
    await rejects(withHeader(req, 'host', 'evil.example.com'), 'SignatureDoesNotMatch');
    await rejects({ ...req, method: 'DELETE' }, 'SignatureDoesNotMatch');
    await rejects({ ...req, rawQuery: setQueryParam(req.rawQuery, 'partNumber', '2') }, 'SignatureDoesNotMatch');
    await rejects({ ...req, rawQuery: req.rawQuery + '&versionId=1' }, 'SignatureDoesNotMatch');
    for (const rawPath of ['/bucket/some%20Key', '/bucket/some+key', '/bucket/some%2520key', '/bucket//some%20key', '/bucket/x/../some%20key']) {
      await rejects({ ...req, rawPath }, 'SignatureDoesNotMatch', undefined, { now });
    }
    const url = await presigned();
    await rejects({ ...url, rawQuery: setQueryParam(url.rawQuery, 'X-Amz-Expires', '601') }, 'SignatureDoesNotMatch');
    await rejects({ ...url, rawPath: '/bucket/other' }, 'SignatureDoesNotMatch');
    await rejects({ ...url, rawQuery: url.rawQuery + '&x-id=PutObject' }, 'SignatureDoesNotMatch');
  });

  it('a signed header missing from the request (or named like an Object.prototype member)', async () => {
    const req = await signed();
    await rejects(withHeader(req, 'content-type', undefined), 'SignatureDoesNotMatch', /content-type.*missing/);
    const [, , credential, headers, signature] = authParts(req);
    await rejects(withAuth(req, credential!, `constructor;${headers}`, signature!), 'SignatureDoesNotMatch', /constructor/);
    await rejects(withAuth(req, credential!, `__proto__;${headers}`, signature!), 'SignatureDoesNotMatch', /__proto__/);
  });
});

describe('credentials and clocks', () => {
  it('unknown access key → InvalidAccessKeyId, both forms', async () => {
    await rejects(signed(), 'InvalidAccessKeyId', undefined, { now }, lookupOf({}));
    await rejects(presigned(), 'InvalidAccessKeyId', undefined, { now }, lookupOf({}));
  });

  it('skewed clocks (either way) → RequestTimeTooSkewed; within 15 minutes is fine', async () => {
    const req = await signed();
    await verifySigV4(req, lookupOf(), { now: later(899) });
    await verifySigV4(req, lookupOf(), { now: later(-899) });
    await rejects(req, 'RequestTimeTooSkewed', undefined, { now: later(901) });
    await rejects(req, 'RequestTimeTooSkewed', undefined, { now: later(-901) });
    await rejects(req, 'RequestTimeTooSkewed', undefined, { now: later(61), clockSkewSeconds: 60 });
  });

  it('expired presigned URLs → AccessDenied "Request has expired"; not yet valid → AccessDenied', async () => {
    const url = await presigned(600);
    await verifySigV4(url, lookupOf(), { now: later(600) });
    await rejects(url, 'AccessDenied', /^Request has expired$/, { now: later(601) });
    await rejects(url, 'AccessDenied', /not valid yet/, { now: later(-901) });
  });

  it('X-Amz-Expires over 7 days (or the configured limit), or not a number → AuthorizationQueryParametersError', async () => {
    const url = await presigned(604800);
    await verifySigV4(url, lookupOf(), { now: later(604800) });
    await rejects({ ...url, rawQuery: setQueryParam(url.rawQuery, 'X-Amz-Expires', '604801') }, 'AuthorizationQueryParametersError', /604800/);
    await rejects(url, 'AuthorizationQueryParametersError', /3600/, { now, maxPresignExpirySeconds: 3600 });
    for (const bad of ['-1', '1.5', 'abc', '']) {
      await rejects({ ...url, rawQuery: setQueryParam(url.rawQuery, 'X-Amz-Expires', bad) }, 'AuthorizationQueryParametersError');
    }
    await rejects({ ...url, rawQuery: setQueryParam(url.rawQuery, 'X-Amz-Date', '2024-03-05') }, 'AuthorizationQueryParametersError', /ISO8601/);
    await rejects({ ...url, rawQuery: url.rawQuery.replace(/&?X-Amz-SignedHeaders=[^&]*/, '') }, 'AuthorizationQueryParametersError', /requires/);
    await rejects({ ...url, rawQuery: url.rawQuery + '&X-Amz-Date=20240305T060708Z' }, 'AuthorizationQueryParametersError', /more than once/);
  });

  it('strictRegion refuses other regions; the scope must name the service and the request date', async () => {
    const eu = await signHeader({ method: 'GET', path: '/b/k', date: DATE, region: 'eu-west-1' });
    await rejects(eu, 'AuthorizationHeaderMalformed', /eu-west-1.*us-east-1/, { now, strictRegion: true });
    await verifySigV4(eu, lookupOf(), { now, region: 'eu-west-1', strictRegion: true });
    const req = await signed();
    const [, credential, headers, signature] = authParts(req).slice(1);
    await rejects(withAuth(req, credential!.replace('/s3/', '/iam/'), headers!, signature!), 'AuthorizationHeaderMalformed', /service/);
    await rejects(withAuth(req, credential!.replace('20240305', '20240304'), headers!, signature!), 'AuthorizationHeaderMalformed', /date/i);
  });
});

describe('malformed or unsupported auth', () => {
  it('no auth at all → AccessDenied "Access Denied", and hasSigV4 says so', async () => {
    const anonymous = { method: 'GET', rawPath: '/b/k', rawQuery: 'list-type=2', headers: { host: 'h' } };
    assert.equal(hasSigV4(anonymous), false);
    await rejects(anonymous, 'AccessDenied', /^Access Denied$/);
  });

  it('malformed Authorization headers → AuthorizationHeaderMalformed', async () => {
    const req = await signed();
    const [, , credential, headers, signature] = authParts(req);
    const cases: Array<[string, string]> = [
      [`AWS4-HMAC-SHA256 Credential=${credential}, SignedHeaders=${headers}`, 'missing Signature'],
      [`AWS4-HMAC-SHA256 Credential=${credential}, SignedHeaders=${headers}, Signature=${signature}, Extra=1`, 'unexpected component'],
      [`AWS4-HMAC-SHA256 Credential=${AK}/20240305/us-east-1/s3, SignedHeaders=${headers}, Signature=${signature}`, 'Credential'],
      [`AWS4-HMAC-SHA256 Credential=${credential!.replace('aws4_request', 'aws4_reqest')}, SignedHeaders=${headers}, Signature=${signature}`, 'aws4_request'],
      [`AWS4-HMAC-SHA256 Credential=${credential}, SignedHeaders=${headers!.replace('host;', '')}, Signature=${signature}`, 'host'],
      [`AWS4-HMAC-SHA256 Credential=${credential}, SignedHeaders=Host;x-amz-date, Signature=${signature}`, 'lower-case'],
    ];
    for (const [authorization, why] of cases) {
      await rejects(withHeader(req, 'authorization', authorization), 'AuthorizationHeaderMalformed', new RegExp(why));
    }
  });

  it('SigV2, SigV4a and header-plus-query auth → InvalidArgument with a clear message', async () => {
    const v2 = { method: 'GET', rawPath: '/b/k', rawQuery: '', headers: { host: 'h', authorization: 'AWS AKIDEXAMPLE:frJIUN8DYpKDtOLCwo//yllqDzg=' } };
    assert.equal(hasSigV4(v2), true);
    await rejects(v2, 'InvalidArgument', /AWS4-HMAC-SHA256/);
    await rejects(withHeader(await signed(), 'authorization', 'AWS4-ECDSA-P256-SHA256 Credential=x'), 'InvalidArgument', /AWS4-HMAC-SHA256/);
    const v2query = { method: 'GET', rawPath: '/b/k', rawQuery: 'AWSAccessKeyId=AKID&Expires=1&Signature=x', headers: { host: 'h' } };
    assert.equal(hasSigV4(v2query), true);
    await rejects(v2query, 'InvalidArgument', /AWS4-HMAC-SHA256/);
    const url = await presigned();
    await rejects(withHeader(url, 'authorization', (await signed()).headers['authorization']), 'InvalidArgument', /Only one auth mechanism/);
  });

  it('x-amz-content-sha256 missing or invalid; dates missing; security tokens → the documented codes', async () => {
    const req = await signed();
    await rejects(withHeader(req, 'x-amz-content-sha256', undefined), 'InvalidArgument', /x-amz-content-sha256/);
    const bad = await signHeader({ method: 'PUT', path: '/b/k', headers: { 'x-amz-content-sha256': 'STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD' }, date: DATE });
    await rejects(bad, 'InvalidArgument', /x-amz-content-sha256 must be/);
    await rejects(withHeader(req, 'x-amz-date', undefined), 'AccessDenied', /valid Date or x-amz-date/);
    await rejects(withHeader(req, 'x-amz-date', '20240305T250000Z'), 'AccessDenied', /valid Date or x-amz-date/);
    await rejects(withHeader(req, 'x-amz-security-token', 'FwoGZXIvYXdzE'), 'InvalidArgument', /Security tokens/);
    const url = await presigned();
    await rejects({ ...url, rawQuery: url.rawQuery + '&X-Amz-Security-Token=FwoG' }, 'InvalidArgument', /Security tokens/);
  });

  it('x-amz-* headers sent but not signed → AccessDenied (a presigned PUT cannot grow an x-amz-copy-source)', async () => {
    await rejects(withHeader(await signed(), 'x-amz-meta-extra', '1'), 'AccessDenied', /not signed/);
    await rejects(withHeader(await presigned(), 'x-amz-copy-source', '/bucket/secret'), 'AccessDenied', /not signed/);
    // x-amz-content-sha256 and x-amz-date are bound by the string to sign, or ignored for presigned requests.
    await verifySigV4(withHeader(await presigned(), 'x-amz-content-sha256', 'UNSIGNED-PAYLOAD'), lookupOf(), { now });
  });
});
