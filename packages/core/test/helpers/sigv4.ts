/**
 * Shared helpers of the SigV4 tests. Everything that produces signatures here is independent of src/auth: the real
 * AWS signer (@smithy/signature-v4 with @aws-crypto/sha256-js), the real S3 client recorded on the wire, or — for
 * the trailer signature, which no JS signer exposes — a few lines of node:crypto written from the AWS documentation
 * and checked against its published example.
 */
import assert from 'node:assert/strict';
import { createHash, createHmac } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import { S3Client } from '@aws-sdk/client-s3';
import { createPayloadDecoder, sigv4HeadersFromRaw } from '../../src/auth/index.js';
import type { SigV4Request, SigV4Result } from '../../src/auth/index.js';

/** The AWS documentation's example credentials. */
export const AK = 'AKIAIOSFODNN7EXAMPLE';
export const SK = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
export const OTHER_SK = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEZ';

/** A lookup over a fixed table that records what it was asked. */
export function lookupOf(table: Record<string, string> = { [AK]: SK }) {
  const asked: string[] = [];
  const lookup = async (accessKey: string) => {
    asked.push(accessKey);
    return Object.hasOwn(table, accessKey) ? { secretKey: table[accessKey]!, principal: { tenant: `t-${accessKey}` } } : undefined;
  };
  return Object.assign(lookup, { asked });
}

export const at = (iso: string) => () => new Date(iso);

/** Keys real clients must round-trip: unicode, spaces, '+', an encoded slash, '//', '..', reserved characters. */
export const KEYS = [
  'plain.txt', 'with space.txt', 'a+b=c&d', 'percent%2Fencoded', '100%', 'dir//double/slash', 'dir/../dotdot', './dot/.',
  'unicode/ünïcødé/日本語/😀', "special !'()*~$,;:@[]", 'question?hash#', 'trailing/', 'tab\tand\u00a0nbsp',
];

/** RFC 3986 encoding (what SDKs put on the wire for a key segment or a query value). */
export function strictEncode(text: string): string {
  return encodeURIComponent(text).replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());
}

export function encodeKeyPath(bucket: string, key: string): string {
  return `/${strictEncode(bucket)}/${key.split('/').map(strictEncode).join('/')}`;
}

export function wireQuery(query: Record<string, string>, form = false): string {
  if (form) return new URLSearchParams(query).toString(); // spaces as '+', as HTML forms and some tools send them
  return Object.entries(query).map(([k, v]) => `${strictEncode(k)}=${strictEncode(v)}`).join('&');
}

export interface SmithyInput {
  method: string;
  host?: string;
  path: string; // already encoded, as S3 clients send it
  query?: Record<string, string>; // decoded
  headers?: Record<string, string>;
  body?: Buffer | string;
  date: Date;
  region?: string;
  secret?: string;
}

export function smithySigner(region = 'us-east-1', secret = SK): SignatureV4 {
  return new SignatureV4({ service: 's3', region, sha256: Sha256, uriEscapePath: false, applyChecksum: true, credentials: { accessKeyId: AK, secretAccessKey: secret } });
}

function smithyRequest(input: SmithyInput) {
  const host = input.host ?? 'examplebucket.s3.amazonaws.com';
  return { method: input.method, protocol: 'https:', hostname: host, path: input.path, query: { ...input.query }, headers: { host, ...input.headers }, body: input.body };
}

/** Signs with the real AWS signer (Authorization header) and returns what the server would see. */
export async function signHeader(input: SmithyInput, form = false): Promise<SigV4Request> {
  const signed = await smithySigner(input.region, input.secret).sign(smithyRequest(input) as never, { signingDate: input.date });
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(signed.headers as Record<string, string>)) headers[name.toLowerCase()] = value;
  return { method: input.method, rawPath: input.path, rawQuery: wireQuery(input.query ?? {}, form), headers };
}

/** Presigns with the real AWS signer and returns what the server would see when the URL is used. */
export async function presignSmithy(input: SmithyInput & { expiresIn: number }): Promise<SigV4Request> {
  const signed = await smithySigner(input.region, input.secret).presign(smithyRequest(input) as never, { signingDate: input.date, expiresIn: input.expiresIn });
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(signed.headers as Record<string, string>)) headers[name.toLowerCase()] = value;
  return { method: input.method, rawPath: input.path, rawQuery: wireQuery(signed.query as Record<string, string>), headers };
}

/** The request a client sends for a (presigned) URL: raw path and query cut out of the string, never normalised. */
export function requestFromUrl(method: string, url: string, headers: Record<string, string> = {}): SigV4Request {
  const m = /^https?:\/\/([^/?#]+)([^?#]*)(?:\?([^#]*))?$/.exec(url);
  assert.ok(m, url);
  return { method, rawPath: m[2] || '/', rawQuery: m[3] ?? '', headers: { host: m[1]!, ...headers } };
}

export function withHeader(req: SigV4Request, name: string, value: string | undefined): SigV4Request {
  return { ...req, headers: { ...req.headers, [name]: value } };
}

export function setQueryParam(rawQuery: string, name: string, value: string): string {
  return rawQuery.split('&').map((p) => (p.startsWith(`${name}=`) ? `${name}=${value}` : p)).join('&');
}

export interface Recorded { method: string; url: string; rawHeaders: string[]; body: Buffer }

/**
 * A tiny HTTP(S) server that records raw requests and answers 200 with the body's MD5 as ETag (404 to HEAD, so sync
 * tools go on to upload). Only the requests matter: no client here needs a meaningful answer.
 */
export async function startRecorder(tls?: { key: Buffer; cert: Buffer }) {
  const recorded: Recorded[] = [];
  const handler = (req: http.IncomingMessage, res: http.ServerResponse) => {
    const parts: Buffer[] = [];
    req.on('data', (b: Buffer) => parts.push(b));
    req.on('end', () => {
      const body = Buffer.concat(parts);
      recorded.push({ method: req.method!, url: req.url!, rawHeaders: req.rawHeaders, body });
      res.statusCode = req.method === 'HEAD' ? 404 : 200;
      res.setHeader('etag', `"${createHash('md5').update(body).digest('hex')}"`);
      res.end();
    });
  };
  const server = tls ? https.createServer(tls, handler) : http.createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const endpoint = `${tls ? 'https' : 'http'}://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { endpoint, recorded, close: () => new Promise((resolve) => server.close(resolve)) };
}

/** Runs real S3 client calls against a recorder and returns the raw requests. */
export async function recordS3(run: (client: S3Client) => Promise<void>, region = 'us-east-1'): Promise<Recorded[]> {
  const recorder = await startRecorder();
  const client = new S3Client({ region, endpoint: recorder.endpoint, forcePathStyle: true, maxAttempts: 1, credentials: { accessKeyId: AK, secretAccessKey: SK } });
  try {
    await run(client);
  } finally {
    client.destroy();
    await recorder.close();
  }
  return recorder.recorded;
}

/** Runs an S3 call whose (empty) response the SDK may fail to parse: only the request matters. */
export async function attempt(p: Promise<unknown>): Promise<void> {
  await p.catch(() => undefined);
}

export function requestOf(rec: Recorded): SigV4Request {
  const at = rec.url.indexOf('?');
  return { method: rec.method, rawPath: at < 0 ? rec.url : rec.url.slice(0, at), rawQuery: at < 0 ? '' : rec.url.slice(at + 1), headers: sigv4HeadersFromRaw(rec.rawHeaders) };
}

/** The clock of a recorded or signed request (its x-amz-date), so verification happens "at send time". */
export function clockOf(req: SigV4Request): () => Date {
  const d = req.headers['x-amz-date'] ?? new URLSearchParams(req.rawQuery).get('X-Amz-Date')!;
  return () => new Date(Date.UTC(+d.slice(0, 4), +d.slice(4, 6) - 1, +d.slice(6, 8), +d.slice(9, 11), +d.slice(11, 13), +d.slice(13, 15)));
}

/** Pipes `body` (in slices of `slice` bytes) through the result's payload decoder; bytes out and trailers. */
export async function decode(result: SigV4Result, body: Buffer, slice = 65536): Promise<{ data: Buffer; trailers: Record<string, string> }> {
  const decoder = createPayloadDecoder(result);
  const out: Buffer[] = [];
  const slices = function* () {
    for (let i = 0; i < body.length; i += slice) yield body.subarray(i, i + slice);
  };
  await pipeline(Readable.from(slices()), decoder, async function* (source: AsyncIterable<Buffer>) {
    for await (const b of source) out.push(b);
  });
  return { data: Buffer.concat(out), trailers: decoder.trailers() };
}

/** Like decode, but returns the error and how many bytes came out before it. */
export async function decodeError(result: SigV4Result, body: Buffer, slice = 65536): Promise<{ error: { code?: string; message: string } | undefined; emitted: number }> {
  const decoder = createPayloadDecoder(result);
  let emitted = 0;
  decoder.on('data', (b: Buffer) => { emitted += b.length; });
  const done = new Promise<unknown>((resolve) => { decoder.on('error', resolve); decoder.on('end', () => resolve(undefined)); });
  for (let i = 0; i < body.length && !decoder.destroyed; i += slice) decoder.write(body.subarray(i, i + slice));
  if (!decoder.destroyed) decoder.end();
  return { error: (await done) as { code?: string; message: string } | undefined, emitted };
}

const sha256hex = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');
const hmac = (key: Buffer | string, data: string) => createHmac('sha256', key).update(data).digest();

/** The signing key, straight from the AWS documentation. */
export function docSigningKey(secret: string, date: string, region: string, service = 's3'): Buffer {
  return hmac(hmac(hmac(hmac('AWS4' + secret, date), region), service), 'aws4_request');
}

/** Trailer signature per "Signature calculations for trailing headers": name:value\n lines, sorted by name. */
export function docTrailerSignature(key: Buffer, amzDate: string, scope: string, previous: string, trailers: Record<string, string>): string {
  const canonical = Object.keys(trailers).sort().map((n) => `${n}:${trailers[n]}\n`).join('');
  return createHmac('sha256', key).update(['AWS4-HMAC-SHA256-TRAILER', amzDate, scope, previous, sha256hex(canonical)].join('\n')).digest('hex');
}

/**
 * An aws-chunked signed body whose chunk signatures come from the real AWS signer (signer.sign of an event with
 * empty headers yields exactly "AWS4-HMAC-SHA256-PAYLOAD\n<date>\n<scope>\n<prev>\n<sha256('')>\n<sha256(chunk)>").
 */
export async function smithyChunkedBody(opts: {
  chunks: Buffer[]; seed: string; date: Date; region?: string; trailers?: Record<string, string>;
}): Promise<{ body: Buffer; signatures: string[] }> {
  const signer = smithySigner(opts.region);
  const parts: Buffer[] = [];
  const signatures: string[] = [];
  let previous = opts.seed;
  for (const chunk of [...opts.chunks, Buffer.alloc(0)]) {
    const sig = await signer.sign({ headers: new Uint8Array(0), payload: new Uint8Array(chunk) } as never,
      { signingDate: opts.date, priorSignature: previous } as never) as unknown as string;
    signatures.push(sig);
    parts.push(Buffer.from(`${chunk.length.toString(16)};chunk-signature=${sig}\r\n`), chunk);
    if (chunk.length > 0) parts.push(Buffer.from('\r\n'));
    previous = sig;
  }
  if (opts.trailers) {
    const amzDate = opts.date.toISOString().replace(/\.\d{3}Z$/, 'Z').replace(/[-:]/g, '');
    const region = opts.region ?? 'us-east-1';
    const key = docSigningKey(SK, amzDate.slice(0, 8), region);
    const sig = docTrailerSignature(key, amzDate, `${amzDate.slice(0, 8)}/${region}/s3/aws4_request`, previous, opts.trailers);
    for (const [n, v] of Object.entries(opts.trailers)) parts.push(Buffer.from(`${n}:${v}\r\n`));
    parts.push(Buffer.from(`x-amz-trailer-signature:${sig}\r\n`));
  }
  parts.push(Buffer.from('\r\n'));
  return { body: Buffer.concat(parts), signatures };
}
