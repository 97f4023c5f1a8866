/**
 * The background worker: delivers the webhook outbox and runs the file watcher. Deliveries are durable (rows in
 * zib_outbox), leased before each attempt so gateways sharing one database do not send a row twice at once, and
 * retried with exponential backoff (retryBaseMs · 2^(attempt-1), capped at retryMaxMs) until maxAttempts, after
 * which the row stays `failed` for an operator. A restart picks up every pending row where it was.
 */
import type { ZibContext } from '../context.js';
import { watchOnce } from '../lifecycle.js';
import type { OutboxRow } from '../store/zib-store.js';
import { signBody, signTimestamped } from './signature.js';

export class WebhookWorker {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = false;
  private cursor = '';
  private prunedAt = 0;
  private watchedAt = 0;
  /** Aborts in-flight deliveries on close, so shutdown does not wait for a slow receiver. */
  private readonly closing = new AbortController();

  constructor(private readonly ctx: ZibContext) {
    ctx.wake = () => this.kick();
  }

  start(): void {
    this.stopped = false;
    this.schedule(0);
  }

  /** Runs a pass now (or right after the current one). */
  kick(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.schedule(0);
  }

  /** Stops polling and waits for the pass in progress (its deliveries finish or time out). */
  async close(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    this.closing.abort();
    await this.running;
  }

  private schedule(ms: number): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.pass(), ms);
    this.timer.unref();
  }

  private pass(): void {
    if (this.stopped || this.running) return;
    this.running = (async () => {
      try {
        if (this.ctx.now() - this.watchedAt >= this.ctx.options.webhooks.watchIntervalMs) {
          this.watchedAt = this.ctx.now();
          this.cursor = await watchOnce(this.ctx, this.cursor);
        }
        await this.deliverDue();
        await this.prune();
      } catch (err) {
        this.ctx.options.logger.warn({ err: String(err) }, 'zib webhook pass failed; retrying at the next poll');
      }
    })().finally(() => {
      this.running = undefined;
      if (this.stopped) return;
      const again = this.again;
      this.again = false;
      this.schedule(again ? 0 : this.ctx.options.webhooks.pollIntervalMs);
    });
  }

  /** Delivered rows are kept for a week (debugging a receiver), then dropped; at most once a minute. */
  private async prune(): Promise<void> {
    const now = this.ctx.now();
    if (now - this.prunedAt < 60_000) return;
    this.prunedAt = now;
    await (await this.ctx.store()).pruneDelivered(now - 7 * 86_400_000);
  }

  private async deliverDue(): Promise<void> {
    const store = await this.ctx.store();
    const { timeoutMs } = this.ctx.options.webhooks;
    for (;;) {
      if (this.stopped) return;
      const now = this.ctx.now();
      const rows = await store.due(now, 16);
      const leased: OutboxRow[] = [];
      for (const row of rows) {
        // The lease outlasts one attempt, so a crash mid-attempt only delays the retry.
        if (await store.lease(row.id, row.nextAttemptAt, now + timeoutMs * 2)) leased.push(row);
      }
      await Promise.all(leased.map((row) => this.attempt(row)));
      if (rows.length < 16) return;
    }
  }

  private async attempt(row: OutboxRow): Promise<void> {
    const store = await this.ctx.store();
    const { retryBaseMs, retryMaxMs, maxAttempts, timeoutMs } = this.ctx.options.webhooks;
    const attempts = row.attempts + 1;
    let error: string | null = null;
    try {
      const secret = this.ctx.unseal(row.secret, `outbox:${row.id}`);
      const timestamp = Math.floor(this.ctx.now() / 1000);
      const res = await fetch(row.url, {
        method: 'POST',
        headers: {
          'Content-Type': 'application/json',
          'User-Agent': 'Omnigate-ZiB-Webhooks/1',
          'X-ZiB-Event': row.event,
          'X-ZiB-Signature': signBody(secret, row.body),
          'X-ZiB-Timestamp': String(timestamp),
          'X-ZiB-Timestamp-Signature': signTimestamped(secret, timestamp, row.body),
          'X-ZiB-Delivery': row.id,
        },
        body: row.body,
        redirect: 'manual',
        signal: AbortSignal.any([AbortSignal.timeout(timeoutMs), this.closing.signal]),
      });
      await res.body?.cancel().catch(() => {});
      if (res.status < 200 || res.status >= 300) error = `HTTP ${res.status}`;
    } catch (err) {
      error = (err as Error).name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : `request failed: ${(err as Error).message}`;
    }
    // Cut off by close(): not the receiver's fault; the lease runs out and the next gateway retries it.
    if (error !== null && this.stopped) return;
    const now = this.ctx.now();
    if (error === null) {
      await store.recordAttempt(row.id, { state: 'delivered', attempts, nextAttemptAt: now, lastError: null, deliveredAt: now });
      return;
    }
    const dead = attempts >= maxAttempts;
    if (dead) this.ctx.options.logger.warn({ delivery: row.id, event: row.event, fileId: row.fileId, error }, 'zib webhook given up');
    const delay = Math.min(retryBaseMs * 2 ** (attempts - 1), retryMaxMs);
    await store.recordAttempt(row.id, { state: dead ? 'failed' : 'pending', attempts, nextAttemptAt: now + delay, lastError: error, deliveredAt: null });
  }
}
