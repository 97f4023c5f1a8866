import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { computeCid } from '@omnigate/core';
import { after, before, describe, it } from 'node:test';
import { walletOf } from '../../adapters/djib/src/index.js';
import { startDjibServer, uploadFiles, type DjibTestServer, type TestWallet } from './djib-server.js';
import { decodeBody, startSmtpSink, type SmtpSink } from './smtp-sink.js';

// `echo "hello world" | ipfs add` (Kubo defaults) prints this CID.
const HELLO_CID = 'QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o';

for (const dialect of ['sqlite', 'postgres'] as const) describe(`Djib sharing, profile with email confirmation, public network (${dialect})`, () => {
  let djib: DjibTestServer;
  let smtp: SmtpSink;
  let a: TestWallet; // owner
  let b: TestWallet; // recipient
  let c: TestWallet; // stranger
  let code: string;
  const internal: unknown[] = [];
  const shared = (w: TestWallet | undefined, query: string, headers: Record<string, string> = {}) =>
    fetch(`${djib.base}/download-shared?${query}`, { headers: { ...headers, ...(w ? { authorization: `Bearer ${w.token}` } : {}) } });
  const confirmLink = (raw: string) => /(http:\/\/\S+\/email-confirm\/[1-9A-HJ-NP-Za-km-z]+)/.exec(decodeBody(raw))![1]!;

  before(async () => {
    smtp = await startSmtpSink();
    djib = await startDjibServer({ dialect, adapter: { mail: { smtpUrl: smtp.url, from: 'Drive <drive@example.org>' }, logger: { error: (o) => internal.push(o) } } });
    [a, b, c] = [await djib.wallet(), await djib.wallet(), await djib.wallet()];
    await djib.rpc('createFolder', [a.token, '/', 'Projets']);
    const up = await uploadFiles(djib, a.token, '/Projets', [{ name: 'plan été.txt', body: 'hello world\n', type: 'text/plain' }, { name: 'notes.md', body: '# notes' }]);
    assert.equal(up.status, 200);
  });
  after(async () => {
    await djib.close();
    await smtp.close();
    assert.deepEqual(internal, []);
  });

  it('shares a folder with a password (scrypt-hashed), opened by link, browsed and downloaded by the recipient', async () => {
    code = await djib.rpc('shareObject', [a.token, '/Projets', { password: 's3cret' }]);
    assert.match(code, /^[1-9A-HJ-NP-Za-km-z]{20,24}$/);
    const fileShares = await djib.rpc('lsFileShares', [a.token, '/Projets']);
    assert.deepEqual(fileShares.shares.map((s: any) => [s.link, s.has_pass, s.is_public, s.share_email]), [[code, true, true, null]]);
    assert.equal(fileShares.has_pass, true);
    const row = await djib.storage.options.metadata.db.selectFrom('djib_shares').selectAll().where('code', '=', code).executeTakeFirstOrThrow();
    assert.match(row.password_hash, /^scrypt\$32768\$8\$1\$/);
    assert.ok(!row.password_hash.includes('s3cret'));

    assert.deepEqual(await djib.rpc('lsShareWithMe', [b.token]), []);
    assert.equal(await djib.rpcError('getSharedByLink', [b.token, code, {}]), -32023);
    assert.equal(await djib.rpcError('getSharedByLink', [b.token, code, { password: 'wrong' }]), -32023);
    assert.equal(await djib.rpcError('getSharedByLink', [b.token, 'nosuchcode', {}]), -32010);
    assert.equal(await djib.rpc('getSharedByLink', [b.token, code, { password: 's3cret' }]), '/Shared/Projets');
    const top = await djib.rpc('lsShareWithMe', [b.token, {}]);
    assert.deepEqual(top.map((e: any) => [e.path, e.is_folder, e.owner, e.has_pass]), [['/Shared/Projets', true, a.publicKey, true]]);
    assert.match(top[0].shared_at, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}$/);
    const inside = await djib.rpc('lsShareWithMe', [b.token, { path: '/Shared/Projets', owner: a.publicKey }]);
    assert.deepEqual(inside.map((e: any) => [e.path, e.size_byte]), [['/Shared/Projets/notes.md', 7], ['/Shared/Projets/plan été.txt', 12]]);

    const byPath = await shared(b, `path=${encodeURIComponent('/Shared/Projets/plan été.txt')}`, { range: 'bytes=0-4' });
    assert.equal(byPath.status, 206);
    assert.equal(await byPath.text(), 'hello');
    const anonymous = await shared(undefined, `link=${code}&path=${encodeURIComponent('/plan été.txt')}`);
    assert.equal(anonymous.status, 403);
    assert.equal((await anonymous.json()).error.code, -32023);
    const withPassword = await shared(undefined, `link=${code}&path=${encodeURIComponent('/plan été.txt')}`, { 'x-share-password': 's3cret' });
    assert.equal(await withPassword.text(), 'hello world\n');
    const escape = await shared(undefined, `link=${code}&path=${encodeURIComponent('/../../etc/passwd')}`, { 'x-share-password': 's3cret' });
    assert.equal((await escape.json()).error.code, -32012);
  });

  it('keeps the share from everyone else, and the owner\'s drive from the recipient', async () => {
    assert.deepEqual(await djib.rpc('lsShareWithMe', [c.token]), []);
    assert.equal(await djib.rpcError('lsShareWithMe', [c.token, { path: '/Shared/Projets' }]), -32010);
    const res = await shared(c, `path=${encodeURIComponent('/Shared/Projets/notes.md')}`);
    assert.equal(res.status, 404);
    assert.equal(await djib.rpcError('lsDrive', [b.token, '/Projets']), -32010);
    assert.deepEqual(await djib.rpc('lsShareByMe', [b.token]), []);
    assert.deepEqual((await djib.rpc('lsShareByMe', [a.token])).map((e: any) => e.path), ['/Projets']);
  });

  it('follows a rename, hides on rmSharedWithMe, and revokes', async () => {
    assert.equal(await djib.rpc('rename', [a.token, '/Projets', 'Projects']), 'success');
    assert.deepEqual((await djib.rpc('lsShareWithMe', [b.token])).map((e: any) => e.path), ['/Shared/Projects']);
    assert.equal(await djib.rpcError('rmSharedWithMe', [b.token, '/Shared/Nothing', a.publicKey]), -32010);
    assert.equal(await djib.rpc('rmSharedWithMe', [b.token, '/Shared/Projects', a.publicKey]), 'success');
    assert.deepEqual(await djib.rpc('lsShareWithMe', [b.token]), []);
    assert.equal(await djib.rpcError('revokeShares', [a.token, '/Projects', ['unknown']]), -32010);
    assert.equal(await djib.rpcError('revokeShares', [b.token, '/Projects', [code]]), -32010);
    assert.equal(await djib.rpc('revokeShares', [a.token, '/Projects', [code]]), 'success');
    assert.deepEqual((await djib.rpc('lsFileShares', [a.token, '/Projects'])).shares, []);
    const gone = await shared(undefined, `link=${code}&path=/notes.md`, { 'x-share-password': 's3cret' });
    assert.equal(gone.status, 404);
  });

  it('sets a profile, mails a confirmation link through SMTP, and an email share reaches the confirmed wallet only', async () => {
    assert.deepEqual(await djib.rpc('getProfile', [b.token]), { email: null, name: null, avatar: null, confirmation: null, ref_code: b.publicKey, invited_by: null });
    assert.equal(await djib.rpcError('resendVerificationEmail', [b.token]), -32024);
    assert.equal(await djib.rpcError('setProfile', [b.token, { email: 'not an email' }]), -32602);
    assert.equal(await djib.rpcError('setProfile', [b.token, { avatar: 'javascript:alert(1)' }]), -32602);
    assert.equal(await djib.rpcError('setProfile', [b.token, { admin: true }]), -32602);
    const avatar = 'data:image/png;base64,iVBORw0KGgo=';
    assert.equal(await djib.rpc('setProfile', [b.token, { email: 'Bob@Example.com', name: 'Bob Été', avatar }]), 'success');
    const first = await smtp.waitFor(1);
    assert.deepEqual(first.to, ['bob@example.com']);
    assert.match(first.raw, /From: Drive <drive@example.org>/);
    assert.equal((await djib.rpc('getProfile', [b.token])).confirmation, 'pending');

    const emailCode = await djib.rpc('shareObject', [a.token, '/Projects/notes.md', { email: 'bob@example.com' }]);
    assert.deepEqual(await djib.rpc('lsShareWithMe', [b.token]), [], 'not before the email is confirmed');
    assert.equal(await djib.rpcError('getSharedByLink', [c.token, emailCode, {}]), -32016);

    assert.equal(await djib.rpc('resendVerificationEmail', [b.token]), 'success');
    const second = await smtp.waitFor(2);
    const stale = await fetch(confirmLink(first.raw));
    assert.equal(stale.status, 404, 'a resend replaces the earlier link');
    const ok = await fetch(confirmLink(second.raw));
    assert.equal(ok.status, 200);
    assert.equal((await fetch(confirmLink(second.raw))).status, 404, 'single use');
    const profile = await djib.rpc('getProfile', [b.token]);
    assert.deepEqual([profile.email, profile.name, profile.avatar, profile.confirmation], ['bob@example.com', 'Bob Été', avatar, 'confirmed']);
    assert.equal(await djib.rpcError('resendVerificationEmail', [b.token]), -32027);

    assert.deepEqual((await djib.rpc('lsShareWithMe', [b.token])).map((e: any) => [e.path, e.has_pass]), [['/Shared/notes.md', false]]);
    assert.equal(await (await shared(b, `link=${emailCode}`)).text(), '# notes');
    assert.equal((await shared(undefined, `link=${emailCode}`)).status, 401);
    assert.equal((await shared(c, `link=${emailCode}`)).status, 403);

    // An email share with a password: listed, but opened only with the password, once.
    const locked = await djib.rpc('shareObject', [a.token, '/Projects', { email: 'bob@example.com', password: 'clé' }]);
    assert.deepEqual((await djib.rpc('lsShareWithMe', [b.token])).map((e: any) => [e.path, e.has_pass]), [['/Shared/Projects', true], ['/Shared/notes.md', false]]);
    assert.equal(await djib.rpcError('lsShareWithMe', [b.token, { path: '/Shared/Projects' }]), -32023);
    assert.equal(await djib.rpcError('lsShareWithMe', [b.token, { path: '/Shared/Projects', password: 'cle' }]), -32023);
    assert.equal((await djib.rpc('lsShareWithMe', [b.token, { path: '/Shared/Projects', password: 'clé' }])).length, 2);
    assert.equal((await djib.rpc('lsShareWithMe', [b.token, { path: '/Shared/Projects' }])).length, 2, 'opened once is enough');
    assert.equal(await djib.rpc('revokeShares', [a.token, '/Projects', [locked]]), 'success');

    // An expired link is refused.
    assert.equal(await djib.rpc('setProfile', [c.token, { email: 'carol@example.com' }]), 'success');
    const third = await smtp.waitFor(3);
    djib.clock.now += 25 * 3600_000;
    try {
      const expired = await fetch(confirmLink(third.raw));
      assert.equal(expired.status, 410);
      assert.equal((await expired.json()).error.code, -32028);
    } finally {
      djib.clock.now -= 25 * 3600_000;
    }
  });

  it('publishes a file by its real IPFS CID, served by /ipfs, saved into another drive, duplicated', async () => {
    const link = await djib.rpc('shareFromDrive', [a.token, '/Projects/plan été.txt']);
    assert.equal(link, `${djib.origin}/ipfs/${HELLO_CID}`);
    assert.equal(await djib.rpc('shareFromDrive', [a.token, '/Projects/plan été.txt']), link, 'publishing twice gives the same link');
    const gateway = await fetch(link);
    assert.equal(gateway.status, 200);
    assert.equal(await gateway.text(), 'hello world\n');
    const listed = await djib.rpc('lsDrive', [a.token, '/Projects']);
    assert.deepEqual(listed.map((e: any) => [e.file_name, e.public_link]), [['notes', null], ['plan été', link]]);
    assert.deepEqual((await djib.rpc('lsPublic', [a.token, true])).map((e: any) => [e.cid, e.link, e.file_name, e.size_byte, e.content_type, e.drive_path]), [
      [HELLO_CID, link, 'plan été.txt', 12, 'text/plain', '/Projects/plan été.txt'],
    ]);
    assert.equal(await djib.rpcError('shareFromDrive', [a.token, '/Projects']), -32012);
    assert.equal(await djib.rpcError('shareFromDrive', [a.token, '/nothing.txt']), -32010);

    assert.equal(await djib.rpcError('savePublic', [b.token, ['not-a-cid'], '/']), -32602);
    assert.equal(await djib.rpcError('savePublic', [b.token, ['QmbFMke1KXqnYyBBWxB74N4c5SBnJMVAiMNRcGu6x1AwQH'], '/']), -32010);
    assert.equal(await djib.rpc('savePublic', [b.token, [HELLO_CID], '/']), 'success');
    assert.equal(await djib.rpcError('savePublic', [b.token, [HELLO_CID], '/']), -32011);
    const dl = await fetch(`${djib.base}/download?path=${encodeURIComponent('/plan été.txt')}`, { headers: { authorization: `Bearer ${b.token}` } });
    assert.equal(await dl.text(), 'hello world\n');
    // A public file of another tenant (as QS publishes them) is streamed in.
    const { tenant: other } = await djib.storage.tenants.create(`other-${dialect}`);
    await djib.storage.createBucket(other, 'pub');
    const foreign = await djib.storage.putObject(other, 'pub', 'docs/foreign file.txt', Readable.from([Buffer.from('from another tenant')]), { size: 19, contentType: 'text/plain' });
    const foreignCid = await computeCid(Readable.from([Buffer.from('from another tenant')]));
    await djib.contentIndex.record(foreign.fileId, other.id, foreignCid, true);
    assert.equal(await djib.rpc('savePublic', [b.token, [foreignCid], '/']), 'success');
    const saved = (await djib.rpc('lsDrive', [b.token, '/'])).find((e: any) => e.file_name === 'foreign file');
    assert.deepEqual([saved.size_byte, saved.content_type], [19, 'text/plain']);
    await djib.rpc('moveTrash', [b.token, ['/foreign file.txt']]);
    await djib.rpc('emptyTrash', [b.token]);
    assert.equal(await djib.rpc('duplicate', [b.token, '/plan été.txt']), 'success');
    assert.equal(await djib.rpc('duplicate', [b.token, '/plan été.txt']), 'success');
    assert.deepEqual((await djib.rpc('lsDrive', [b.token, '/'])).map((e: any) => e.path), ['/plan été (copy 2).txt', '/plan été (copy).txt', '/plan été.txt']);
  });

  it('destroys a drive for real but keeps its publicly shared files', async () => {
    assert.equal((await djib.rpc('lsShareWithMe', [b.token])).length, 1);
    await djib.rpc('moveTrash', [a.token, ['/Projects/notes.md']]);
    assert.deepEqual(await djib.rpc('lsShareWithMe', [b.token]), [], 'trashing ends the shares of the path');
    await djib.rpc('createFolder', [a.token, '/Projects', 'notes.md']);
    assert.deepEqual(await djib.rpc('lsShareWithMe', [b.token]), [], 'a new object at that path is not exposed');
    await djib.rpc('setFavorite', [a.token, '/Projects']);
    assert.equal(await djib.rpc('destroyDrive', [a.token]), 'success');
    assert.deepEqual(await djib.rpc('lsDrive', [a.token, '/']), []);
    assert.deepEqual(await djib.rpc('lsTrash', [a.token]), []);
    assert.deepEqual(await djib.rpc('lsFavorite', [a.token]), []);
    assert.deepEqual(await djib.rpc('lsShareByMe', [a.token]), []);
    const { bucket, trashBucket } = walletOf(a.publicKey);
    for (const name of [bucket, trashBucket]) assert.deepEqual((await djib.storage.listObjects(djib.tenant, name)).objects, []);
    assert.equal((await djib.rpc('status', [a.token])).cloud.used_size_kb, 0);
    const still = await fetch(`${djib.origin}/ipfs/${HELLO_CID}`);
    assert.equal(await still.text(), 'hello world\n');
    assert.equal((await djib.rpc('lsPublic', [a.token, false])).length, 1);
    // The wallet can start again on an empty drive.
    assert.equal(await djib.rpc('createFolder', [a.token, '/', 'Nouveau']), '/Nouveau');
  });
});
