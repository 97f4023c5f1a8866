/**
 * Published test vectors (test/vectors/aead-vectors.json, reproduced in docs/format.md). Each is checked three ways:
 * byte-for-byte against the implementation, against the reference sealer (one createCipheriv per segment, written
 * from the spec), and through WebCrypto, which the browser SDK will use, so the format provably fits its API.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { createSealStream, openBuffer, parseHeader, sealBuffer } from '../src/codec/segmented-aead.js';
import { refAad, refIv, refSeal, run } from './helpers/aead.js';

interface Vector {
  name: string; key: string; segmentSize: number; streamIndex: number; noncePrefix: string;
  plainSize: number; cipherSize: number; plaintext: string; ciphertext: string;
}
const file = JSON.parse(readFileSync(new URL('./vectors/aead-vectors.json', import.meta.url), 'utf8')) as { vectors: Vector[] };
const subtle = globalThis.crypto.subtle;

describe('test vectors', () => {
  it('cover the empty stream, one byte, S + 1 with S = 4096, and a multipart stream index', () => {
    const names = file.vectors.map((v) => v.name);
    assert.deepEqual(names, ['empty', 'one-byte', 'segment-plus-one', 'part-3-two-full-segments']);
    assert.deepEqual(file.vectors.map((v) => v.plainSize), [0, 1, 4097, 8192]);
  });

  it('are reproduced in docs/format.md (whole ciphertext when short, else its SHA-256)', () => {
    const doc = readFileSync(new URL('../../../docs/format.md', import.meta.url), 'utf8').replace(/ /g, '');
    for (const v of file.vectors) {
      const expected = v.cipherSize <= 64 ? v.ciphertext : createHash('sha256').update(Buffer.from(v.ciphertext, 'hex')).digest('hex');
      assert.ok(doc.includes(expected), `${v.name} missing from docs/format.md`);
    }
  });

  for (const v of file.vectors) {
    const key = Buffer.from(v.key, 'hex');
    const plaintext = Buffer.from(v.plaintext, 'hex');
    const ciphertext = Buffer.from(v.ciphertext, 'hex');
    const opts = { segmentSize: v.segmentSize, streamIndex: v.streamIndex, noncePrefix: Buffer.from(v.noncePrefix, 'hex') };

    it(`${v.name}: the implementation reproduces it byte for byte and opens it`, async () => {
      assert.equal(plaintext.length, v.plainSize);
      assert.equal(ciphertext.length, v.cipherSize);
      assert.equal(sealBuffer(key, plaintext, opts).toString('hex'), v.ciphertext);
      assert.equal((await run(createSealStream(key, ciphertext.subarray(0, 16)), [plaintext])).toString('hex'), v.ciphertext);
      assert.deepEqual(openBuffer(key, ciphertext, { expectedStreamIndex: v.streamIndex }), plaintext);
      assert.deepEqual(parseHeader(ciphertext), { segmentSize: v.segmentSize, streamIndex: v.streamIndex, noncePrefix: opts.noncePrefix });
    });

    it(`${v.name}: the reference sealer (createCipheriv per segment) gives the same bytes`, () => {
      assert.equal(refSeal(key, plaintext, v.segmentSize, v.streamIndex, opts.noncePrefix).toString('hex'), v.ciphertext);
    });

    it(`${v.name}: WebCrypto AES-GCM encrypts and decrypts every segment identically`, async () => {
      const cryptoKey = await subtle.importKey('raw', key, 'AES-GCM', false, ['encrypt', 'decrypt']);
      const header = ciphertext.subarray(0, 16);
      const n = Math.max(1, Math.ceil(v.plainSize / v.segmentSize));
      let pos = 16;
      for (let i = 0; i < n; i++) {
        const segPlain = plaintext.subarray(i * v.segmentSize, (i + 1) * v.segmentSize);
        const sealedSeg = ciphertext.subarray(pos, pos + segPlain.length + 16);
        const params = { name: 'AES-GCM', iv: refIv(header, i), additionalData: refAad(header, i, i === n - 1), tagLength: 128 };
        assert.deepEqual(Buffer.from(await subtle.encrypt(params, cryptoKey, segPlain)), sealedSeg, `segment ${i}`);
        assert.deepEqual(Buffer.from(await subtle.decrypt(params, cryptoKey, sealedSeg)), segPlain, `segment ${i}`);
        pos += sealedSeg.length;
      }
      assert.equal(pos, ciphertext.length);
    });
  }
});
