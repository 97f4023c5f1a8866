import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { MetadataStore } from '@omnigate/core';
// The suite file itself, not the conformance index: this test should not depend on the other suites compiling.
import { metadataStoreSuite } from '../../conformance/src/metadata-store-suite.js';
import { openSqlMetadataStore } from '../src/index.js';

const tempDirs = new Map<MetadataStore, string>();
metadataStoreSuite('SQLite file', {
  async setup() {
    const dir = mkdtempSync(join(tmpdir(), 'omnigate-meta-'));
    const store = await openSqlMetadataStore({ url: `sqlite:${join(dir, 'meta.db')}` });
    tempDirs.set(store, dir);
    return store;
  },
  async teardown(store) {
    await store.close();
    rmSync(tempDirs.get(store)!, { recursive: true, force: true });
    tempDirs.delete(store);
  },
});

metadataStoreSuite('SQLite in memory', {
  setup: () => openSqlMetadataStore({ url: 'sqlite::memory:' }),
  teardown: (store) => store.close(),
});

// CI starts PostgreSQL: an unreachable server fails these tests rather than skipping them.
const POSTGRES_URL = process.env.OMNIGATE_TEST_POSTGRES_URL || 'postgres://postgres@127.0.0.1:5432/test';

async function admin(statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: POSTGRES_URL });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

/** Each store gets a schema of its own (via search_path), so parallel runs and leftovers never collide. */
const schemas = new Map<MetadataStore, string>();
metadataStoreSuite('PostgreSQL', {
  async setup() {
    const schema = `omnigate_test_${process.pid}_${randomBytes(6).toString('hex')}`;
    await admin(`create schema ${schema}`);
    const url = new URL(POSTGRES_URL);
    url.searchParams.set('options', `-c search_path=${schema}`);
    const store = await openSqlMetadataStore({ url: url.toString() });
    schemas.set(store, schema);
    return store;
  },
  async teardown(store) {
    await store.close();
    await admin(`drop schema ${schemas.get(store)!} cascade`);
    schemas.delete(store);
  },
});
