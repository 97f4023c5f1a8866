/**
 * The `encryptedName` scheme of QS Share ("encryptedName should be encrypted using AES256 with the session ID as
 * key"), made precise:
 *
 *   key    = SHA-256(UTF-8 bytes of the session id)                       (32 bytes)
 *   iv     = 12 random bytes
 *   sealed = AES-256-GCM(key, iv, UTF-8 bytes of the name), no AAD, 16-byte tag
 *   encryptedName = base64url without padding (iv ‖ ciphertext ‖ tag)
 *
 * The server stores and returns `encryptedName` exactly as given and never decrypts it; these helpers are for
 * clients and tests. The session id is not a secret from the server: this hides names from other readers of the
 * bucket, not from the operator.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

const IV_BYTES = 12;
const TAG_BYTES = 16;

function nameKey(sessionId: string): Buffer {
  return createHash('sha256').update(sessionId, 'utf8').digest();
}

/** Seals a file name for a session. `options.iv` is for test vectors only: never reuse an IV under one key. */
export function encryptName(name: string, sessionId: string, options: { iv?: Buffer } = {}): string {
  const iv = options.iv ?? randomBytes(IV_BYTES);
  if (iv.length !== IV_BYTES) throw new TypeError(`the IV must be ${IV_BYTES} bytes`);
  const cipher = createCipheriv('aes-256-gcm', nameKey(sessionId), iv);
  const sealed = Buffer.concat([cipher.update(name, 'utf8'), cipher.final()]);
  return Buffer.concat([iv, sealed, cipher.getAuthTag()]).toString('base64url');
}

/** Opens a name sealed by `encryptName`; throws on a wrong session id or tampered input. */
export function decryptName(encryptedName: string, sessionId: string): string {
  const raw = Buffer.from(encryptedName, 'base64url');
  if (raw.length < IV_BYTES + TAG_BYTES) throw new TypeError('not an encrypted name: too short');
  const decipher = createDecipheriv('aes-256-gcm', nameKey(sessionId), raw.subarray(0, IV_BYTES));
  decipher.setAuthTag(raw.subarray(raw.length - TAG_BYTES));
  return Buffer.concat([decipher.update(raw.subarray(IV_BYTES, raw.length - TAG_BYTES)), decipher.final()]).toString('utf8');
}
