/**
 * Enforcing a session's size rules while bytes arrive. A part may add at most what is left of the file's
 * allowance (maxFileSize less the upload's other parts) and of the session's (maxTotalBytes less its completed
 * files and the upload's other parts); the tighter one names the error. Parts uploaded in parallel are checked
 * again, all together, on complete.
 */
import type { Storage, Tenant } from '@omnigate/core';
import type { QsContext } from './context.js';
import { QsError } from './errors.js';
import type { SessionRow, UploadRecord } from './store/qs-store.js';

export interface Allowance {
  bytes: number;
  error(): QsError;
}

/** Sizes of every stored part of an upload, by part number. */
export async function storedParts(storage: Storage, tenant: Tenant, bucket: string, upload: UploadRecord): Promise<Map<number, number>> {
  const sizes = new Map<number, number>();
  for (let marker: number | undefined; ;) {
    const page = await storage.multipart.listParts(tenant, bucket, upload.key, upload.uploadId, { partNumberMarker: marker, maxParts: 1000 });
    for (const p of page.parts) sizes.set(p.partNumber, p.size);
    if (!page.isTruncated) return sizes;
    marker = page.nextPartNumberMarker;
  }
}

/** How many more bytes this upload may take, given what its other parts and the session already hold. */
export async function allowance(ctx: QsContext, session: SessionRow, others: number): Promise<Allowance> {
  const { store } = await ctx.services();
  const usage = await store.sessionUsage(session.id);
  const { maxFileSize, maxTotalBytes } = session.rules;
  const fileLeft = maxFileSize - others;
  const sessionLeft = maxTotalBytes - usage.completedBytes - others;
  if (fileLeft <= sessionLeft) {
    return { bytes: Math.max(0, fileLeft), error: () => new QsError('FileTooLarge', `This session allows files of at most ${maxFileSize} bytes`) };
  }
  return {
    bytes: Math.max(0, sessionLeft),
    error: () => new QsError('SessionQuotaExceeded', `This session may store at most ${maxTotalBytes} bytes in all`),
  };
}

/** Passes the body through, failing as soon as it exceeds `allowance` (the core never sees the excess). */
export async function* limitBody(body: AsyncIterable<Buffer>, limit: Allowance): AsyncGenerator<Buffer> {
  let received = 0;
  for await (const chunk of body) {
    received += chunk.length;
    if (received > limit.bytes) throw limit.error();
    yield chunk;
  }
}
