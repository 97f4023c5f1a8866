/**
 * An in-process ZiB endpoint for tests: a real Storage (test fixture), the ZiB adapter mounted at `mount` (default
 * /zib) of an Express app on 127.0.0.1:<random port>, optionally the S3 adapter at '/', a controllable clock, fetch
 * helpers, and a client-side sealer built on the core's OGS1 codec (what the SDK produces). Plain fetch only.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { segmentedAead, type Storage, type StorageOptions, type Tenant, type TenantCredentials } from '@omnigate/core';
import { createS3Adapter } from '../../adapters/s3/src/index.js';
import { createZibAdapter, type ZibAdapter, type ZibAdapterOptions } from '../../adapters/zib/src/index.js';
import { createStorageFixture, type StorageFixture } from '../helpers/storage-fixture.js';

export interface ZibTestServer {
  fixture: StorageFixture;
  storage: Storage;
  tenant: Tenant;
  credentials: TenantCredentials;
  bearer: string;
  adapter: ZibAdapter;
  origin: string;
  /** origin + mount */
  base: string;
  /** The adapter's clock runs `offsetMs` ahead of the real one (expiry tests move it). */
  clock: { offsetMs: number };
  internalErrors: unknown[];
  /** fetch relative to `base` (or an absolute URL); JSON bodies serialised; bearer added unless `auth: false`. */
  call(method: string, path: string, init?: { auth?: string | false; json?: unknown; headers?: Record<string, string>; body?: RequestInit['body'] }): Promise<Response>;
  initiate(body: Record<string, unknown>): Promise<Registration>;
  /** Stops the HTTP server and the adapter; `keepStorage` leaves the data for a restart. */
  close(opts?: { keepStorage?: boolean }): Promise<void>;
}

export interface Registration {
  type: 'single' | 'multipart';
  file_id: string;
  cdn_url: string;
  upload_url?: string;
  upload_id?: string;
  part_size?: number;
  part_count?: number;
  parts?: Array<{ part_number: number; upload_url: string }>;
  complete_url?: string;
  encryption: { format: string; key: string; segment_size: number };
  [field: string]: unknown;
}

export interface StartOptions {
  mount?: string;
  adapter?: ZibAdapterOptions;
  storage?: Partial<StorageOptions>;
  withS3?: boolean;
  dialect?: 'sqlite' | 'postgres';
  /** The app's `trust proxy` setting (X-Forwarded-Proto/Host). */
  trustProxy?: boolean;
  /** Reuse a fixture (a restart on the same data) instead of creating one. */
  fixture?: StorageFixture;
  credentials?: { tenant: Tenant; credentials: TenantCredentials };
}

export const FAST_WEBHOOKS = { retryBaseMs: 40, retryMaxMs: 200, pollIntervalMs: 25, watchIntervalMs: 25, timeoutMs: 2000 };

export async function startZibServer(options: StartOptions = {}): Promise<ZibTestServer> {
  const fixture = options.fixture ?? await createStorageFixture({ dialect: options.dialect, storage: options.storage });
  const storage = options.fixture ? await fixture.reopen(options.storage) : fixture.storage;
  const { tenant, credentials } = options.credentials ?? await storage.tenants.create('zib-tenant');
  const clock = { offsetMs: 0 };
  const internalErrors: unknown[] = [];
  const mount = options.mount ?? '/zib';
  const adapter = createZibAdapter(storage, {
    multipartThreshold: 256 * 1024, partSize: 128 * 1024, now: () => Date.now() + clock.offsetMs,
    logger: { error: (obj) => internalErrors.push(obj), warn: () => {} },
    ...options.adapter, webhooks: { ...FAST_WEBHOOKS, ...options.adapter?.webhooks },
  });
  const app = express();
  app.set('trust proxy', options.trustProxy ?? false);
  if (mount === '/') app.use(adapter);
  else app.use(mount, adapter);
  if (options.withS3) app.use('/', createS3Adapter(storage, { reservedFirstSegments: ['zib'] }));
  app.use((_req, res) => { res.status(404).json({ error: 'No such route', code: 'NotFound' }); });
  const server = http.createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const base = origin + (mount === '/' ? '' : mount);
  const bearer = `Bearer ${credentials.accessKey}:${credentials.secretKey}`;

  const call: ZibTestServer['call'] = (method, path, init = {}) => {
    const headers: Record<string, string> = { ...init.headers };
    if (init.auth !== false) headers.authorization = init.auth ?? bearer;
    let body = init.body;
    if (init.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(init.json);
    }
    return fetch(/^https?:/.test(path) ? path : base + path, { method, headers, body, redirect: 'manual' });
  };
  const initiate = async (body: Record<string, unknown>) => {
    const res = await call('POST', '/v1/api/upload/initiate', { json: body });
    if (res.status !== 200) throw new Error(`initiate: ${res.status} ${await res.text()}`);
    return await res.json() as Registration;
  };
  return {
    fixture, storage, tenant, credentials, bearer, adapter, origin, base, clock, internalErrors, call, initiate,
    async close(opts = {}) {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await adapter.close();
      if (opts.keepStorage) await storage.close();
      else await fixture.cleanup();
    },
  };
}

/** What the SDK sends for a single registration: one OGS1 stream, stream index 0, under the registration's key. */
export function sealSingle(reg: Registration, plain: Buffer): Buffer {
  return segmentedAead.sealBuffer(keyOf(reg), plain, { segmentSize: reg.encryption.segment_size, streamIndex: 0 });
}

/** Part `n` (1-based) of a multipart registration, sealed with stream index n. */
export function sealPart(reg: Registration, plain: Buffer, n: number): Buffer {
  const size = reg.part_size!;
  return segmentedAead.sealBuffer(keyOf(reg), plain.subarray((n - 1) * size, n * size), { segmentSize: reg.encryption.segment_size, streamIndex: n });
}

export function keyOf(reg: Registration): Buffer {
  return Buffer.from(reg.encryption.key, 'base64');
}

/** Uploads `plain` the way the SDK does (single PUT, or every part then complete); returns the final JSON. */
export async function uploadSealed(reg: Registration, plain: Buffer, order?: number[]): Promise<{ file_id: string; cdn_url: string; size: number; etag: string }> {
  if (reg.type === 'single') {
    const res = await fetch(reg.upload_url!, { method: 'PUT', body: sealSingle(reg, plain) });
    if (res.status !== 200) throw new Error(`PUT: ${res.status} ${await res.text()}`);
    return await res.json() as never;
  }
  const parts = [];
  for (const n of order ?? reg.parts!.map((p) => p.part_number)) {
    const res = await fetch(reg.parts![n - 1]!.upload_url, { method: 'PUT', body: sealPart(reg, plain, n) });
    if (res.status !== 200) throw new Error(`PUT part ${n}: ${res.status} ${await res.text()}`);
    parts[n - 1] = await res.json() as { part_number: number; etag: string };
  }
  const res = await fetch(reg.complete_url!, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ parts }) });
  if (res.status !== 200) throw new Error(`complete: ${res.status} ${await res.text()}`);
  return await res.json() as never;
}

/** The `{ error, code }` of a response, with its status. */
export async function errorOf(res: Response): Promise<{ status: number; code: string; error: string }> {
  const body = await res.json() as { error?: string; code?: string };
  if (typeof body.error !== 'string' || typeof body.code !== 'string') throw new Error(`expected an error, got ${res.status} ${JSON.stringify(body)}`);
  return { status: res.status, code: body.code, error: body.error };
}
