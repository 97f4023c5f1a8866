/**
 * An in-process Djib endpoint for tests: a real Storage (test fixture), the Djib adapter at /djib and the /ipfs
 * gateway of an Express app on 127.0.0.1:<random port>, a controllable clock, wallets (tweetnacl keypairs) and JSON-RPC helpers.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import bs58 from 'bs58';
import express from 'express';
import jayson from 'jayson/promise/index.js';
import nacl from 'tweetnacl';
import { ContentIndex, type StorageOptions, type Tenant } from '@omnigate/core';
import { createDjibAdapter, type DjibAdapterOptions } from '../../adapters/djib/src/index.js';
import { createIpfsGatewayRouter } from '../../adapters/qs/src/index.js';
import { createStorageFixture, type StorageFixture } from '../helpers/storage-fixture.js';

export interface DjibTestServer {
  fixture: StorageFixture;
  storage: StorageFixture['storage'];
  tenant: Tenant;
  /** The CID index shared by the adapter and the /ipfs gateway. */
  contentIndex: ContentIndex;
  origin: string;
  /** origin + '/djib' */
  base: string;
  port: number;
  clock: { now: number };
  /** POSTs a raw body (string) or JSON to the RPC endpoint; returns the status and parsed body (undefined if empty). */
  raw(body: unknown, asString?: boolean): Promise<{ status: number; body: any }>;
  /** A jayson HTTP client for the endpoint (what rpc/rpcError use). */
  client: jayson.HttpClient;
  /** One JSON-RPC call through the jayson client; returns `result` or throws an Error carrying `code`. */
  rpc(method: string, params?: unknown): Promise<any>;
  /** The JSON-RPC error code of a call that must fail. */
  rpcError(method: string, params?: unknown): Promise<number>;
  wallet(): Promise<TestWallet>;
  close(): Promise<void>;
}

export interface TestWallet {
  publicKey: string;
  secretKey: Uint8Array;
  token: string;
}

export function newKeypair(): { publicKey: string; secretKey: Uint8Array } {
  const kp = nacl.sign.keyPair();
  return { publicKey: bs58.encode(kp.publicKey), secretKey: kp.secretKey };
}

export function sign(message: string, secretKey: Uint8Array): string {
  return bs58.encode(nacl.sign.detached(Buffer.from(message, 'utf8'), secretKey));
}

export async function startDjibServer(options: { dialect?: 'sqlite' | 'postgres'; storage?: Partial<StorageOptions>; adapter?: Partial<DjibAdapterOptions> } = {}): Promise<DjibTestServer> {
  const fixture = await createStorageFixture({ dialect: options.dialect, storage: options.storage });
  const { tenant } = await fixture.storage.tenants.create('djib-tenant');
  const clock = { now: Date.now() };
  const contentIndex = await ContentIndex.open(fixture.storage.options.metadata);
  const app = express();
  app.use('/djib', createDjibAdapter(fixture.storage, { tenant, serverId: 'djib-test', now: () => clock.now, contentIndex, ...options.adapter }));
  app.use('/ipfs', createIpfsGatewayRouter(fixture.storage, contentIndex));
  app.use((_req, res) => { res.status(404).json({ error: 'no such route' }); });
  const server = http.createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const origin = `http://127.0.0.1:${port}`;
  const base = `${origin}/djib`;
  let id = 0;
  const raw: DjibTestServer['raw'] = async (body, asString = false) => {
    const res = await fetch(base, { method: 'POST', headers: { 'content-type': 'application/json' }, body: asString ? String(body) : JSON.stringify(body) });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  };
  const client = jayson.Client.http({ host: '127.0.0.1', port, path: '/djib' });
  const call = async (method: string, params: unknown) => {
    const body = await client.request(method, params as jayson.RequestParamsLike, ++id);
    assert.equal(body.id, id);
    return body;
  };
  const rpc: DjibTestServer['rpc'] = async (method, params = []) => {
    const body = await call(method, params);
    if (body.error) throw Object.assign(new Error(`${method}: ${body.error.code} ${body.error.message}`), { code: body.error.code });
    return body.result;
  };
  const rpcError: DjibTestServer['rpcError'] = async (method, params = []) => {
    const body = await call(method, params);
    if (!body.error) throw new Error(`${method} should have failed: ${JSON.stringify(body)}`);
    return body.error.code;
  };
  const wallet = async (): Promise<TestWallet> => {
    const kp = newKeypair();
    const message = await rpc('handshake', [kp.publicKey]);
    const token = await rpc('auth', [kp.publicKey, sign(message, kp.secretKey)]);
    return { ...kp, token };
  };
  return {
    fixture, storage: fixture.storage, tenant, contentIndex, origin, base, port, clock, raw, client, rpc, rpcError, wallet,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await fixture.cleanup();
    },
  };
}

/** POST /upload of files into `path`. */
export async function uploadFiles(djib: DjibTestServer, token: string, path: string, files: Array<{ name: string; body: string | Buffer; type?: string }>): Promise<Response> {
  const form = new FormData();
  for (const f of files) form.append('file', new Blob([f.body], { type: f.type ?? 'application/octet-stream' }), f.name);
  return fetch(`${djib.base}/upload?path=${encodeURIComponent(path)}`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: form });
}
