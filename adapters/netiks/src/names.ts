/**
 * What clients may name things, and how names become storage keys. An asset's key is `<asset uuid>/<sanitised
 * name>`: the uuid makes it unique, the name keeps S3 listings readable. The display name is kept as given.
 */
import { StorageError } from '@omnigate/core';

const MAX_NAME = 255;
const MAX_FOLDER = 1024;
const MAX_KEY_NAME = 200;
/** `type/subtype` and optional `; param=value` parameters, printable ASCII only (RFC 9110 §8.3.1). */
const MEDIA_TYPE = /^[A-Za-z0-9!#$&^_.+-]+\/[A-Za-z0-9!#$&^_.+-]+(\s*;\s*[A-Za-z0-9!#$&^_.+-]+=("[^"\\\x00-\x1f\x7f]*"|[A-Za-z0-9!#$&^_.+-]+))*$/;
export const DEFAULT_CONTENT_TYPE = 'application/octet-stream';

/** A display name: 1-255 characters, no control characters. */
export function checkName(value: unknown, field = 'name'): string {
  if (typeof value !== 'string' || value.trim() === '' || value.length > MAX_NAME || /[\x00-\x1f\x7f]/.test(value)) {
    throw new StorageError('InvalidArgument', `${field} must be 1 to ${MAX_NAME} characters without control characters`);
  }
  return value.trim();
}

/** An optional folder label (`reports/2025`): up to 1024 characters, no control characters. */
export function checkFolder(value: unknown): string | null {
  if (value === undefined || value === null || value === '') return null;
  if (typeof value !== 'string' || value.length > MAX_FOLDER || /[\x00-\x1f\x7f]/.test(value)) {
    throw new StorageError('InvalidArgument', `folder must be a string of at most ${MAX_FOLDER} characters without control characters`);
  }
  return value;
}

/** A declared media type, or the default; malformed ones are refused (they must be sent back as a signed header). */
export function checkContentType(value: unknown, field = 'content_type'): string {
  if (value === undefined || value === null || value === '') return DEFAULT_CONTENT_TYPE;
  if (typeof value !== 'string' || value.length > 255 || !MEDIA_TYPE.test(value.trim())) {
    throw new StorageError('InvalidArgument', `${field} must be a media type such as "image/png"`);
  }
  return value.trim();
}

/** A declared size in bytes: a non-negative integer. */
export function checkSize(value: unknown, field = 'size'): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new StorageError('InvalidArgument', `${field} must be a non-negative integer (bytes)`);
  }
  return value;
}

/**
 * The name part of a key: the last path component, Unicode letters and digits, `.`, `-` and `_` kept, every other
 * run of characters one `_`, no leading dots, at most 200 characters; `file` if nothing is left.
 */
export function sanitiseFileName(name: string): string {
  const base = name.normalize('NFC').split(/[\\/]/).pop() ?? '';
  const cleaned = base.replace(/[^\p{L}\p{N}._-]+/gu, '_').replace(/^[._]+/, '').replace(/_+$/, '');
  const short = [...cleaned].slice(0, MAX_KEY_NAME).join('');
  return short === '' ? 'file' : short;
}

export function assetKey(assetId: string, name: string): string {
  return `${assetId}/${sanitiseFileName(name)}`;
}

/** A key as a URL path, each segment percent-encoded as S3 (and SigV4's canonical URI) expects. */
export function encodeKeyPath(key: string): string {
  return key.split('/').map((s) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)).join('/');
}

/** `Content-Disposition: attachment` with an ASCII fallback and the UTF-8 name (RFC 6266, RFC 8187). */
export function contentDisposition(name: string, inline = false): string {
  const ascii = name.replace(/[^\x20-\x7e]|["\\]/g, '_');
  const encoded = encodeURIComponent(name).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `${inline ? 'inline' : 'attachment'}; filename="${ascii}"; filename*=UTF-8''${encoded}`;
}
