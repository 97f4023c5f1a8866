/** Queries over the ZiB tables (see migrations.ts), through the metadata store's Kysely instance. */
import type { MetadataStore } from '@omnigate/core';
import { zibMigrations } from './migrations.js';

/** pending: nothing sent yet · uploading: bytes are arriving · completing: multipart complete running · completed · expired */
export type RegistrationState = 'pending' | 'uploading' | 'completing' | 'completed' | 'expired';

export interface Registration {
  fileId: string;
  tokenHash: string;
  tenantId: string;
  bucket: string;
  key: string;
  fileSize: number;
  contentType: string;
  kind: 'single' | 'multipart';
  uploadId: string | null;
  partSize: number;
  partCount: number;
  /** The per-file key, wrapped by the KEK (base64). */
  sealedKey: string;
  webhookUrl: string | null;
  /** The per-file webhook secret, wrapped by the KEK (base64). */
  webhookSecret: string | null;
  state: RegistrationState;
  cancelledReason: string | null;
  createdAt: number;
  expiresAt: number;
  completedAt: number | null;
  replicatedSent: boolean;
  failedSent: boolean;
}

export interface OutboxRow {
  id: string;
  tenantId: string;
  fileId: string;
  event: string;
  url: string;
  /** The signing secret, wrapped by the KEK (base64). */
  secret: string;
  body: string;
  state: 'pending' | 'delivered' | 'failed';
  attempts: number;
  nextAttemptAt: number;
  lastError: string | null;
  createdAt: number;
  deliveredAt: number | null;
}

export class ZibStore {
  private constructor(private readonly db: MetadataStore['db']) {}

  static async open(metadata: MetadataStore): Promise<ZibStore> {
    await metadata.migrateExtension('zib', zibMigrations());
    return new ZibStore(metadata.db);
  }

  // Registrations

  async insertRegistration(r: Registration): Promise<void> {
    await this.db.insertInto('zib_registrations').values({
      file_id: r.fileId, token_hash: r.tokenHash, tenant_id: r.tenantId, bucket: r.bucket, object_key: r.key,
      file_size: r.fileSize, content_type: r.contentType, kind: r.kind, upload_id: r.uploadId, part_size: r.partSize,
      part_count: r.partCount, sealed_key: r.sealedKey, webhook_url: r.webhookUrl, webhook_secret: r.webhookSecret,
      state: r.state, cancelled_reason: r.cancelledReason, created_at: r.createdAt, expires_at: r.expiresAt,
      completed_at: null, replicated_sent: 0, failed_sent: 0,
    }).execute();
  }

  async byToken(tokenHash: string): Promise<Registration | undefined> {
    const r = await this.db.selectFrom('zib_registrations').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst();
    return r && toRegistration(r);
  }

  async byFileId(fileId: string): Promise<Registration | undefined> {
    const r = await this.db.selectFrom('zib_registrations').selectAll().where('file_id', '=', fileId).executeTakeFirst();
    return r && toRegistration(r);
  }

  /** Moves a registration from one of `from` to `to`; false when another request got there first. */
  async transition(fileId: string, from: readonly RegistrationState[], to: RegistrationState, extra: { completedAt?: number; cancelledReason?: string } = {}): Promise<boolean> {
    const result = await this.db.updateTable('zib_registrations')
      .set({ state: to, ...(extra.completedAt !== undefined ? { completed_at: extra.completedAt } : {}), ...(extra.cancelledReason !== undefined ? { cancelled_reason: extra.cancelledReason } : {}) })
      .where('file_id', '=', fileId).where('state', 'in', from as RegistrationState[]).executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  /**
   * Marks file.replicated or file.failed as sent and records its delivery (when there is somewhere to send it) in one
   * transaction, only if it was not marked yet: the upload request and the watcher (or two gateways) may both decide
   * to send it, and exactly one of them records it. False when someone else already had.
   */
  async claimEvent(fileId: string, event: 'replicated' | 'failed', delivery: OutboxRow | undefined): Promise<boolean> {
    const column = event === 'replicated' ? 'replicated_sent' : 'failed_sent';
    return this.db.transaction().execute(async (trx) => {
      const claimed = await trx.updateTable('zib_registrations').set({ [column]: 1 })
        .where('file_id', '=', fileId).where(column, '=', 0).executeTakeFirst();
      if (Number(claimed.numUpdatedRows) !== 1) return false;
      if (delivery) await trx.insertInto('zib_outbox').values(outboxValues(delivery)).execute();
      return true;
    });
  }

  /** Registrations the watcher looks at, in file_id order after `after`: unfinished ones and completed ones still watched. */
  async watched(after: string, limit: number): Promise<Registration[]> {
    const rows = await this.db.selectFrom('zib_registrations').selectAll()
      .where((eb) => eb.or([
        eb('state', 'in', ['pending', 'uploading', 'completing']),
        eb.and([eb('state', '=', 'completed'), eb('failed_sent', '=', 0)]),
      ]))
      .where('file_id', '>', after).orderBy('file_id').limit(limit).execute();
    return rows.map(toRegistration);
  }

  // Customers

  async customer(tenantId: string): Promise<{ webhookUrl: string | null; webhookSecret: string | null } | undefined> {
    const r = await this.db.selectFrom('zib_customers').selectAll().where('tenant_id', '=', tenantId).executeTakeFirst();
    return r && { webhookUrl: r.webhook_url ?? null, webhookSecret: r.webhook_secret ?? null };
  }

  async saveCustomer(tenantId: string, patch: { webhookUrl?: string | null; webhookSecret?: string }, now: number): Promise<void> {
    const set = {
      ...(patch.webhookUrl !== undefined ? { webhook_url: patch.webhookUrl } : {}),
      ...(patch.webhookSecret !== undefined ? { webhook_secret: patch.webhookSecret } : {}),
      updated_at: now,
    };
    await this.db.insertInto('zib_customers').values({ tenant_id: tenantId, webhook_url: null, webhook_secret: null, ...set })
      .onConflict((oc) => oc.column('tenant_id').doUpdateSet(set)).execute();
  }

  // Outbox

  async enqueue(row: OutboxRow): Promise<void> {
    await this.db.insertInto('zib_outbox').values(outboxValues(row)).execute();
  }

  async due(now: number, limit: number): Promise<OutboxRow[]> {
    const rows = await this.db.selectFrom('zib_outbox').selectAll().where('state', '=', 'pending').where('next_attempt_at', '<=', now)
      .orderBy('next_attempt_at').limit(limit).execute();
    return rows.map(toOutbox);
  }

  /** Leases a due row until `until` (so another gateway on the same database skips it); false when someone else did. */
  async lease(id: string, seenNextAttemptAt: number, until: number): Promise<boolean> {
    const result = await this.db.updateTable('zib_outbox').set({ next_attempt_at: until })
      .where('id', '=', id).where('state', '=', 'pending').where('next_attempt_at', '=', seenNextAttemptAt).executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async recordAttempt(id: string, outcome: { state: OutboxRow['state']; attempts: number; nextAttemptAt: number; lastError: string | null; deliveredAt: number | null }): Promise<void> {
    await this.db.updateTable('zib_outbox').set({
      state: outcome.state, attempts: outcome.attempts, next_attempt_at: outcome.nextAttemptAt, last_error: outcome.lastError, delivered_at: outcome.deliveredAt,
    }).where('id', '=', id).execute();
  }

  /** Forgets delivered rows older than `before` (failed ones stay for an operator). */
  async pruneDelivered(before: number): Promise<number> {
    const result = await this.db.deleteFrom('zib_outbox').where('state', '=', 'delivered').where('delivered_at', '<', before).executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  async outboxFor(fileId: string): Promise<OutboxRow[]> {
    const rows = await this.db.selectFrom('zib_outbox').selectAll().where('file_id', '=', fileId).orderBy('created_at').execute();
    return rows.map(toOutbox);
  }
}

function num(v: unknown): number | null {
  return v === null || v === undefined ? null : Number(v);
}

function toRegistration(r: Record<string, any>): Registration {
  return {
    fileId: r.file_id, tokenHash: r.token_hash, tenantId: r.tenant_id, bucket: r.bucket, key: r.object_key,
    fileSize: Number(r.file_size), contentType: r.content_type, kind: r.kind, uploadId: r.upload_id ?? null,
    partSize: Number(r.part_size), partCount: Number(r.part_count), sealedKey: r.sealed_key, webhookUrl: r.webhook_url ?? null,
    webhookSecret: r.webhook_secret ?? null, state: r.state, cancelledReason: r.cancelled_reason ?? null,
    createdAt: Number(r.created_at), expiresAt: Number(r.expires_at), completedAt: num(r.completed_at),
    replicatedSent: Number(r.replicated_sent) === 1, failedSent: Number(r.failed_sent) === 1,
  };
}

function toOutbox(r: Record<string, any>): OutboxRow {
  return {
    id: r.id, tenantId: r.tenant_id, fileId: r.file_id, event: r.event, url: r.url, secret: r.secret, body: r.body,
    state: r.state, attempts: Number(r.attempts), nextAttemptAt: Number(r.next_attempt_at), lastError: r.last_error ?? null,
    createdAt: Number(r.created_at), deliveredAt: num(r.delivered_at),
  };
}

function outboxValues(row: OutboxRow) {
  return {
    id: row.id, tenant_id: row.tenantId, file_id: row.fileId, event: row.event, url: row.url, secret: row.secret,
    body: row.body, state: row.state, attempts: row.attempts, next_attempt_at: row.nextAttemptAt, last_error: row.lastError,
    created_at: row.createdAt, delivered_at: row.deliveredAt,
  };
}
