/** GET /email-confirm/:token (spec: "Confirm email"): the link mailed by setProfile / resendVerificationEmail. */
import type { Request, Response } from 'express';
import type { DjibContext } from './context.js';
import { DjibError } from './errors.js';
import { sendJson } from './http.js';
import { confirmHash } from './methods/profile-methods.js';

export async function emailConfirm(ctx: DjibContext, req: Request, res: Response): Promise<void> {
  const token = String(req.params.token ?? '');
  const row = token.length > 0 && token.length <= 64 ? await ctx.store.profiles.byConfirmHash(confirmHash(token)) : undefined;
  if (!row) throw new DjibError('NotFound', 'Unknown or already used confirmation link');
  const now = ctx.options.now();
  if (row.confirmExpiresAt === null || row.confirmExpiresAt <= now) throw new DjibError('ConfirmationExpired', 'This confirmation link has expired; ask for a new one with resendVerificationEmail');
  await ctx.store.profiles.put({ ...row, confirmed: true, confirmHash: null, confirmExpiresAt: null }, now);
  sendJson(res, 200, { result: 'success', email: row.email });
}
