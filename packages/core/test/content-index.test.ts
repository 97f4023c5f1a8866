import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ContentIndex } from '../src/content/content-index.js';
import { computeCid } from '../src/content/cid.js';
import { createStorageFixture, type StorageFixture } from '../../../test/helpers/storage-fixture.js';

for (const dialect of ['sqlite', 'postgres'] as const) {
  describe(`ContentIndex on ${dialect}`, () => {
    let fx: StorageFixture;
    let index: ContentIndex;
    const put = async (key: string, text: string) => {
      const info = await fx.storage.putObject(fx.tenant, 'content', key, [Buffer.from(text)]);
      const { body } = await fx.storage.getObjectById(info.fileId);
      return { fileId: info.fileId, cid: await computeCid(body) };
    };

    before(async () => {
      fx = await createStorageFixture({ dialect });
      await fx.storage.createBucket(fx.tenant, 'content');
      index = await ContentIndex.open(fx.storage.options.metadata);
    });
    after(async () => fx.cleanup());

    it('opens twice without migrating twice', async () => {
      await ContentIndex.open(fx.storage.options.metadata);
    });

    it('records a CID, returns it, and replaces it on a second record', async () => {
      const a = await put('a.txt', 'hello world');
      assert.equal(a.cid, 'Qmf412jQZiuVUtdgnB36FXFX7xg5V6KEbSJ4dpQuhkLyfD');
      await index.record(a.fileId, fx.tenant.id, 'QmWrongWrongWrongWrongWrongWrongWrongWrongWron', false);
      await index.record(a.fileId, fx.tenant.id, a.cid, false);
      assert.equal(await index.cidOf(a.fileId), a.cid);
      const rec = await index.get(a.fileId);
      assert.deepEqual({ ...rec, createdAt: undefined }, { fileId: a.fileId, tenantId: fx.tenant.id, cid: a.cid, isPublic: false, createdAt: undefined });
      assert.equal(await index.cidOf('00000000-0000-4000-8000-000000000000'), undefined);
    });

    it('finds only public files, the newest live one first', async () => {
      const older = await put('older.txt', 'same bytes');
      await new Promise((r) => setTimeout(r, 5));
      const newer = await put('newer.txt', 'same bytes');
      assert.equal(older.cid, newer.cid);
      await index.record(older.fileId, fx.tenant.id, older.cid, false);
      await index.record(newer.fileId, fx.tenant.id, newer.cid, false);
      assert.equal(await index.findPublic(older.cid), undefined, 'nothing public yet');

      assert.equal(await index.setPublic(older.fileId, true), true);
      assert.equal(await index.findPublic(older.cid), older.fileId);
      assert.equal(await index.setPublic(newer.fileId, true), true);
      assert.equal(await index.findPublic(older.cid), newer.fileId, 'the newest public file wins');

      await fx.storage.deleteObject(fx.tenant, 'content', 'newer.txt');
      assert.equal(await index.findPublic(older.cid), older.fileId, 'a deleted file is skipped');
      await fx.storage.putObject(fx.tenant, 'content', 'older.txt', [Buffer.from('superseded')]);
      assert.equal(await index.findPublic(older.cid), undefined, 'a superseded file is skipped');

      assert.equal(await index.setPublic('00000000-0000-4000-8000-000000000000', true), false);
      assert.equal(await index.findPublic('QmbFMke1KXqnYyBBWxB74N4c5SBnJMVAiMNRcGu6x1AwQH'), undefined);
    });

    it('looks past more dead rows than one query returns', async () => {
      const live = await put('live.txt', 'many copies');
      await index.record(live.fileId, fx.tenant.id, live.cid, true);
      await new Promise((r) => setTimeout(r, 5));
      for (let i = 0; i < 25; i++) {
        const dead = await put(`dead-${i}.txt`, 'many copies');
        await index.record(dead.fileId, fx.tenant.id, dead.cid, true);
        await fx.storage.deleteObject(fx.tenant, 'content', `dead-${i}.txt`);
      }
      assert.equal(await index.findPublic(live.cid), live.fileId);
    });

    it('forgets a file', async () => {
      const f = await put('forget.txt', 'forget me');
      await index.record(f.fileId, fx.tenant.id, f.cid, true);
      await index.forget(f.fileId);
      assert.equal(await index.cidOf(f.fileId), undefined);
      assert.equal(await index.findPublic(f.cid), undefined);
    });
  });
}
