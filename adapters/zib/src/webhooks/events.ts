/**
 * The file lifecycle events (ZiB docs, "Webhooks": file.ready, file.replicated, file.failed) and where they go: the
 * registration's per-pipeline override when it has one, else the customer default. An event becomes an outbox row
 * (the exact body that will be signed on every attempt); without a configured URL it is not recorded at all.
 */
import { randomUUID } from 'node:crypto';
import type { ObjectInfo } from '@omnigate/core';
import type { ZibContext } from '../context.js';
import type { OutboxRow, Registration } from '../store/zib-store.js';

export type FileEvent = 'file.ready' | 'file.replicated' | 'file.failed';

/** The documented payloads; `file.replicated` adds replication_safe_at, `file.failed` the reason and the successor. */
export function filePayload(event: FileEvent, reg: Registration, info: ObjectInfo | undefined, at: Date, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    event,
    file_id: reg.fileId,
    bucket: reg.bucket,
    object_key: reg.key,
    size_bytes: info?.size ?? reg.fileSize,
    customer_id: reg.tenantId,
    ...extra,
    timestamp: at.toISOString(),
  };
}

/** Records an event for delivery; returns false when there is nowhere to send it. */
export async function emit(ctx: ZibContext, reg: Registration, event: FileEvent, payload: Record<string, unknown>): Promise<boolean> {
  const row = await delivery(ctx, reg, event, payload);
  if (!row) return false;
  await (await ctx.store()).enqueue(row);
  ctx.wake();
  return true;
}

/** The outbox row that delivers an event, or undefined when there is nowhere to send it. */
export async function delivery(ctx: ZibContext, reg: Registration, event: FileEvent, payload: Record<string, unknown>): Promise<OutboxRow | undefined> {
  const store = await ctx.store();
  let url = reg.webhookUrl;
  let secret = reg.webhookUrl && reg.webhookSecret ? ctx.unseal(reg.webhookSecret, `file-webhook:${reg.fileId}`) : undefined;
  if (!url) {
    const customer = await store.customer(reg.tenantId);
    url = customer?.webhookUrl ?? null;
    secret = customer?.webhookSecret ? ctx.unseal(customer.webhookSecret, `customer-webhook:${reg.tenantId}`) : undefined;
  }
  if (!url || !secret) return undefined;
  const id = randomUUID();
  const now = ctx.now();
  return {
    id, tenantId: reg.tenantId, fileId: reg.fileId, event, url, secret: ctx.seal(secret, `outbox:${id}`),
    body: JSON.stringify(payload), state: 'pending', attempts: 0, nextAttemptAt: now, lastError: null, createdAt: now, deliveredAt: null,
  };
}

/** The tenant-readable reason for a file cancelled by the core (its reason names the successor's fileId). */
export function cancelledReasonOf(info: ObjectInfo): string {
  const successor = /^superseded by ([0-9a-f-]{36})$/.exec(info.cancelledReason ?? '')?.[1];
  return successor ? `superseded by re-upload to same bucket+object_key (file_id ${successor})` : info.cancelledReason ?? 'cancelled';
}

export function successorOf(info: ObjectInfo): string | null {
  return /^superseded by ([0-9a-f-]{36})$/.exec(info.cancelledReason ?? '')?.[1] ?? null;
}
