/**
 * Wrapping of per-object data keys (DEKs) with the deployment key-encryption key (KEK), AES-256-GCM.
 * Wrapped form: 12-byte random IV ‖ encrypted DEK ‖ 16-byte tag (60 bytes for a 32-byte DEK), with
 * AAD = utf8("omnigate-dek:" + context). The context (the blob id) binds a wrapped key to its row, so copying a
 * wrapped key onto another blob's metadata does not make it unwrap there.
 * Other small secrets (tenant secret keys, 1..1024 bytes) are sealed the same way under their own context.
 */
import { createCipheriv, createDecipheriv, createHash } from 'node:crypto';
import { pooledRandomBytes } from './random.js';
import { StorageError } from '../errors.js';

const KEY_SIZE = 32;
const IV_SIZE = 12;
const TAG_SIZE = 16;
/** Largest secret wrapKey seals; DEKs are 32 bytes, tenant secrets up to 128 UTF-8 characters. */
const MAX_SECRET_SIZE = 1024;
export const WRAPPED_KEY_SIZE = IV_SIZE + KEY_SIZE + TAG_SIZE;

function checkKey(key: Buffer, what: string): void {
  if (!Buffer.isBuffer(key) || key.length !== KEY_SIZE) {
    throw new StorageError('InvalidArgument', `${what} must be ${KEY_SIZE} bytes`);
  }
}

function aadOf(context: string): Buffer {
  if (typeof context !== 'string') throw new StorageError('InvalidArgument', 'key wrap context must be a string');
  return Buffer.from(`omnigate-dek:${context}`, 'utf8');
}

export function generateKey(): Buffer {
  return pooledRandomBytes(KEY_SIZE);
}

export function wrapKey(kek: Buffer, dek: Buffer, context: string): Buffer {
  checkKey(kek, 'key-encryption key');
  if (!Buffer.isBuffer(dek) || dek.length < 1 || dek.length > MAX_SECRET_SIZE) {
    throw new StorageError('InvalidArgument', `data key must be 1 to ${MAX_SECRET_SIZE} bytes`);
  }
  const aad = aadOf(context);
  // A random IV per wrap: the KEK wraps one DEK per object, far below GCM's 2^32 random-IV limit per key.
  const iv = pooledRandomBytes(IV_SIZE);
  const cipher = createCipheriv('aes-256-gcm', kek, iv, { authTagLength: TAG_SIZE });
  cipher.setAAD(aad);
  const body = cipher.update(dek);
  cipher.final();
  return Buffer.concat([iv, body, cipher.getAuthTag()]);
}

export function unwrapKey(kek: Buffer, wrapped: Buffer, context: string): Buffer {
  checkKey(kek, 'key-encryption key');
  const aad = aadOf(context);
  const overhead = IV_SIZE + TAG_SIZE;
  if (!Buffer.isBuffer(wrapped) || wrapped.length <= overhead || wrapped.length > overhead + MAX_SECRET_SIZE) {
    throw new StorageError('InvalidCiphertext', 'wrapped data key has an invalid length (truncated or corrupted)');
  }
  const tagAt = wrapped.length - TAG_SIZE;
  const decipher = createDecipheriv('aes-256-gcm', kek, wrapped.subarray(0, IV_SIZE), { authTagLength: TAG_SIZE });
  decipher.setAAD(aad);
  decipher.setAuthTag(wrapped.subarray(tagAt));
  const dek = decipher.update(wrapped.subarray(IV_SIZE, tagAt));
  try {
    decipher.final();
  } catch (err) {
    dek.fill(0); // unauthenticated output: do not leave it lying around
    throw new StorageError('InvalidCiphertext',
      'wrapped data key failed authentication: wrong key-encryption key, wrong context or corrupted data', undefined, { cause: err });
  }
  return dek;
}

/** Names a KEK in metadata (to find the right one after rotation) without revealing anything usable about it. */
export function kekIdOf(kek: Buffer): string {
  checkKey(kek, 'key-encryption key');
  return createHash('sha256').update('omnigate-kek-id').update(kek).digest('hex').slice(0, 16);
}
