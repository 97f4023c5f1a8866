/**
 * Who may open a share (spec: shareObject, getSharedByLink, lsShareWithMe, /download-shared). A share is a link code
 * to a path of the owner's drive. It reaches a wallet when that wallet opened it with getSharedByLink (then it is a
 * recipient), or when its email is the wallet's confirmed profile email. A share with an email opens only for that
 * email; a share with a password needs it once per recipient (or on each anonymous /download-shared). Recipients see
 * shares under `/Shared/<name>`; the owner is named by its confirmed email, else its public key.
 */
import { walletOf } from './auth.js';
import type { DjibContext } from './context.js';
import { Drive } from './drive.js';
import { DjibError } from './errors.js';
import { verifyPassword } from './kdf.js';
import { parsePath, type DrivePath } from './paths.js';
import type { ShareRow } from './store/share-store.js';

export const SHARED_ROOT = 'Shared';

export interface ReachableShare {
  share: ShareRow;
  name: string;
  /** The owner's confirmed email, else its public key. */
  owner: string;
  sharedAt: number;
  /** The password (if any) was already given by this wallet. */
  unlocked: boolean;
}

export function shareName(share: ShareRow): string {
  return share.path.split('/').pop() || share.path;
}

export function ownerDrive(ctx: DjibContext, share: ShareRow): Drive {
  return new Drive(ctx.storage, ctx.options.tenant, walletOf(share.owner));
}

/** The shares that reach `wallet`, by name, hidden ones (rmSharedWithMe) left out. */
export async function reachableShares(ctx: DjibContext, wallet: string): Promise<ReachableShare[]> {
  const { shares, profiles } = ctx.store;
  const recipients = new Map((await shares.recipients(wallet)).map((r) => [r.code, r]));
  const found = new Map<string, { share: ShareRow; sharedAt: number; unlocked: boolean }>();
  for (const r of recipients.values()) {
    const share = !r.hidden ? await shares.get(r.code) : undefined;
    if (share) found.set(share.code, { share, sharedAt: r.addedAt, unlocked: true });
  }
  const email = await profiles.confirmedEmailOf(wallet);
  if (email) {
    for (const share of await shares.byEmail(email)) {
      if (!recipients.has(share.code)) found.set(share.code, { share, sharedAt: share.createdAt, unlocked: share.passwordHash === null });
    }
  }
  const out: ReachableShare[] = [];
  for (const f of found.values()) {
    if (f.share.owner === wallet) continue;
    out.push({ ...f, name: shareName(f.share), owner: await profiles.ownerLabel(f.share.owner) });
  }
  // By name, then newest first: the first match of a name is the one /Shared/<name> opens.
  return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : b.sharedAt - a.sharedAt || (a.share.code < b.share.code ? -1 : 1)));
}

/** `owner` (optional) is the share owner's email (any case) or public key. */
export function ownerMatches(s: ReachableShare, owner: string | undefined): boolean {
  return owner === undefined || s.owner.toLowerCase() === owner.toLowerCase() || s.share.owner === owner;
}

/** Checks a share's password; WrongPassword when it is missing or wrong. */
export async function checkSharePassword(share: ShareRow, password: unknown): Promise<void> {
  if (share.passwordHash === null) return;
  if (typeof password !== 'string' || password.length === 0) throw new DjibError('WrongPassword', 'This share is locked: a password is required');
  if (password.length > 1024 || !await verifyPassword(password, share.passwordHash)) throw new DjibError('WrongPassword', 'Wrong share password');
}

export interface ResolvedShared {
  share: ShareRow;
  drive: Drive;
  /** The path in the owner's drive. */
  target: DrivePath;
  /** `/Shared/<name>/…` as the recipient sees it. */
  shared: (ownerPath: string) => string;
}

/**
 * `/Shared/<name>/rest` → the owner's drive path, for a share reaching `wallet` (`owner` narrows by owner label or
 * public key). A locked share not yet opened needs `password`; giving it makes the wallet a recipient.
 */
export async function resolveShared(ctx: DjibContext, wallet: string, path: DrivePath, owner: string | undefined, password: unknown): Promise<ResolvedShared> {
  const [root, name, ...rest] = path.segments;
  if (root !== SHARED_ROOT || name === undefined) throw new DjibError('InvalidPath', `Shared paths look like /${SHARED_ROOT}/<name>/…`);
  const match = (await reachableShares(ctx, wallet)).find((s) => s.name === name && ownerMatches(s, owner));
  if (!match) throw new DjibError('NotFound', `Nothing named ${name} is shared with you`);
  if (!match.unlocked) {
    await checkSharePassword(match.share, password);
    await ctx.store.shares.addRecipient(wallet, match.share.code, ctx.options.now());
  }
  const base = parsePath(match.share.path);
  const target = parsePath([base.path, ...rest].join('/'));
  const prefix = `/${SHARED_ROOT}/${name}`;
  return { share: match.share, drive: ownerDrive(ctx, match.share), target, shared: (p) => prefix + p.slice(base.path.length) };
}
