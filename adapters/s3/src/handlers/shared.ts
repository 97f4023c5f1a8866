/** Response fragments several operations share. */
import type { Tenant } from '@omnigate/core';
import { StorageError } from '@omnigate/core';
import { isChecksumAlgorithm } from '../checksums.js';
import { el, type XmlElement } from '../xml.js';

/** S3's Owner / Initiator: the tenant is the account. */
export function owner(tenant: Tenant, name = 'Owner'): XmlElement {
  return el(name, [el('ID', tenant.id), el('DisplayName', tenant.name)]);
}

/** ChecksumCRC32… elements of stored checksums, then ChecksumType when `type` is given and there is one. */
export function checksumElements(checksums: Record<string, string>, type?: string): XmlElement[] {
  const out = Object.entries(checksums).filter(([algorithm]) => isChecksumAlgorithm(algorithm))
    .map(([algorithm, value]) => el(`Checksum${algorithm.toUpperCase()}`, value));
  if (type !== undefined && out.length > 0) out.push(el('ChecksumType', type));
  return out;
}

/** Timestamps in XML bodies: ISO 8601 with milliseconds, UTC. */
export function isoDate(date: Date): string {
  return date.toISOString();
}

/** Continuation tokens are opaque to clients: the marker to resume after, base64url-encoded. */
export function encodeToken(marker: string): string {
  return Buffer.from(marker, 'utf8').toString('base64url');
}

export function decodeToken(token: string): string {
  const marker = /^[A-Za-z0-9_-]+$/.test(token) ? Buffer.from(token, 'base64url').toString('utf8') : '';
  if (marker === '' || encodeToken(marker) !== token) throw new StorageError('InvalidArgument', 'The continuation token provided is incorrect');
  return marker;
}

/**
 * `encoding-type=url` (https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListObjectsV2.html#AmzS3-ListObjectsV2-request-EncodingType):
 * form-style percent-encoding (space as `+`), with `/` left readable as S3 does.
 */
export function urlEncodeKey(key: string): string {
  return encodeURIComponent(key).replace(/%20/g, '+').replace(/%2F/g, '/');
}

export function encodingType(value: string | undefined): ((s: string) => string) {
  if (value === undefined) return (s) => s;
  if (value.toLowerCase() !== 'url') throw new StorageError('InvalidArgument', 'Invalid Encoding Method specified in Request');
  return urlEncodeKey;
}
