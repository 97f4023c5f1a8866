import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { decryptName, encryptName, STORAGE_TO_QS } from '../../adapters/qs/src/index.js';
import { startQsServer, uploadFile, type QsTestServer } from './qs-server.js';

describe('encryptedName scheme (README test vector)', () => {
  const sessionId = '6f1c2d3e-4a5b-4c6d-8e7f-0a1b2c3d4e5f';
  const vector = 'AAECAwQFBgcICQoLDclcDIlT-LVWZub7an0FzrkTtWVZaOehYQvdEntqTtoq3r4n5TKF';

  it('AES-256-GCM, key SHA-256(session id), base64url(iv ‖ ciphertext ‖ tag)', () => {
    const iv = Buffer.from('000102030405060708090a0b', 'hex');
    assert.equal(encryptName('holiday photos 2025.zip', sessionId, { iv }), vector);
    assert.equal(decryptName(vector, sessionId), 'holiday photos 2025.zip');
  });

  it('uses a fresh IV each time and refuses the wrong session or a tampered name', () => {
    const a = encryptName('x', sessionId);
    assert.notEqual(a, encryptName('x', sessionId));
    assert.equal(decryptName(a, sessionId), 'x');
    assert.throws(() => decryptName(vector, 'another-session'));
    assert.throws(() => decryptName(vector.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A')), sessionId));
  });
});

describe('QS mounted at the root of an app, with a public base URL', () => {
  let qs: QsTestServer;
  before(async () => { qs = await startQsServer({ mount: '/' }); });
  after(async () => qs.close());

  it('serves /buckets and issues links that work from the root', async () => {
    const s = await qs.session();
    const { file } = await uploadFile(qs, s.token, [Buffer.from('at the root')]);
    const { url } = await (await qs.call('GET', `/buckets/download/${file.fileId}`, { token: s.token })).json() as { url: string };
    assert.ok(url.startsWith(`${qs.origin}/download/`), url);
    assert.equal(await (await fetch(url)).text(), 'at the root');
  });

  it('derives links from publicBaseUrl when given', async () => {
    const other = await startQsServer({ adapter: { publicBaseUrl: 'https://files.example.com/share/' } });
    try {
      const s = await other.session();
      const { file } = await uploadFile(other, s.token, [Buffer.from('x')]);
      const { url } = await (await other.call('GET', `/buckets/download/${file.fileId}`, { token: s.token })).json() as { url: string };
      assert.match(url, new RegExp(`^https://files\\.example\\.com/share/download/${file.fileId}\\?expires=\\d+&signature=[\\w-]{43}$`));
    } finally {
      await other.close();
    }
  });
});

describe('QS error mapping', () => {
  it('maps every core code to a QS code and an HTTP error status', () => {
    for (const [code, spec] of Object.entries(STORAGE_TO_QS)) {
      assert.match(spec.code, /^[A-Z]\w+$/, code);
      assert.ok(spec.status >= 300 && spec.status < 600, code);
    }
  });
});
