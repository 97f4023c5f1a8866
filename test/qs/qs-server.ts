/**
 * An in-process QS endpoint for tests: a real Storage (test fixture), the QS adapter mounted at `mount` (default
 * /qs) of an Express app on 127.0.0.1:<random port>, the /ipfs gateway beside it, a controllable clock, and small
 * fetch helpers. Plain fetch only: what a QS client sends.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { ContentIndex, type StorageOptions, type Tenant } from '@omnigate/core';
import { createIpfsGatewayRouter, createQsAdapter, type QsAdapterOptions } from '../../adapters/qs/src/index.js';
import { createStorageFixture, type StorageFixture } from '../helpers/storage-fixture.js';

export interface QsTestServer {
  fixture: StorageFixture;
  storage: StorageFixture['storage'];
  tenant: Tenant;
  apiKey: string;
  /** http://127.0.0.1:<port> */
  origin: string;
  /** origin + mount */
  base: string;
  clock: { now: number };
  /** fetch relative to `base`, JSON bodies serialised, the bearer token added when given. */
  call(method: string, path: string, init?: { token?: string; json?: unknown; headers?: Record<string, string>; body?: RequestInit['body']; signal?: AbortSignal }): Promise<Response>;
  /** A session (POST /sessions) with these rules. */
  session(rules?: Record<string, unknown>, apiKey?: string): Promise<{ sessionId: string; token: string; expiresAt: string; rules: Record<string, unknown> }>;
  close(): Promise<void>;
}

export async function startQsServer(options: { mount?: string; storage?: Partial<StorageOptions>; adapter?: QsAdapterOptions; dialect?: 'sqlite' | 'postgres' } = {}): Promise<QsTestServer> {
  const fixture = await createStorageFixture({ dialect: options.dialect, storage: options.storage });
  const { tenant, credentials } = await fixture.storage.tenants.create('qs-tenant');
  const clock = { now: Date.now() };
  const contentIndex = await ContentIndex.open(fixture.storage.options.metadata);
  const mount = options.mount ?? '/qs';
  const app = express();
  app.use(mount, createQsAdapter(fixture.storage, { contentIndex, now: () => clock.now, ...options.adapter }));
  app.use('/ipfs', createIpfsGatewayRouter(fixture.storage, contentIndex));
  app.use((_req, res) => { res.status(404).json({ error: { code: 'NotFound', message: 'No such route' } }); });
  const server = http.createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const base = origin + (mount === '/' ? '' : mount);

  const call: QsTestServer['call'] = (method, path, init = {}) => {
    const headers: Record<string, string> = { ...init.headers };
    if (init.token) headers.authorization = `Bearer ${init.token}`;
    let body: RequestInit['body'] = init.body;
    if (init.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(init.json);
    }
    const streaming = body !== undefined && typeof (body as ReadableStream).getReader === 'function';
    return fetch(base + path, { method, headers, body, signal: init.signal, ...(streaming ? { duplex: 'half' } : {}) } as RequestInit);
  };
  const session: QsTestServer['session'] = async (rules, apiKey = credentials.apiKey) => {
    const res = await call('POST', '/sessions', { headers: { 'x-api-key': apiKey }, json: rules });
    if (res.status !== 201) throw new Error(`POST /sessions: ${res.status} ${await res.text()}`);
    return await res.json() as Awaited<ReturnType<QsTestServer['session']>>;
  };
  return {
    fixture, storage: fixture.storage, tenant, apiKey: credentials.apiKey, origin, base, clock, call, session,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await fixture.cleanup();
    },
  };
}

/** The `{ error: { code } }` of a response, with its status. */
export async function errorOf(res: Response): Promise<{ status: number; code: string; message: string }> {
  const body = await res.json() as { error?: { code: string; message: string } };
  if (!body.error) throw new Error(`expected an error, got ${res.status} ${JSON.stringify(body)}`);
  return { status: res.status, code: body.error.code, message: body.error.message };
}

/** Starts an upload, sends `parts` (in the given order), completes it; returns the completed file. */
export async function uploadFile(qs: QsTestServer, token: string, parts: Buffer[], extra: { order?: number[]; complete?: Record<string, unknown>; encryptedName?: string | null } = {}) {
  const total = parts.reduce((s, p) => s + p.length, 0);
  const started = await qs.call('POST', '/buckets', { token, json: { totalParts: parts.length, encryptedName: extra.encryptedName ?? null, originalSizeInBytes: total } });
  if (started.status !== 200) throw new Error(`POST /buckets: ${started.status} ${await started.text()}`);
  const { uploadId, key } = await started.json() as { uploadId: string; key: string };
  for (const i of extra.order ?? parts.map((_, i) => i)) {
    const res = await qs.call('PUT', '/buckets', { token, headers: { partNumber: String(i + 1), key, uploadId }, body: parts[i]! });
    if (res.status !== 200) throw new Error(`PUT part ${i + 1}: ${res.status} ${await res.text()}`);
  }
  const done = await qs.call('POST', '/buckets/complete', { token, json: { key, uploadId, tags: ['t'], ...extra.complete } });
  if (done.status !== 200) throw new Error(`complete: ${done.status} ${await done.text()}`);
  return { uploadId, key, file: await done.json() as Record<string, any> };
}
