/**
 * An in-process Netiks endpoint for tests: a real Storage (test fixture), the Netiks adapter mounted at `mount`
 * (default /netiks) of an Express app on 127.0.0.1:<random port>, the S3 adapter at '/' beside it (as `omnigate
 * serve` does), a clock that can be moved forward, and small helpers: fetch with the API key, an S3 client with the
 * tenant's keys, and "nothing changed" snapshots (assets listed + S3 ListObjects).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import type { StorageOptions, Tenant, TenantCredentials } from '@omnigate/core';
import { createNetiksAdapter, type NetiksAdapterOptions } from '../../adapters/netiks/src/index.js';
import { createS3Adapter } from '../../adapters/s3/src/index.js';
import { createStorageFixture, fragmentFiles, type StorageFixture } from '../helpers/storage-fixture.js';

export interface NetiksTestServer {
  fixture: StorageFixture;
  storage: StorageFixture['storage'];
  tenant: Tenant;
  credentials: TenantCredentials;
  app: express.Express;
  origin: string;
  /** origin + mount */
  base: string;
  /** Added to Date.now() by the adapter's clock. */
  clock: { offsetMs: number };
  /** fetch relative to `base` with the tenant's x-api-key (unless `apiKey: null`); `json` is serialised. */
  call(method: string, path: string, init?: CallInit): Promise<Response>;
  s3: S3Client;
  /** Asset ids (all pages), the S3 keys of the assets bucket and the fragment files on the nodes. */
  snapshot(): Promise<Snapshot>;
  /** Asserts that the snapshot comes back to `before` (fragments of an aborted write are removed just after it fails). */
  assertUnchanged(before: Snapshot, message?: string): Promise<void>;
  close(): Promise<void>;
}

export interface Snapshot { assets: string[]; objects: string[]; fragments: string[] }

export interface CallInit {
  json?: unknown;
  headers?: Record<string, string>;
  body?: RequestInit['body'];
  apiKey?: string | null;
  signal?: AbortSignal;
}

export async function startNetiksServer(options: {
  mount?: string; adapter?: NetiksAdapterOptions; storage?: Partial<StorageOptions>; dialect?: 'sqlite' | 'postgres';
  /** Rewrites the request URL before Express sees it (a reverse proxy stripping a prefix). */
  rewrite?: (url: string) => string;
} = {}): Promise<NetiksTestServer> {
  const fixture = await createStorageFixture({ dialect: options.dialect, storage: options.storage });
  const { tenant, credentials } = await fixture.storage.tenants.create('netiks-tenant');
  const clock = { offsetMs: 0 };
  const mount = options.mount ?? '/netiks';
  const app = express();
  app.use(mount, createNetiksAdapter(fixture.storage, { now: () => Date.now() + clock.offsetMs, ...options.adapter }));
  app.use('/', createS3Adapter(fixture.storage));
  const server = http.createServer((req, res) => {
    if (options.rewrite) req.url = options.rewrite(req.url ?? '/');
    app(req, res);
  });
  server.on('checkExpectation', (req, res) => server.emit('request', req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const origin = `http://127.0.0.1:${port}`;
  const base = origin + (mount === '/' ? '' : mount);
  const s3 = new S3Client({
    endpoint: origin, region: 'us-east-1', forcePathStyle: true,
    credentials: { accessKeyId: credentials.accessKey, secretAccessKey: credentials.secretKey },
  });

  const call: NetiksTestServer['call'] = (method, path, init = {}) => {
    const headers: Record<string, string> = { ...init.headers };
    const apiKey = init.apiKey === undefined ? credentials.apiKey : init.apiKey;
    if (apiKey !== null) headers['x-api-key'] = apiKey;
    let body = init.body;
    if (init.json !== undefined) {
      headers['content-type'] ??= 'application/json';
      body = JSON.stringify(init.json);
    }
    const streaming = body !== undefined && body !== null && typeof (body as ReadableStream).getReader === 'function';
    return fetch(path.startsWith('http') ? path : base + path, { method, headers, body, signal: init.signal, ...(streaming ? { duplex: 'half' } : {}) } as RequestInit);
  };
  const snapshot = async () => {
    const assets: string[] = [];
    for (let page = 1; ; page++) {
      const res = await call('GET', `/api/v1/assets/?page=${page}&page_size=100`);
      const body = await res.json() as { results: Array<{ id: string }>; next: string | null };
      assets.push(...body.results.map((a) => a.id));
      if (!body.next) break;
    }
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: 'netiks-assets' })).catch((err: { name?: string }) => {
      if (err.name === 'NoSuchBucket') return { Contents: [] };
      throw err;
    });
    return { assets: assets.sort(), objects: (listed.Contents ?? []).map((o) => o.Key!).sort(), fragments: await stableFragments() };
  };
  // Fragments past the write quorum may land just after a PUT answered: read until three reads 100 ms apart agree.
  const stableFragments = async () => {
    let last = JSON.stringify(await fragmentFiles(fixture.nodeDirs));
    for (let same = 0, i = 0; same < 2 && i < 50; i++) {
      await new Promise((r) => setTimeout(r, 100));
      const now = JSON.stringify(await fragmentFiles(fixture.nodeDirs));
      same = now === last ? same + 1 : 0;
      last = now;
    }
    return JSON.parse(last) as string[];
  };
  const assertUnchanged = async (before: Snapshot, message = 'nothing stored, nothing half stored') => {
    let now = await snapshot();
    for (let i = 0; i < 50 && JSON.stringify(now) !== JSON.stringify(before); i++) {
      await new Promise((r) => setTimeout(r, 100));
      now = await snapshot();
    }
    assert.deepEqual(now, before, message);
  };
  return {
    fixture, storage: fixture.storage, tenant, credentials, app, origin, base, clock, call, s3, snapshot, assertUnchanged,
    async close() {
      s3.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await fixture.cleanup();
    },
  };
}

/** The `{ error: { code, message } }` of a JSON error response, with its status. */
export async function errorOf(res: Response): Promise<{ status: number; code: string; message: string }> {
  const text = await res.text();
  const body = JSON.parse(text) as { error?: { code: string; message: string } };
  if (!body.error) throw new Error(`expected an error, got ${res.status} ${text}`);
  return { status: res.status, code: body.error.code, message: body.error.message };
}

/** The Code and Message of an S3 XML error document. */
export function xmlError(text: string): { code: string; message: string } {
  return { code: /<Code>([^<]*)<\/Code>/.exec(text)?.[1] ?? '', message: /<Message>([^<]*)<\/Message>/.exec(text)?.[1] ?? '' };
}

/** Runs curl; resolves with its stdout, stderr and exit code (never rejects on a non-zero exit). */
export function curl(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('curl', ['--silent', '--show-error', ...args]);
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') }));
  });
}

/** Splits `curl -w '\n%{http_code}'` output into body and status. */
export function withStatus(stdout: string): { status: number; body: string } {
  const at = stdout.lastIndexOf('\n');
  return { status: Number(stdout.slice(at + 1)), body: stdout.slice(0, at) };
}
