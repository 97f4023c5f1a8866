import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { LocalDirFragmentStore, Storage, type StorageLogger, type Tenant, type TenantCredentials } from '@omnigate/core';
import { openSqlMetadataStore } from '@omnigate/metadata-sql';
import type { OmnigateConfig } from './config.js';
import { ConfigError } from './config.js';

/** Path segments the server owns; no S3 bucket may take these names. */
export const RESERVED_SEGMENTS = ['zib', 'netiks', 'qs', 'djib', 'ipfs', 'health', 'metrics'] as const;

/** The first segment of a request target's path ('' for '/'), the part reserved segments are matched against. */
export function firstSegment(url: string): string {
  return url.split('?', 1)[0]!.split('/', 2)[1] ?? '';
}
export const DEFAULT_TENANT = 'default';

export interface ComposedStorage {
  storage: Storage;
  dataDir: string;
  databaseUrl: string;
  defaultTenant: Tenant;
  /** The default tenant's credentials, when this process knows them (generated, from the data dir or from config). */
  credentials: TenantCredentials;
}

/** Opens the storage core the way `omnigate serve` runs it: the embedded defaults unless config says otherwise. */
export async function composeStorage(config: OmnigateConfig, logger?: StorageLogger): Promise<ComposedStorage> {
  const dataDir = resolve(config.dataDir);
  await mkdir(dataDir, { recursive: true });
  const kek = await loadKek(config, dataDir);
  const databaseUrl = config.databaseUrl ?? `sqlite:${join(dataDir, 'meta.db')}`;
  const width = config.dataShards + config.parityShards;
  const nodeDirs = config.nodes ?? Array.from({ length: width }, (_, i) => join(dataDir, 'nodes', `node-${i + 1}`));
  if (nodeDirs.length < width) throw new ConfigError(`nodes: ${width} node directories are needed for ${config.dataShards}+${config.parityShards}, got ${nodeDirs.length}`);
  const metadata = await openSqlMetadataStore({ url: databaseUrl });
  const nodes = await Promise.all(nodeDirs.map((dir, i) => LocalDirFragmentStore.open({ id: `node-${i + 1}`, dir: resolve(dir) })));
  const storage = await Storage.open({
    metadata, nodes, kek,
    dataShards: config.dataShards, parityShards: config.parityShards,
    shardSize: config.shardSize, segmentSize: config.segmentSize,
    maxObjectSize: config.maxObjectSize, minPartSize: config.minPartSize,
    // One SQLite file has one writer process, so any pending blob at start-up is a crash's; a shared PostgreSQL
    // may have other gateways mid-write, so only old leftovers are swept there.
    orphanGraceMs: databaseUrl.startsWith('postgres') ? 3600_000 : 0,
    reservedBucketNames: RESERVED_SEGMENTS,
    logger,
  });
  const { tenant, credentials } = await ensureDefaultTenant(storage, config, dataDir);
  return { storage, dataDir, databaseUrl: redactUrl(databaseUrl), defaultTenant: tenant, credentials };
}

/** The default tenant, created on first start; credentials from config win and are otherwise kept in the data dir. */
async function ensureDefaultTenant(storage: Storage, config: OmnigateConfig, dataDir: string): Promise<{ tenant: Tenant; credentials: TenantCredentials }> {
  const file = join(dataDir, 'credentials.json');
  const saved = await readJson<Partial<TenantCredentials>>(file);
  const given = dropUndefined({ accessKey: config.accessKey, secretKey: config.secretKey, apiKey: config.apiKey });
  let tenant = await storage.tenants.findByName(DEFAULT_TENANT);
  let credentials: TenantCredentials;
  if (!tenant) {
    const created = await storage.tenants.create(DEFAULT_TENANT, { ...saved, ...given });
    tenant = created.tenant;
    credentials = created.credentials;
  } else {
    await storage.tenants.setCredentials(tenant.id, given);
    credentials = { ...(saved as TenantCredentials), ...given };
    tenant = (await storage.tenants.get(tenant.id))!;
  }
  if (JSON.stringify(saved) !== JSON.stringify(credentials)) await writeSecretFile(file, JSON.stringify(credentials, null, 2) + '\n');
  return { tenant, credentials };
}

async function loadKek(config: OmnigateConfig, dataDir: string): Promise<Buffer> {
  if (config.kek) {
    const kek = /^[0-9a-f]{64}$/i.test(config.kek) ? Buffer.from(config.kek, 'hex') : Buffer.from(config.kek, 'base64');
    if (kek.length !== 32) throw new ConfigError('kek: must be 32 bytes, as 64 hex characters or base64');
    return kek;
  }
  const file = join(dataDir, 'keys', 'kek');
  try {
    const kek = await readFile(file);
    if (kek.length !== 32) throw new ConfigError(`${file} must hold exactly 32 bytes`);
    return kek;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  await mkdir(join(dataDir, 'keys'), { recursive: true, mode: 0o700 });
  const kek = randomBytes(32);
  await writeSecretFile(file, kek);
  return kek;
}

async function writeSecretFile(file: string, data: string | Buffer): Promise<void> {
  const temp = `${file}.${process.pid}.tmp`;
  await writeFile(temp, data, { mode: 0o600, flush: true });
  await rename(temp, file);
}

async function readJson<T>(file: string): Promise<T | undefined> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as T;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new ConfigError(`${file} is not valid JSON: ${(err as Error).message}`);
  }
}

function dropUndefined<T extends object>(obj: T): Partial<T> {
  return Object.fromEntries(Object.entries(obj).filter(([, v]) => v !== undefined)) as Partial<T>;
}

export function redactUrl(url: string): string {
  return url.replace(/\/\/([^:/@]+):([^@]+)@/, '//$1:***@');
}
