import assert from 'node:assert/strict';
import { createDecipheriv, createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { generateKey, kekIdOf, unwrapKey, wrapKey } from '../src/codec/key-wrap.js';

const KEK = Buffer.alloc(32, 0x5a);
const DEK = Buffer.from(Array.from({ length: 32 }, (_, i) => 255 - i));

function rejectsInvalid(fn: () => unknown): void {
  assert.throws(fn, (err: { code?: string; message: string }) => {
    assert.equal(err.code, 'InvalidCiphertext');
    assert.ok(!err.message.includes(KEK.toString('hex')) && !err.message.includes(DEK.toString('hex')), 'key material in message');
    return true;
  });
}

describe('key wrap', () => {
  it('wraps a DEK as IV ‖ encrypted key ‖ tag with AAD "omnigate-dek:" + context, and unwraps it', () => {
    const wrapped = wrapKey(KEK, DEK, 'blob-1');
    assert.equal(wrapped.length, 12 + 32 + 16);
    assert.deepEqual(unwrapKey(KEK, wrapped, 'blob-1'), DEK);
    assert.ok(!wrapped.includes(DEK.subarray(0, 8)), 'the DEK shows through');
    // Independent decryption pins the byte layout, so other implementations can read stored keys.
    const d = createDecipheriv('aes-256-gcm', KEK, wrapped.subarray(0, 12));
    d.setAAD(Buffer.from('omnigate-dek:blob-1', 'utf8'));
    d.setAuthTag(wrapped.subarray(44));
    assert.deepEqual(Buffer.concat([d.update(wrapped.subarray(12, 44)), d.final()]), DEK);
  });

  it('uses a fresh IV every time', () => {
    const a = wrapKey(KEK, DEK, 'blob-1');
    const b = wrapKey(KEK, DEK, 'blob-1');
    assert.notDeepEqual(a.subarray(0, 12), b.subarray(0, 12));
    assert.notDeepEqual(a, b);
  });

  it('seals other small secrets (tenant secret keys) the same way', () => {
    const secret = Buffer.from('wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', 'utf8');
    const wrapped = wrapKey(KEK, secret, 'tenant-secret:t1');
    assert.equal(wrapped.length, 12 + secret.length + 16);
    assert.deepEqual(unwrapKey(KEK, wrapped, 'tenant-secret:t1'), secret);
  });

  it('only unwraps with the same KEK and context, and rejects any altered or truncated byte', () => {
    const wrapped = wrapKey(KEK, DEK, 'blob-1');
    rejectsInvalid(() => unwrapKey(KEK, wrapped, 'blob-2'));
    rejectsInvalid(() => unwrapKey(KEK, wrapped, ''));
    rejectsInvalid(() => unwrapKey(Buffer.alloc(32, 0x5b), wrapped, 'blob-1'));
    for (let i = 0; i < wrapped.length; i++) {
      const bad = Buffer.from(wrapped);
      bad[i]! ^= 0x80;
      rejectsInvalid(() => unwrapKey(KEK, bad, 'blob-1'));
    }
    rejectsInvalid(() => unwrapKey(KEK, wrapped.subarray(0, 59), 'blob-1'));
    rejectsInvalid(() => unwrapKey(KEK, wrapped.subarray(0, 28), 'blob-1'));
    rejectsInvalid(() => unwrapKey(KEK, Buffer.concat([wrapped, Buffer.alloc(1)]), 'blob-1'));
    rejectsInvalid(() => unwrapKey(KEK, Buffer.alloc(0), 'blob-1'));
  });

  it('rejects keys of the wrong size with InvalidArgument', () => {
    assert.throws(() => wrapKey(Buffer.alloc(16), DEK, 'x'), { code: 'InvalidArgument' });
    assert.throws(() => wrapKey(KEK, Buffer.alloc(0), 'x'), { code: 'InvalidArgument' });
    assert.throws(() => unwrapKey(Buffer.alloc(31), wrapKey(KEK, DEK, 'x'), 'x'), { code: 'InvalidArgument' });
    assert.throws(() => kekIdOf(Buffer.alloc(33)), { code: 'InvalidArgument' });
  });

  it('kekIdOf names a KEK with 16 hex chars of sha256("omnigate-kek-id" ‖ kek)', () => {
    const id = kekIdOf(KEK);
    assert.match(id, /^[0-9a-f]{16}$/);
    const expected = createHash('sha256').update(Buffer.concat([Buffer.from('omnigate-kek-id'), KEK])).digest('hex').slice(0, 16);
    assert.equal(id, expected);
    assert.equal(kekIdOf(Buffer.from(KEK)), id);
    assert.notEqual(kekIdOf(Buffer.alloc(32, 0x5b)), id);
    assert.ok(!KEK.toString('hex').includes(id));
  });

  it('generateKey returns 32 fresh random bytes', () => {
    const a = generateKey();
    const b = generateKey();
    assert.equal(a.length, 32);
    assert.notDeepEqual(a, b);
    assert.deepEqual(unwrapKey(KEK, wrapKey(KEK, a, 'k'), 'k'), a);
  });
});
