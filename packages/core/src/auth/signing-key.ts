/**
 * SigV4 primitives: HMAC-SHA256, the signing key derivation (cached per secret, date, region and service) and a
 * constant-time comparison of hex signatures.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

export function hmac(key: Buffer | string, data: string | Buffer): Buffer {
  return createHmac('sha256', key).update(data).digest();
}

export function sha256Hex(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

const CACHE_LIMIT = 1024;
/** Keyed by scope and a hash of the secret (the secret itself is never a map key); oldest entries go first. */
const cache = new Map<string, Buffer>();

/** kSigning = HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date), region), service), "aws4_request"). */
export function deriveSigningKey(secretKey: string, date: string, region: string, service: string): Buffer {
  const id = `${date}/${region}/${service}/${sha256Hex(secretKey)}`;
  const hit = cache.get(id);
  if (hit) {
    cache.delete(id); // refresh its place: a Map iterates in insertion order, so this is an LRU
    cache.set(id, hit);
    return hit;
  }
  const key = hmac(hmac(hmac(hmac('AWS4' + secretKey, date), region), service), 'aws4_request');
  cache.set(id, key);
  if (cache.size > CACHE_LIMIT) cache.delete(cache.keys().next().value!);
  return key;
}

/** For tests: empties the signing key cache. */
export function clearSigningKeyCache(): void {
  cache.clear();
}

const SIGNATURE = /^[0-9a-fA-F]{64}$/;

/** True when `given` is a well-formed hex signature equal to `expected`, compared in constant time. */
export function signaturesEqual(expected: string, given: string): boolean {
  if (!SIGNATURE.test(given) || !SIGNATURE.test(expected)) return false;
  return timingSafeEqual(Buffer.from(expected, 'hex'), Buffer.from(given, 'hex'));
}

/** The signature over a string to sign, lower-case hex. */
export function sign(signingKey: Buffer, stringToSign: string): string {
  return createHmac('sha256', signingKey).update(stringToSign).digest('hex');
}
