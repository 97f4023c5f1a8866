/**
 * An in-process S3 endpoint for tests: a real Storage (test fixture), the S3 adapter mounted at '/' of an Express
 * app on 127.0.0.1:<random port>, and AWS SDK clients for it (path-style, and virtual-hosted-style through a
 * resolver that sends every `*.s3.localhost` name to 127.0.0.1).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { LookupFunction } from 'node:net';
import express from 'express';
import { S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import type { StorageOptions, Tenant, TenantCredentials } from '@omnigate/core';
import { createS3Adapter, type S3AdapterOptions } from '../../adapters/s3/src/index.js';
import { createStorageFixture, type StorageFixture } from '../helpers/storage-fixture.js';

export interface S3TestServer {
  fixture: StorageFixture;
  storage: StorageFixture['storage'];
  tenant: Tenant;
  credentials: TenantCredentials;
  port: number;
  endpoint: string;
  /** A path-style client for the tenant. */
  client: S3Client;
  /** Another client for the same endpoint (other credentials, other options). */
  newClient(config?: Partial<S3ClientConfig>): S3Client;
  close(): Promise<void>;
}

/** Resolves every name to 127.0.0.1, so `bucket.s3.localhost` reaches the test server. */
export const loopbackLookup = ((_host: string, options: unknown, callback?: unknown) => {
  const cb = (typeof options === 'function' ? options : callback) as (...args: unknown[]) => void;
  const all = typeof options === 'object' && options !== null && (options as { all?: boolean }).all;
  if (all) cb(null, [{ address: '127.0.0.1', family: 4 }]);
  else cb(null, '127.0.0.1', 4);
}) as unknown as LookupFunction;

export async function startS3Server(options: { adapter?: S3AdapterOptions; storage?: Partial<StorageOptions> } = {}): Promise<S3TestServer> {
  const fixture = await createStorageFixture({ storage: options.storage });
  const { tenant, credentials } = await fixture.storage.tenants.create('s3-tenant');
  const app = express();
  app.use('/', createS3Adapter(fixture.storage, { virtualHostSuffixes: ['s3.localhost'], ...options.adapter }));
  const server = http.createServer(app);
  // S3 clients may send Expect values Node would answer with 417 by itself.
  server.on('checkExpectation', (req, res) => server.emit('request', req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const endpoint = `http://127.0.0.1:${port}`;
  const clients: S3Client[] = [];
  const newClient = (config: Partial<S3ClientConfig> = {}) => {
    const client = new S3Client({
      endpoint, region: 'us-east-1', forcePathStyle: true,
      credentials: { accessKeyId: credentials.accessKey, secretAccessKey: credentials.secretKey },
      // Options, not a handler instance: the SDK builds its own NodeHttpHandler from them.
      requestHandler: { httpAgent: new http.Agent({ keepAlive: true, lookup: loopbackLookup }) },
      ...config,
    });
    clients.push(client);
    return client;
  };
  const client = newClient();
  return {
    fixture, storage: fixture.storage, tenant, credentials, port, endpoint, client, newClient,
    async close() {
      for (const c of clients) c.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await fixture.cleanup();
    },
  };
}

/** The S3 error a failed SDK call threw: its code (`name`) and HTTP status. */
export async function s3Error(promise: Promise<unknown>): Promise<{ code: string; status: number | undefined; message: string }> {
  try {
    await promise;
  } catch (err) {
    const e = err as { name: string; message: string; $metadata?: { httpStatusCode?: number }; Code?: string };
    return { code: e.Code ?? e.name, status: e.$metadata?.httpStatusCode, message: e.message };
  }
  throw new Error('expected the call to fail');
}

/** A SigV4-signed raw request, for what the SDK cannot send (malformed bodies, odd headers). */
export async function fetchSigned(
  s3: S3TestServer, method: string, pathAndQuery: string,
  opts: { body?: Buffer | string; headers?: Record<string, string>; secretKey?: string; date?: Date } = {},
): Promise<Response> {
  const { SignatureV4 } = await import('@smithy/signature-v4');
  const { Sha256 } = await import('@aws-crypto/sha256-js');
  const { createHash } = await import('node:crypto');
  const url = new URL(pathAndQuery, s3.endpoint);
  const signer = new SignatureV4({
    service: 's3', region: 'us-east-1', sha256: Sha256, uriEscapePath: false,
    credentials: { accessKeyId: s3.credentials.accessKey, secretAccessKey: opts.secretKey ?? s3.credentials.secretKey },
  });
  const query: Record<string, string> = {};
  url.searchParams.forEach((v, k) => { query[k] = v; });
  const body = opts.body === undefined ? undefined : Buffer.from(opts.body);
  const headers: Record<string, string> = {
    host: url.host,
    'x-amz-content-sha256': body ? createHash('sha256').update(body).digest('hex') : 'UNSIGNED-PAYLOAD',
    ...opts.headers,
  };
  const signed = await signer.sign({ method, protocol: 'http:', hostname: url.hostname, port: Number(url.port), path: url.pathname, query, headers, body }, { signingDate: opts.date });
  return fetch(url, { method, headers: signed.headers as Record<string, string>, body });
}

/** A raw HTTP/1.1 request with exactly these headers and body (no client adds or fixes anything). */
export function rawRequest(port: number, method: string, path: string, headers: Record<string, string>, body?: Buffer): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method, path, headers }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (b: Buffer) => parts.push(b));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(parts).toString('utf8') }));
    });
    req.on('error', reject);
    req.end(body);
  });
}
