import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { sql } from 'kysely';
import { openSqlMetadataStore } from '../src/index.js';

type DatasyncProto = { datasync: (this: unknown) => Promise<void> };

/** FileHandle is not exported; its prototype is reached through an open handle. */
async function fileHandleProto(dir: string): Promise<DatasyncProto> {
  const fh = await open(join(dir, 'probe'), 'w');
  await fh.close();
  return Object.getPrototypeOf(fh) as DatasyncProto;
}

describe('SQLite commits made durable off the event loop (WalSync)', () => {
  it('resolves a transaction only after the WAL is fdatasynced, and holds other queries until then', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'omnigate-walsync-'));
    const store = await openSqlMetadataStore({ url: `sqlite:${join(dir, 'meta.db')}` });
    const proto = await fileHandleProto(dir);
    const original = proto.datasync;
    try {
      await sql`create table t (x integer)`.execute(store.db);
      let releaseSync!: () => void;
      const events: string[] = [];
      proto.datasync = function (this: unknown) {
        events.push('sync started');
        return new Promise<void>((resolve) => { releaseSync = resolve; }).then(() => original.call(this)).then(() => { events.push('sync done'); });
      };
      const committed = store.db.transaction().execute(async (trx) => {
        await sql`insert into t values (1)`.execute(trx);
      }).then(() => events.push('transaction resolved'));
      while (!events.includes('sync started')) await new Promise((r) => setImmediate(r));
      // The event loop is free while the fsync runs, but no query of this process sees the commit before it is durable.
      const read = sql<{ n: number }>`select count(*) as n from t`.execute(store.db).then((r) => events.push(`read ${r.rows[0]!.n}`));
      await new Promise((r) => setTimeout(r, 30));
      assert.deepEqual(events, ['sync started']);
      releaseSync();
      await Promise.all([committed, read]);
      assert.deepEqual(events.slice(0, 3), ['sync started', 'sync done', 'transaction resolved']);
      assert.ok(events.indexOf('read 1') > events.indexOf('sync done'));

      // A write outside a transaction (autocommit) waits for the sync too; a read does not sync.
      const before = events.filter((e) => e === 'sync done').length;
      proto.datasync = function (this: unknown) {
        events.push('sync started');
        return original.call(this).then(() => { events.push('sync done'); });
      };
      await sql`insert into t values (2)`.execute(store.db);
      assert.equal(events.filter((e) => e === 'sync done').length, before + 1);
      await sql`select * from t`.execute(store.db);
      assert.equal(events.filter((e) => e === 'sync done').length, before + 1);
    } finally {
      proto.datasync = original;
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('stops the process when the WAL fdatasync fails, before the commit resolves', () => {
    const dir = mkdtempSync(join(tmpdir(), 'omnigate-walsync-'));
    try {
      const script = `
        import { open } from 'node:fs/promises';
        import { sql } from 'kysely';
        import { openSqlMetadataStore } from ${JSON.stringify(new URL('../dist/index.js', import.meta.url).href)};
        const store = await openSqlMetadataStore({ url: 'sqlite:${join(dir, 'meta.db')}' });
        await sql\`create table t (x integer)\`.execute(store.db);
        const fh = await open(${JSON.stringify(join(dir, 'probe'))}, 'w'); await fh.close();
        Object.getPrototypeOf(fh).datasync = () => Promise.reject(Object.assign(new Error('EIO: i/o error, fdatasync'), { code: 'EIO' }));
        await sql\`insert into t values (1)\`.execute(store.db);
        console.log('COMMIT RESOLVED');
      `;
      const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: new URL('..', import.meta.url).pathname, encoding: 'utf8', timeout: 20_000 });
      assert.notEqual(run.status, 0);
      assert.doesNotMatch(run.stdout, /COMMIT RESOLVED/);
      assert.match(run.stderr, /fdatasync of the SQLite WAL .* failed; stopping/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
