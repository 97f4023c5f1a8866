/**
 * Webhook signing (ZiB docs, "Verifying signatures"): `X-ZiB-Signature: sha256=<hex HMAC-SHA256 of the raw body>`.
 * The raw-body signature cannot date a request, so every attempt also carries `X-ZiB-Timestamp` (Unix seconds) and
 * `X-ZiB-Timestamp-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>.<raw body>">`: a receiver that checks it and
 * refuses timestamps more than 5 minutes away, remembering `X-ZiB-Delivery` ids for that window, rejects replays.
 */
import { createHmac } from 'node:crypto';

export function signBody(secret: Buffer, body: string): string {
  return 'sha256=' + createHmac('sha256', secret).update(body).digest('hex');
}

export function signTimestamped(secret: Buffer, timestamp: number, body: string): string {
  return 'sha256=' + createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
}
