import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { resolveZibOptions } from '../../adapters/zib/src/options.js';
import { createZibRouter } from '../../adapters/zib/src/router.js';
import type { OutboxRow } from '../../adapters/zib/src/store/zib-store.js';
import { startZibServer, uploadSealed, type ZibTestServer } from './zib-server.js';

// The upload request and the watcher (or two gateways on one database) can both decide that a file's file.replicated
// or file.failed is due; reading "not sent yet" and then writing used to let both record it (a receiver got the
// event twice). The claim and the outbox row are one transaction now: exactly one of them records it.
for (const dialect of ['sqlite', 'postgres'] as const) {
  describe(`ZiB lifecycle events are recorded once (${dialect})`, () => {
    let zib: ZibTestServer;
    before(async () => { zib = await startZibServer({ dialect, adapter: { startWorker: false } }); });
    after(() => zib.close());

    it('of eight concurrent claims of one event, exactly one records its delivery', async () => {
      const reg = await zib.initiate({ bucket: 'claims', key: `once-${dialect}.txt`, file_size: 4 });
      await uploadSealed(reg, Buffer.from('once'));
      // A second context over the same database: what another gateway, or the watcher beside a request, works with.
      const ctx = createZibRouter(zib.storage, resolveZibOptions({ startWorker: false })).ctx;
      const store = await ctx.store();
      const row = (i: number): OutboxRow => ({
        id: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`, tenantId: zib.tenant.id, fileId: reg.file_id,
        event: 'file.failed', url: 'http://127.0.0.1:9/hook', secret: 'sealed', body: '{}', state: 'pending', attempts: 0,
        nextAttemptAt: Date.now(), lastError: null, createdAt: Date.now(), deliveredAt: null,
      });
      const claims = await Promise.all(Array.from({ length: 8 }, (_, i) => store.claimEvent(reg.file_id, 'failed', row(i))));
      assert.equal(claims.filter(Boolean).length, 1);
      const db = zib.storage.options.metadata.db!;
      const { rows } = await sql<{ n: number | string }>`select count(*) as n from zib_outbox where file_id = ${reg.file_id} and event = 'file.failed'`.execute(db);
      assert.equal(Number(rows[0]!.n), 1);
      assert.equal((await store.byFileId(reg.file_id))?.failedSent, true);
      // Already claimed by the upload itself (the object was safe at once): nothing more is recorded.
      assert.equal(await store.claimEvent(reg.file_id, 'replicated', { ...row(99), event: 'file.replicated' }), false);
    });
  });
}
