import { createCipheriv, createHash, randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { LocalDirFragmentStore, Storage, type StorageOptions, type Tenant } from '@omnigate/core';
import { openSqlMetadataStore } from '@omnigate/metadata-sql';

export const POSTGRES_URL = process.env.OMNIGATE_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export interface StorageFixture {
  storage: Storage;
  tenant: Tenant;
  dir: string;
  nodeDirs: string[];
  kek: Buffer;
  databaseUrl: string;
  /** Opens a second Storage on the same data (a restart); `extra.metadata` replaces its own store (e.g. a wrapped one on `databaseUrl`). */
  reopen(extra?: Partial<StorageOptions>): Promise<Storage>;
  cleanup(): Promise<void>;
}

/** A real Storage in a temp dir: SQLite file or a fresh PostgreSQL schema, 6 local fragment nodes. */
export async function createStorageFixture(options: { dialect?: 'sqlite' | 'postgres'; storage?: Partial<StorageOptions> } = {}): Promise<StorageFixture> {
  const dir = await mkdtemp(join(tmpdir(), 'omnigate-test-'));
  const kek = randomBytes(32);
  const width = (options.storage?.dataShards ?? 4) + (options.storage?.parityShards ?? 2);
  const nodeDirs = Array.from({ length: width }, (_, i) => join(dir, 'nodes', `node-${i + 1}`));
  let databaseUrl = `sqlite:${join(dir, 'meta.db')}`;
  let schema: string | undefined;
  if (options.dialect === 'postgres') {
    schema = `t_${randomUUID().replace(/-/g, '')}`;
    const client = new pg.Client({ connectionString: POSTGRES_URL });
    await client.connect();
    await client.query(`CREATE SCHEMA ${schema}`);
    await client.end();
    databaseUrl = `${POSTGRES_URL}${POSTGRES_URL.includes('?') ? '&' : '?'}options=${encodeURIComponent(`-c search_path=${schema}`)}`;
  }
  const open = async (extra: Partial<StorageOptions> = {}) => {
    const metadata = extra.metadata ?? await openSqlMetadataStore({ url: databaseUrl });
    const nodes = await Promise.all(nodeDirs.map((d, i) => LocalDirFragmentStore.open({ id: `node-${i + 1}`, dir: d })));
    // Inlining off by default: most tests count fragment files; storage-inline.test.ts turns it on.
    return Storage.open({ metadata, nodes, kek, inlineMaxBytes: 0, reservedBucketNames: ['zib', 'netiks', 'qs', 'djib', 'ipfs', 'health', 'metrics'], ...options.storage, ...extra });
  };
  const storage = await open();
  const { tenant } = await storage.tenants.create('test');
  const opened: Storage[] = [storage];
  return {
    storage, tenant, dir, nodeDirs, kek, databaseUrl,
    async reopen(extra) {
      const s = await open(extra);
      opened.push(s);
      return s;
    },
    async cleanup() {
      for (const s of opened) await s.close().catch(() => {});
      if (schema) {
        const client = new pg.Client({ connectionString: POSTGRES_URL });
        await client.connect();
        await client.query(`DROP SCHEMA ${schema} CASCADE`);
        await client.end();
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Reads a whole stream into one Buffer (test-sized objects only). */
export async function collect(stream: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks);
}

/** Deterministic pseudo-random bytes of any length (an AES-CTR keystream), generated as a stream, never buffered whole. */
export async function* pseudoRandomStream(size: number, seed = 1, chunkSize = 1024 * 1024): AsyncGenerator<Buffer> {
  const key = createHash('sha256').update(`omnigate-test-seed:${seed}`).digest();
  const cipher = createCipheriv('aes-256-ctr', key, Buffer.alloc(16));
  const zeros = Buffer.alloc(chunkSize);
  for (let produced = 0; produced < size; produced += chunkSize) {
    yield cipher.update(zeros.subarray(0, Math.min(chunkSize, size - produced)));
  }
}

export function pseudoRandomBytes(size: number, seed = 1): Buffer {
  const key = createHash('sha256').update(`omnigate-test-seed:${seed}`).digest();
  return createCipheriv('aes-256-ctr', key, Buffer.alloc(16)).update(Buffer.alloc(size));
}

/** SHA-256 hex of a stream, without keeping it. */
export async function sha256Of(stream: AsyncIterable<Uint8Array>): Promise<{ hex: string; size: number }> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of stream) {
    hash.update(chunk);
    size += chunk.length;
  }
  return { hex: hash.digest('hex'), size };
}

/** Every committed fragment file under the node directories (temp files excluded). */
export async function fragmentFiles(nodeDirs: readonly string[]): Promise<string[]> {
  const { readdir } = await import('node:fs/promises');
  const files: string[] = [];
  for (const dir of nodeDirs) {
    for (const entry of await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => [])) {
      if (!entry.isFile()) continue;
      const parent = entry.parentPath ?? (entry as unknown as { path: string }).path;
      if (/[\\/]tmp$/.test(parent)) continue;
      if (/^[0-9a-f-]{36}$/.test(entry.name)) files.push(join(parent, entry.name));
    }
  }
  return files.sort();
}
