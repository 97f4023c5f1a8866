/**
 * GET|HEAD /download-shared (spec: "Download shared file"), two forms:
 * - `?link=<code>[&path=/sub/file]`: by share link, token optional. An email share needs the token of a wallet
 *   with that confirmed email (or one that opened it); a locked share needs its password (`X-Share-Password`
 *   header or `password=`) unless the token's wallet already gave it. `path` names a file inside a shared folder.
 * - `?path=/Shared/<name>/…[&owner=]` with the recipient's token, as lsShareWithMe lists it.
 * Streams with Range like /download.
 */
import type { Request, Response } from 'express';
import type { DjibContext } from './context.js';
import { sendFile } from './download.js';
import { DjibError } from './errors.js';
import { tokenOf } from './http.js';
import { parsePath, type DrivePath } from './paths.js';
import { checkSharePassword, ownerDrive, resolveShared } from './shares.js';
import type { Drive } from './drive.js';

const q = (req: Request, name: string): string | undefined => (typeof req.query[name] === 'string' ? req.query[name] as string : undefined);

export async function downloadShared(ctx: DjibContext, req: Request, res: Response): Promise<void> {
  const token = tokenOf(req);
  const wallet = token === undefined ? undefined : (await ctx.auth.authenticate(token)).publicKey;
  const password = req.get('x-share-password') ?? q(req, 'password');
  const link = q(req, 'link');
  let drive: Drive;
  let target: DrivePath;
  if (link !== undefined) {
    const share = link.length <= 64 ? await ctx.store.shares.get(link) : undefined;
    if (!share) throw new DjibError('NotFound', 'No such share link');
    const recipient = wallet !== undefined && (await ctx.store.shares.recipients(wallet)).some((r) => r.code === share.code);
    const mine = wallet === share.owner;
    if (share.email !== null && !mine && !recipient) {
      if (wallet === undefined) throw new DjibError('Unauthorized', 'This share is for one email address: sign in with its wallet');
      if ((await ctx.store.profiles.confirmedEmailOf(wallet)) !== share.email) throw new DjibError('AccessDenied', 'This share is for another email address');
    }
    if (!mine && !recipient) await checkSharePassword(share, password);
    const base = parsePath(share.path);
    const inner = parsePath(q(req, 'path') ?? '/');
    drive = ownerDrive(ctx, share);
    target = parsePath(base.path + inner.path);
  } else {
    if (wallet === undefined) throw new DjibError('Unauthorized', 'A valid access token (or a share link) is required');
    const r = await resolveShared(ctx, wallet, parsePath(q(req, 'path')), q(req, 'owner'), password);
    drive = r.drive;
    target = r.target;
  }
  if (!await drive.headFile(target)) {
    throw (await drive.isFolder(target)) ? new DjibError('InvalidPath', 'A folder cannot be downloaded: name a file inside it with path') : new DjibError('NotFound', 'No such shared file');
  }
  await sendFile(ctx, req, res, drive.wallet.bucket, target.key);
}
