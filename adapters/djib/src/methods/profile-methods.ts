/**
 * Profile (spec: getProfile, setProfile, resendVerificationEmail) and the confirmation link it mails
 * (`GET /email-confirm/:token`, see email-confirm.ts). The confirmation token is mailed, never returned: getProfile's
 * `confirmation` says "confirmed", "pending" or null instead (returning the token would make confirming pointless).
 * `ref_code` is the wallet's public key; `invited_by` stays null until referrals (payments issue) exist.
 */
import { createHash, randomBytes } from 'node:crypto';
import bs58 from 'bs58';
import { driveOf, obj, optStr, positional, type CallContext, type DjibContext, type Method } from '../context.js';
import { DjibError } from '../errors.js';
import type { ProfileRow } from '../store/profile-store.js';
import { parseEmail } from './share-methods.js';

const AVATAR = /^data:image\/(png|jpeg|gif|webp|svg\+xml);base64,[A-Za-z0-9+/]+={0,2}$/;
const MAX_AVATAR = 512 * 1024;

export const confirmHash = (token: string) => createHash('sha256').update(token).digest('hex');

async function getProfile(ctx: DjibContext, params: unknown) {
  const [token] = positional(params, 1);
  const wallet = (await driveOf(ctx, token)).wallet.publicKey;
  const p = await ctx.store.profiles.get(wallet);
  return {
    email: p?.email ?? null,
    name: p?.name ?? null,
    avatar: p?.avatar ?? null,
    confirmation: !p?.email ? null : p.confirmed ? 'confirmed' : 'pending',
    ref_code: wallet,
    invited_by: null,
  };
}

/** A fresh confirmation token on the row, mailed to its email (EmailUnavailable without SMTP settings). */
async function sendConfirmation(ctx: DjibContext, row: ProfileRow, call: CallContext): Promise<void> {
  const now = ctx.options.now();
  const token = bs58.encode(randomBytes(24));
  await ctx.store.profiles.put({ ...row, confirmHash: confirmHash(token), confirmExpiresAt: now + ctx.options.confirmTtlMs }, now);
  if (!ctx.mailer) throw new DjibError('EmailUnavailable', 'This server sends no email (no SMTP settings)');
  const link = `${call.baseUrl}/email-confirm/${token}`;
  await ctx.mailer.send(row.email!, 'Confirm your email address', `Open this link to confirm your email address for your Djib drive:\n\n${link}\n\nIt expires in ${Math.round(ctx.options.confirmTtlMs / 3600_000)} hours. If you did not ask for this, ignore this email.\n`);
}

async function setProfile(ctx: DjibContext, params: unknown, call: CallContext) {
  const [token, fields] = positional(params, 2);
  const o = obj(fields, 'profile');
  const unknown = Object.keys(o).filter((k) => !['email', 'name', 'avatar'].includes(k));
  if (unknown.length) throw new DjibError('InvalidParams', `Invalid params: unknown profile field(s) ${unknown.join(', ')}`);
  const email = o.email === undefined ? undefined : parseEmail(o.email) ?? null;
  const name = o.name === undefined ? undefined : optStr(o.name, 'name', 200) ?? null;
  const avatar = o.avatar === undefined ? undefined : optStr(o.avatar, 'avatar', MAX_AVATAR) ?? null;
  if (avatar && !AVATAR.test(avatar)) throw new DjibError('InvalidParams', 'Invalid params: avatar must be a base64 data: URL of a PNG, JPEG, GIF, WebP or SVG image');
  const wallet = (await driveOf(ctx, token)).wallet.publicKey;
  const old = await ctx.store.profiles.get(wallet) ?? { wallet, email: null, name: null, avatar: null, confirmed: false, confirmHash: null, confirmExpiresAt: null };
  const emailChanged = email !== undefined && email !== old.email;
  const row: ProfileRow = {
    ...old,
    name: name === undefined ? old.name : name,
    avatar: avatar === undefined ? old.avatar : avatar,
    ...(emailChanged ? { email, confirmed: false, confirmHash: null, confirmExpiresAt: null } : {}),
  };
  await ctx.store.profiles.put(row, ctx.options.now());
  // The profile is saved either way; a mail failure is reported so the client can call resendVerificationEmail.
  if (emailChanged && row.email && ctx.mailer) await sendConfirmation(ctx, row, call);
  return 'success';
}

async function resendVerificationEmail(ctx: DjibContext, params: unknown, call: CallContext) {
  const [token] = positional(params, 1);
  const wallet = (await driveOf(ctx, token)).wallet.publicKey;
  const row = await ctx.store.profiles.get(wallet);
  if (!row?.email) throw new DjibError('EmailRequired', 'Set an email with setProfile first');
  if (row.confirmed) throw new DjibError('AlreadyConfirmed', 'This email is already confirmed');
  await sendConfirmation(ctx, row, call);
  return 'success';
}

export const profileMethods: Record<string, Method> = { getProfile, setProfile, resendVerificationEmail };
