/** Queries over the QS tables (see migrations.ts), through the metadata store's Kysely instance. */
import type { MetadataStore } from '@omnigate/core';
import type { SessionRules } from '../rules.js';
import { qsMigrations } from './migrations.js';

export interface SessionRow {
  id: string;
  tenantId: string;
  rules: SessionRules;
  createdAt: number;
  expiresAt: number;
}

export interface UploadRecord {
  uploadId: string;
  sessionId: string;
  tenantId: string;
  key: string;
  encryptedName: string | null;
  declaredSize: number | null;
  totalParts: number;
  createdAt: number;
  /** Set once completed: the row is then the session's file. */
  fileId: string | null;
  size: number | null;
  tags: string[];
  isPublic: boolean;
  completedAt: number | null;
}

export class QsStore {
  private constructor(private readonly db: MetadataStore['db']) {}

  static async open(metadata: MetadataStore): Promise<QsStore> {
    await metadata.migrateExtension('qs', qsMigrations());
    return new QsStore(metadata.db);
  }

  // Sessions and tokens

  async insertSession(row: SessionRow): Promise<void> {
    await this.db.insertInto('qs_sessions').values({
      id: row.id, tenant_id: row.tenantId, rules: JSON.stringify(row.rules), created_at: row.createdAt, expires_at: row.expiresAt,
    }).execute();
  }

  async getSession(id: string): Promise<SessionRow | undefined> {
    const r = await this.db.selectFrom('qs_sessions').selectAll().where('id', '=', id).executeTakeFirst();
    return r && { id: r.id, tenantId: r.tenant_id, rules: JSON.parse(r.rules), createdAt: Number(r.created_at), expiresAt: Number(r.expires_at) };
  }

  async insertToken(tokenHash: string, sessionId: string, createdAt: number, expiresAt: number): Promise<void> {
    await this.db.insertInto('qs_tokens').values({ token_hash: tokenHash, session_id: sessionId, created_at: createdAt, expires_at: expiresAt }).execute();
  }

  async findToken(tokenHash: string): Promise<{ tokenHash: string; sessionId: string; expiresAt: number } | undefined> {
    const r = await this.db.selectFrom('qs_tokens').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst();
    return r && { tokenHash: r.token_hash, sessionId: r.session_id, expiresAt: Number(r.expires_at) };
  }

  async deleteExpiredTokens(now: number): Promise<number> {
    const result = await this.db.deleteFrom('qs_tokens').where('expires_at', '<=', now).executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  // Uploads and files

  async insertUpload(u: UploadRecord): Promise<void> {
    await this.db.insertInto('qs_uploads').values({
      upload_id: u.uploadId, session_id: u.sessionId, tenant_id: u.tenantId, object_key: u.key, encrypted_name: u.encryptedName,
      declared_size: u.declaredSize, total_parts: u.totalParts, created_at: u.createdAt, file_id: null, size: null, tags: null,
      is_public: u.isPublic ? 1 : 0, completed_at: null,
    }).execute();
  }

  async getUpload(uploadId: string): Promise<UploadRecord | undefined> {
    const r = await this.db.selectFrom('qs_uploads').selectAll().where('upload_id', '=', uploadId).executeTakeFirst();
    return r && toUpload(r);
  }

  async getFile(fileId: string): Promise<UploadRecord | undefined> {
    const r = await this.db.selectFrom('qs_uploads').selectAll().where('file_id', '=', fileId).executeTakeFirst();
    return r && toUpload(r);
  }

  async listFiles(sessionId: string): Promise<UploadRecord[]> {
    const rows = await this.db.selectFrom('qs_uploads').selectAll().where('session_id', '=', sessionId).where('file_id', 'is not', null)
      .orderBy('created_at').orderBy('upload_id').execute();
    return rows.map(toUpload);
  }

  async listOpenUploads(sessionId: string): Promise<UploadRecord[]> {
    const rows = await this.db.selectFrom('qs_uploads').selectAll().where('session_id', '=', sessionId).where('file_id', 'is', null).execute();
    return rows.map(toUpload);
  }

  /** Open uploads of sessions that expired before `now`, oldest first. */
  async listExpiredOpenUploads(now: number, limit: number): Promise<UploadRecord[]> {
    const rows = await this.db.selectFrom('qs_uploads').innerJoin('qs_sessions', 'qs_sessions.id', 'qs_uploads.session_id')
      .selectAll('qs_uploads').where('qs_uploads.file_id', 'is', null).where('qs_sessions.expires_at', '<=', now)
      .orderBy('qs_uploads.created_at').limit(limit).execute();
    return rows.map(toUpload);
  }

  /** What a session holds: every row (files and open uploads), completed bytes, and bytes declared by open uploads. */
  async sessionUsage(sessionId: string): Promise<{ entries: number; completedBytes: number; declaredOpenBytes: number }> {
    const r = await this.db.selectFrom('qs_uploads').where('session_id', '=', sessionId)
      .select((eb) => [
        eb.fn.countAll().as('entries'),
        eb.fn.sum('size').as('completed'),
        eb.fn.sum(eb.case().when('file_id', 'is', null).then(eb.ref('declared_size')).else(0).end()).as('declared'),
      ]).executeTakeFirstOrThrow();
    return { entries: Number(r.entries), completedBytes: Number(r.completed ?? 0), declaredOpenBytes: Number(r.declared ?? 0) };
  }

  /** Marks an open upload completed; false when it already was (or is gone). */
  async markCompleted(uploadId: string, done: { fileId: string; size: number; tags: string[]; isPublic: boolean; completedAt: number }): Promise<boolean> {
    const result = await this.db.updateTable('qs_uploads')
      .set({ file_id: done.fileId, size: done.size, tags: JSON.stringify(done.tags), is_public: done.isPublic ? 1 : 0, completed_at: done.completedAt })
      .where('upload_id', '=', uploadId).where('file_id', 'is', null).executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async deleteUpload(uploadId: string): Promise<void> {
    await this.db.deleteFrom('qs_uploads').where('upload_id', '=', uploadId).execute();
  }
}

function toUpload(r: Record<string, any>): UploadRecord {
  const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));
  return {
    uploadId: r.upload_id, sessionId: r.session_id, tenantId: r.tenant_id, key: r.object_key, encryptedName: r.encrypted_name ?? null,
    declaredSize: num(r.declared_size), totalParts: Number(r.total_parts), createdAt: Number(r.created_at),
    fileId: r.file_id ?? null, size: num(r.size), tags: r.tags ? JSON.parse(r.tags) : [], isPublic: Number(r.is_public) === 1,
    completedAt: num(r.completed_at),
  };
}
