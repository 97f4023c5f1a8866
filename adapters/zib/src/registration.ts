/**
 * Building a registration (ZiB docs, "Initiate Upload"): single or multipart by size, part layout, the one-time
 * token, and the registration object sent back. The token travels only in URLs; the store keeps its SHA-256.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Registration } from './store/zib-store.js';
import type { ResolvedZibOptions } from './options.js';

const MAX_PARTS = 10_000;

export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

export function newToken(): string {
  return randomBytes(32).toString('base64url');
}

/** Tokens are 43 base64url characters; anything else is not looked up at all. */
export function isToken(value: string): boolean {
  return /^[A-Za-z0-9_-]{43}$/.test(value);
}

/** Single under the threshold; otherwise parts of `partSize`, grown (in whole segments) so 10,000 parts hold the file. */
export function layoutFor(fileSize: number, options: ResolvedZibOptions, maxPartSize: number): { kind: 'single' | 'multipart'; partSize: number; partCount: number } {
  if (fileSize < options.multipartThreshold) return { kind: 'single', partSize: fileSize, partCount: 1 };
  const S = options.segmentSize;
  let partSize = Math.max(options.partSize, Math.ceil(Math.ceil(fileSize / MAX_PARTS) / S) * S);
  partSize = Math.min(partSize, Math.floor(maxPartSize / S) * S);
  return { kind: 'multipart', partSize, partCount: Math.max(1, Math.ceil(fileSize / partSize)) };
}

/** Plaintext bytes of part `n` (1-based). */
export function partLength(reg: Pick<Registration, 'fileSize' | 'partSize' | 'partCount'>, n: number): number {
  return n < reg.partCount ? reg.partSize : reg.fileSize - reg.partSize * (reg.partCount - 1);
}

/** The registration object (PROTOCOL.md §1). `key` is the per-file key, shown here and nowhere else. */
export function registrationBody(reg: Registration, token: string, key: Buffer, base: string, segmentSize: number): Record<string, unknown> {
  const upload = `${base}/upload/${token}`;
  const common = {
    type: reg.kind,
    file_id: reg.fileId,
    cdn_url: `${base}/objects/${reg.fileId}`,
    bucket: reg.bucket,
    key: reg.key,
    file_size: reg.fileSize,
    content_type: reg.contentType,
    expires_at: new Date(reg.expiresAt).toISOString(),
    encryption: { format: 'OGS1', key: key.toString('base64'), segment_size: segmentSize },
  };
  if (reg.kind === 'single') return { ...common, upload_url: upload };
  return {
    ...common,
    upload_id: reg.uploadId,
    part_size: reg.partSize,
    part_count: reg.partCount,
    parts: Array.from({ length: reg.partCount }, (_, i) => ({ part_number: i + 1, upload_url: `${upload}/parts/${i + 1}` })),
    complete_url: `${upload}/complete`,
  };
}
