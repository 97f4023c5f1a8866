/**
 * POST /sessions             X-API-KEY, optional JSON rules      → 201 { sessionId, token, expiresAt, rules }
 * POST /sessions/:id/join    X-API-KEY of the session's tenant   → 200 { sessionId, token, expiresAt, rules }
 */
import type { Router } from 'express';
import type { QsContext } from '../context.js';
import { readJson, route, sendJson } from '../http.js';
import { createSession, joinSession, tenantFromApiKey } from '../sessions.js';
import { sessionView } from '../views.js';

export function registerSessionRoutes(router: Router, ctx: QsContext): void {
  router.post('/sessions', route(ctx, async (req, res) => {
    const tenant = await tenantFromApiKey(ctx, req);
    const rules = await readJson(req, ctx.options.maxJsonBytes);
    sendJson(res, 201, sessionView(ctx, await createSession(ctx, tenant, rules)));
  }));

  router.post('/sessions/:sessionId/join', route(ctx, async (req, res) => {
    const tenant = await tenantFromApiKey(ctx, req);
    sendJson(res, 200, sessionView(ctx, await joinSession(ctx, tenant, String(req.params.sessionId))));
  }));
}
