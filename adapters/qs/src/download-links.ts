/**
 * Pre-signed download URLs: capabilities that work without a bearer token, until they expire.
 *
 *   <base>/download/<fileId>?expires=<unix seconds>&signature=<sig>
 *   sig = base64url, unpadded, of HMAC-SHA256(downloadSigningKey, "qs-download:v1\n" + fileId + "\n" + expires)
 *
 * Nothing is stored: any gateway instance with the same key verifies the link. A deleted file's link answers 404.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { QsError } from './errors.js';

function mac(key: Buffer, fileId: string, expires: number): Buffer {
  return createHmac('sha256', key).update(`qs-download:v1\n${fileId}\n${expires}`, 'utf8').digest();
}

/** The query string of a link valid until `expiresAtMs` (rounded up to the second). */
export function signDownload(key: Buffer, fileId: string, expiresAtMs: number): { query: string; expiresAt: Date } {
  const expires = Math.ceil(expiresAtMs / 1000);
  const signature = mac(key, fileId, expires).toString('base64url');
  return { query: `expires=${expires}&signature=${signature}`, expiresAt: new Date(expires * 1000) };
}

/** Throws InvalidLink (bad or missing signature) or LinkExpired; returns when the link is good now. */
export function verifyDownload(key: Buffer, fileId: string, expiresParam: unknown, signatureParam: unknown, now: number): void {
  if (typeof expiresParam !== 'string' || !/^\d{1,12}$/.test(expiresParam) || typeof signatureParam !== 'string' || !/^[A-Za-z0-9_-]{43}$/.test(signatureParam)) {
    throw new QsError('InvalidLink', 'This download link is not valid: it needs the expires and signature parameters it was issued with');
  }
  const expected = mac(key, fileId, Number(expiresParam));
  const given = Buffer.from(signatureParam, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw new QsError('InvalidLink', 'This download link is not valid');
  if (Number(expiresParam) * 1000 <= now) throw new QsError('LinkExpired', 'This download link has expired; ask for a new one');
}
