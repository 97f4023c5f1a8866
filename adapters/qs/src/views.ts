/** The JSON shapes QS clients receive for sessions and files. */
import type { ObjectInfo } from '@omnigate/core';
import type { QsContext } from './context.js';
import type { SessionRules } from './rules.js';
import type { IssuedToken } from './sessions.js';
import type { SessionRow, UploadRecord } from './store/qs-store.js';

export interface SessionView extends IssuedToken {
  /** The session's rules, plus the deployment's smallest part size for every part but the last. */
  rules: SessionRules & { minPartSize: number };
}

export function sessionView(ctx: QsContext, issued: IssuedToken & { session: SessionRow }): SessionView {
  return {
    sessionId: issued.sessionId, token: issued.token, expiresAt: issued.expiresAt,
    rules: { ...issued.session.rules, minPartSize: 0 },
  };
}

export interface FileView {
  fileId: string;
  key: string;
  /** Exactly as the client gave it (see name-crypto.ts for the QS Share scheme). */
  encryptedName: string | null;
  size: number;
  /** `completed` for every listed file; `phase` says how far its replication got (distributed, safe). */
  status: 'completed';
  phase: string;
  contentType: string;
  tags: string[];
  /** IPFS CIDv0 of the bytes, as `ipfs add` (Kubo defaults) gives it; null until computed. */
  cid: string | null;
  public: boolean;
  sessionId: string;
  createdAt: string;
}

export function fileView(file: UploadRecord, info: ObjectInfo, cid: string | undefined): FileView {
  return {
    fileId: info.fileId,
    key: file.key,
    encryptedName: file.encryptedName,
    size: info.size,
    status: 'completed',
    phase: info.phase,
    contentType: info.contentType,
    tags: file.tags,
    cid: cid ?? null,
    public: file.isPublic,
    sessionId: file.sessionId,
    createdAt: new Date(file.completedAt ?? file.createdAt).toISOString(),
  };
}
