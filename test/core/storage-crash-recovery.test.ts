import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { collect, createStorageFixture, fragmentFiles, pseudoRandomBytes, type StorageFixture } from '../helpers/storage-fixture.js';

describe('Storage crash safety', () => {
  let fx: StorageFixture;
  before(async () => {
    fx = await createStorageFixture();
  });
  after(() => fx.cleanup());

  it('SIGKILL mid-upload: no half object, no orphan fragments after the sweep, earlier objects intact', { timeout: 120_000 }, async () => {
    const { storage, tenant } = fx;
    await storage.createBucket(tenant, 'crash');
    const earlier = pseudoRandomBytes(3_000_000, 42);
    await storage.putObject(tenant, 'crash', 'earlier', [earlier]);
    await storage.putObject(tenant, 'crash', 'half', [Buffer.from('the old version of half')]);
    const committed = await fragmentFiles(fx.nodeDirs);
    await storage.close();

    const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, '../fixtures/put-until-killed.ts'), fx.dir, fx.kek.toString('hex'), tenant.id], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (d: Buffer) => { if (d.toString().includes('writing')) resolve(); });
      child.on('exit', (code) => reject(new Error(`child exited early with ${code}`)));
    });
    child.kill('SIGKILL');
    await new Promise((resolve) => child.once('exit', resolve));

    const leftovers = (await fragmentFiles(fx.nodeDirs)).length + (await tempFiles(fx.nodeDirs));
    assert.ok(leftovers > committed.length, 'the killed upload left files behind for the sweep to find');

    const restarted = await fx.reopen();
    assert.deepEqual(await fragmentFiles(fx.nodeDirs), committed, 'only the committed objects\' fragments remain');
    assert.equal(await tempFiles(fx.nodeDirs), 0);
    assert.ok((await collect((await restarted.getObject(tenant, 'crash', 'earlier')).body)).equals(earlier));
    assert.equal((await collect((await restarted.getObject(tenant, 'crash', 'half')).body)).toString(), 'the old version of half');
    const listed = await restarted.listObjects(tenant, 'crash');
    assert.deepEqual(listed.objects.map((o) => o.key), ['earlier', 'half']);
  });
});

async function tempFiles(nodeDirs: string[]): Promise<number> {
  let count = 0;
  for (const dir of nodeDirs) count += (await readdir(join(dir, 'tmp')).catch(() => [])).length;
  return count;
}
