/**
 * GET /v1/api/pipeline/<file_id>   bearer → the rolled-up status (ZiB docs, "Polling pipeline status"). Pipelines with
 * stages are a later issue, so `declared` is null and only `stages.upload` is filled:
 *   phase: pending (registered, no bytes) → uploading → distributed → safe (every fragment written and verified),
 *          or cancelled (superseded by a re-upload, or the registration expired unused), with cancelled_reason.
 * A file uploaded through another protocol (no registration) is reported from the core's phase alone.
 */
import type { Router } from 'express';
import type { ObjectInfo, ObjectPhase } from '@omnigate/core';
import { authenticate } from '../auth.js';
import type { ZibContext } from '../context.js';
import { ZibError } from '../errors.js';
import { baseUrl, route, sendJson } from '../http.js';
import { objectById } from '../lifecycle.js';
import { cancelledReasonOf } from '../webhooks/events.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function registerPipelineRoute(router: Router, ctx: ZibContext): void {
  router.get('/v1/api/pipeline/:fileId', route(ctx, async (req, res) => {
    const tenant = await authenticate(ctx, req);
    const fileId = String(req.params.fileId).toLowerCase();
    const reg = UUID.test(fileId) ? await (await ctx.store()).byFileId(fileId) : undefined;
    const info = UUID.test(fileId) ? await objectById(ctx, fileId) : undefined;
    // Another tenant's file answers exactly as a missing one.
    if ((reg ? reg.tenantId : info?.tenantId) !== tenant.id) throw new ZibError('NoSuchFile', 'No file has this file_id in your account');
    let phase: ObjectPhase;
    let reason: string | null = null;
    if (info) {
      phase = info.phase;
      if (info.state === 'cancelled') {
        phase = 'cancelled';
        reason = cancelledReasonOf(info);
      }
    } else if (reg?.state === 'pending') {
      phase = 'pending';
    } else if (reg?.state === 'uploading' || reg?.state === 'completing') {
      phase = 'uploading';
    } else {
      phase = 'cancelled';
      reason = reg?.state === 'expired' ? reg.cancelledReason : 'deleted';
    }
    const upload: Record<string, unknown> = {
      status: { pending: 'pending', uploading: 'uploading', distributed: 'complete', safe: 'complete', cancelled: 'cancelled' }[phase],
      phase,
      replication_safe_at: phase === 'safe' ? (info as ObjectInfo).replicationSafeAt?.toISOString() ?? null : null,
      ...(phase === 'cancelled' ? { cancelled_reason: reason } : {}),
    };
    sendJson(res, 200, {
      file_id: fileId,
      status: { pending: 'queued', uploading: 'uploading', distributed: 'complete', safe: 'complete', cancelled: 'failed' }[phase],
      cdn_url: `${baseUrl(ctx, req)}/objects/${fileId}`,
      declared: null,
      stages: { upload, encoding: null, transcription: null, vision: null },
      error: phase === 'cancelled' ? reason : null,
    });
  }));
}
