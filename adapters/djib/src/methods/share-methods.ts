/**
 * Sharing (spec: shareObject, lsFileShares, revokeShares, lsShareByMe, lsShareWithMe, getSharedByLink,
 * rmSharedWithMe). Access rules: shares.ts. A share's "link" is its code (22 base58 characters), which
 * getSharedByLink and `/download-shared?link=` take.
 */
import { randomBytes } from 'node:crypto';
import bs58 from 'bs58';
import { driveOf, obj, optStr, positional, str, type CallContext, type DjibContext, type Method } from '../context.js';
import type { Entry } from '../drive.js';
import { DjibError } from '../errors.js';
import { hashPassword } from '../kdf.js';
import { parsePath } from '../paths.js';
import { checkSharePassword, ownerDrive, ownerMatches, reachableShares, resolveShared, SHARED_ROOT, shareName } from '../shares.js';
import { djibDate, entryView } from '../views.js';
import { decorOf } from './drive-methods.js';

const EMAIL = /^[^\s@]{1,64}@[^\s@]{1,255}\.[^\s@]{1,63}$/;

export function parseEmail(value: unknown): string | undefined {
  const email = optStr(value, 'email', 320);
  if (email === undefined) return undefined;
  if (!EMAIL.test(email)) throw new DjibError('InvalidParams', 'Invalid params: email is not an email address');
  return email.toLowerCase();
}

async function shareObject(ctx: DjibContext, params: unknown) {
  const [token, path, options] = positional(params, 2, 3);
  const p = parsePath(path);
  if (!p.key) throw new DjibError('InvalidPath', 'The drive root cannot be shared');
  const o = obj(options, 'options');
  const password = optStr(o.password, 'password');
  const email = parseEmail(o.email);
  const drive = await driveOf(ctx, token);
  await drive.stat(p);
  const code = bs58.encode(randomBytes(16));
  await ctx.store.shares.insert({
    code, owner: drive.wallet.publicKey, path: p.path, passwordHash: password === undefined ? null : await hashPassword(password), email: email ?? null, createdAt: ctx.options.now(),
  });
  return code;
}

async function lsFileShares(ctx: DjibContext, params: unknown) {
  const [token, path] = positional(params, 2);
  const p = parsePath(path);
  const drive = await driveOf(ctx, token);
  const shares = (await ctx.store.shares.byOwner(drive.wallet.publicKey, p.path)).map((s) => ({
    link: s.code, has_pass: s.passwordHash !== null, is_public: s.email === null, share_email: s.email, created_at: djibDate(s.createdAt),
  }));
  return { shares, has_pass: shares.some((s) => s.has_pass) };
}

async function revokeShares(ctx: DjibContext, params: unknown) {
  const [token, path, links] = positional(params, 3);
  if (!Array.isArray(links) || links.length === 0 || links.length > 1000 || links.some((l) => typeof l !== 'string')) throw new DjibError('InvalidParams', 'Invalid params: links must be a non-empty array of strings');
  const p = parsePath(path);
  const drive = await driveOf(ctx, token);
  const own = new Set((await ctx.store.shares.byOwner(drive.wallet.publicKey, p.path)).map((s) => s.code));
  const missing = (links as string[]).find((l) => !own.has(l));
  if (missing !== undefined) throw new DjibError('NotFound', `No share ${missing} of ${p.path}`);
  await ctx.store.shares.delete(links as string[]);
  return 'success';
}

async function lsShareByMe(ctx: DjibContext, params: unknown, call: CallContext) {
  const [token] = positional(params, 1);
  const drive = await driveOf(ctx, token);
  const decor = await decorOf(ctx, drive, call);
  const paths = [...new Set((await ctx.store.shares.byOwner(drive.wallet.publicKey)).map((s) => s.path))].sort();
  const out = [];
  for (const path of paths) {
    const entry = await drive.stat(parsePath(path)).catch(() => undefined);
    if (entry) out.push(entryView(entry, decor));
  }
  return out;
}

function sharedView(entry: Entry, path: string, sharedAt: number, owner: string, hasPass: boolean) {
  const v = entryView(entry, { favorites: new Set() });
  return {
    file_name: v.file_name, size_byte: v.size_byte, extension: v.extension, content_type: v.content_type, is_folder: v.is_folder,
    created_at: v.created_at, updated_at: v.updated_at, path, parent: path.slice(0, path.lastIndexOf('/')) || '/',
    shared_at: djibDate(sharedAt), owner, has_pass: hasPass,
  };
}

async function lsShareWithMe(ctx: DjibContext, params: unknown) {
  const [token, options] = positional(params, 1, 2);
  const o = obj(options, 'options');
  const owner = optStr(o.owner, 'owner', 320);
  const wallet = (await driveOf(ctx, token)).wallet.publicKey;
  const p = parsePath(o.path ?? '/');
  if (p.segments.length <= 1 && (p.segments[0] ?? SHARED_ROOT) === SHARED_ROOT) {
    const out = [];
    for (const s of await reachableShares(ctx, wallet)) {
      if (!ownerMatches(s, owner)) continue;
      const entry = await ownerDrive(ctx, s.share).stat(parsePath(s.share.path)).catch(() => undefined);
      if (entry) out.push(sharedView(entry, `/${SHARED_ROOT}/${s.name}`, s.sharedAt, s.owner, s.share.passwordHash !== null));
    }
    return out;
  }
  const r = await resolveShared(ctx, wallet, p, owner, o.password);
  const label = await ctx.store.profiles.ownerLabel(r.share.owner);
  const entry = await r.drive.stat(r.target);
  const entries = entry.kind === 'folder' ? await r.drive.list(r.target) : [entry];
  return entries.map((e) => sharedView(e, r.shared(e.path.path), r.share.createdAt, label, r.share.passwordHash !== null));
}

async function getSharedByLink(ctx: DjibContext, params: unknown) {
  const [token, link, options] = positional(params, 2, 3);
  const code = str(link, 'link');
  const o = obj(options, 'options');
  const wallet = (await driveOf(ctx, token)).wallet.publicKey;
  const share = code.length <= 64 ? await ctx.store.shares.get(code) : undefined;
  if (!share) throw new DjibError('NotFound', 'No such share link');
  if (share.email !== null && share.owner !== wallet && (await ctx.store.profiles.confirmedEmailOf(wallet)) !== share.email) {
    throw new DjibError('AccessDenied', 'This share is for another email address; confirm yours with setProfile first');
  }
  await checkSharePassword(share, o.password);
  await ctx.store.shares.addRecipient(wallet, share.code, ctx.options.now());
  return `/${SHARED_ROOT}/${shareName(share)}`;
}

async function rmSharedWithMe(ctx: DjibContext, params: unknown) {
  const [token, path, owner] = positional(params, 2, 3);
  const p = parsePath(path);
  const name = p.segments[0] === SHARED_ROOT ? p.segments[1] : p.segments[p.segments.length - 1];
  const ownerLabel = optStr(owner, 'owner', 320);
  const wallet = (await driveOf(ctx, token)).wallet.publicKey;
  const matches = (await reachableShares(ctx, wallet)).filter((s) => s.name === name && ownerMatches(s, ownerLabel));
  if (matches.length === 0) throw new DjibError('NotFound', `Nothing named ${name ?? '/'} is shared with you`);
  for (const m of matches) await ctx.store.shares.hide(wallet, m.share.code, ctx.options.now());
  return 'success';
}

export const shareMethods: Record<string, Method> = {
  shareObject, lsFileShares, revokeShares, lsShareByMe, lsShareWithMe, getSharedByLink, rmSharedWithMe,
};
