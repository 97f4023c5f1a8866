/**
 * Drive methods (spec: status, createFolder, lsDrive, rename, move, copy, duplicate, search, recentFiles,
 * destroyDrive).
 */
import { driveOf, positional, str, type CallContext, type DjibContext, type Method } from '../context.js';
import type { Drive } from '../drive.js';
import { DjibError } from '../errors.js';
import { join, parentOf, parseName, parsePath, splitName, type DrivePath } from '../paths.js';
import { djibDate, entryView, type Decor, type ObjectView } from '../views.js';

/** The wallet's favourites and the public links of its published files, for listings. */
export async function decorOf(ctx: DjibContext, drive: Drive, call: CallContext): Promise<Decor> {
  const favorites = new Set(await ctx.store.favorites(drive.wallet.publicKey));
  const publicLinks = new Map<string, string>();
  for (const row of await ctx.store.publics.byWallet(drive.wallet.publicKey)) publicLinks.set(row.sourceFileId, `${call.networkUrl}/${row.cid}`);
  return { favorites, publicLinks };
}

async function status(ctx: DjibContext, params: unknown) {
  const [token] = positional(params, 1);
  const drive = await driveOf(ctx, token);
  const bucket = await ctx.storage.headBucket(ctx.options.tenant, drive.wallet.bucket);
  const objects = await drive.listAll('');
  const used = await drive.usedBytes();
  const newest = objects.reduce<Date | null>((m, o) => (!m || o.lastModified > m ? o.lastModified : m), null);
  return {
    cloud: { used_size_kb: used / 1024, total_size_kb: ctx.options.driveSizeBytes / 1024, created_at: djibDate(bucket.createdAt), updated_at: djibDate(newest ?? bucket.createdAt) },
    prizes: [],
    credit: 0.0,
  };
}

async function createFolder(ctx: DjibContext, params: unknown) {
  const [token, parent, name] = positional(params, 3);
  const dir = parsePath(parent, 'path');
  const folderName = parseName(name);
  const drive = await driveOf(ctx, token);
  await drive.requireFolder(dir);
  const target = join(dir, folderName);
  await drive.createFolder(target);
  return target.path;
}

async function lsDrive(ctx: DjibContext, params: unknown, call: CallContext): Promise<ObjectView[]> {
  const [token, path] = positional(params, 1, 2);
  const dir = parsePath(path ?? '/');
  const drive = await driveOf(ctx, token);
  await drive.requireFolder(dir);
  const decor = await decorOf(ctx, drive, call);
  return (await drive.list(dir)).map((e) => entryView(e, decor));
}

/** Moves or copies `src` to `target` (server-side copies; a folder with everything under it). */
async function transfer(ctx: DjibContext, drive: Drive, src: DrivePath, target: DrivePath, keep: boolean): Promise<string> {
  if (!src.key) throw new DjibError('InvalidPath', 'The drive root cannot be moved or copied');
  const entry = await drive.stat(src);
  const isFolder = entry.kind === 'folder';
  if (target.path === src.path || (isFolder && target.path.startsWith(src.path + '/'))) throw new DjibError('InvalidPath', target.path === src.path ? `${src.path} is already there` : 'A folder cannot be moved or copied into itself');
  if (await drive.exists(target)) throw new DjibError('AlreadyExists', `${target.path} already exists`);
  const bucket = drive.wallet.bucket;
  if (keep) {
    return ctx.writes.run(drive.wallet.publicKey, async () => {
      const size = isFolder ? (await drive.listAll(src.key + '/')).reduce((s, o) => s + o.size, 0) : entry.info.size;
      if ((await drive.usedBytes()) + size > ctx.options.driveSizeBytes) throw new DjibError('QuotaExceeded', 'The copy would exceed the drive size');
      await drive.copyTree({ bucket, key: src.key, isFolder }, { bucket, key: target.key });
      return 'success';
    });
  }
  await drive.copyTree({ bucket, key: src.key, isFolder }, { bucket, key: target.key });
  await drive.deleteTree({ bucket, key: src.key, isFolder });
  await ctx.store.moveFavorites(drive.wallet.publicKey, src.path, target.path);
  await ctx.store.shares.move(drive.wallet.publicKey, src.path, target.path);
  return 'success';
}

async function rename(ctx: DjibContext, params: unknown) {
  const [token, path, name] = positional(params, 3);
  const src = parsePath(path);
  const newName = parseName(name);
  const drive = await driveOf(ctx, token);
  if (!src.key) throw new DjibError('InvalidPath', 'The drive root cannot be renamed');
  return transfer(ctx, drive, src, join(parentOf(src), newName), false);
}

async function moveOrCopy(ctx: DjibContext, params: unknown, keep: boolean) {
  const [token, path, destination] = positional(params, 3);
  const src = parsePath(path);
  const dest = parsePath(destination, 'destination');
  const drive = await driveOf(ctx, token);
  if (!src.key) throw new DjibError('InvalidPath', 'The drive root cannot be moved or copied');
  await drive.requireFolder(dest);
  return transfer(ctx, drive, src, join(dest, src.segments[src.segments.length - 1]!), keep);
}

async function search(ctx: DjibContext, params: unknown, call: CallContext): Promise<ObjectView[]> {
  const [token, keyword, filters, name] = positional(params, 2, 4);
  const word = str(keyword, 'keyword').normalize('NFC').toLowerCase();
  const f = (filters ?? {}) as { extension?: unknown; path?: unknown };
  if (typeof f !== 'object' || Array.isArray(f)) throw new DjibError('InvalidParams', 'Invalid params: filters must be an object');
  if (f.extension !== undefined && f.extension !== null && typeof f.extension !== 'string') throw new DjibError('InvalidParams', 'Invalid params: extension must be a string');
  if (name !== undefined && name !== null && typeof name !== 'string') throw new DjibError('InvalidParams', 'Invalid params: name must be a string');
  const extension = typeof f.extension === 'string' ? f.extension.replace(/^\./, '').toLowerCase() : '';
  const under = parsePath(f.path ?? '/', 'path');
  const drive = await driveOf(ctx, token);
  const decor = await decorOf(ctx, drive, call);
  const out: ObjectView[] = [];
  for (const info of await drive.listAll(under.key ? under.key + '/' : '')) {
    const isFolder = info.key.endsWith('/');
    const path = parsePath('/' + info.key);
    if (path.path === under.path) continue;
    const entry = isFolder ? { kind: 'folder' as const, path, marker: info } : { kind: 'file' as const, path, info };
    const v = entryView(entry, decor);
    const full = path.segments[path.segments.length - 1]!.toLowerCase();
    if (word && !full.includes(word)) continue;
    if (extension && v.extension.toLowerCase() !== extension) continue;
    if (typeof name === 'string' && name && v.file_name !== name && full !== name.toLowerCase()) continue;
    out.push(v);
  }
  return out;
}

async function recentFiles(ctx: DjibContext, params: unknown, call: CallContext): Promise<ObjectView[]> {
  const [token, count] = positional(params, 1, 2);
  const n = count ?? 10;
  if (!Number.isSafeInteger(n) || (n as number) < 1 || (n as number) > 1000) throw new DjibError('InvalidParams', 'Invalid params: count must be an integer from 1 to 1000');
  const drive = await driveOf(ctx, token);
  const decor = await decorOf(ctx, drive, call);
  const files = (await drive.listAll('')).filter((o) => !o.key.endsWith('/'));
  files.sort((a, b) => b.lastModified.getTime() - a.lastModified.getTime());
  return files.slice(0, n as number).map((info) => entryView({ kind: 'file', path: parsePath('/' + info.key), info }, decor));
}

/** Copies a file or folder beside itself as `name (copy).ext`, `name (copy 2).ext`, … */
async function duplicate(ctx: DjibContext, params: unknown) {
  const [token, path] = positional(params, 2);
  const src = parsePath(path);
  if (!src.key) throw new DjibError('InvalidPath', 'The drive root cannot be duplicated');
  const drive = await driveOf(ctx, token);
  const entry = await drive.stat(src);
  const { fileName, extension } = splitName(src.segments[src.segments.length - 1]!, entry.kind === 'folder');
  for (let n = 1; n <= 100; n++) {
    const name = `${fileName} (copy${n === 1 ? '' : ` ${n}`})${extension ? `.${extension}` : ''}`;
    const target = join(parentOf(src), name);
    if (!await drive.exists(target)) return transfer(ctx, drive, src, target, true);
  }
  throw new DjibError('AlreadyExists', 'Too many copies of this object already exist');
}

/**
 * Deletes every object of the drive and its trash, its trash entries, favourites and shares, and recreates the
 * buckets empty. Published files stay: their public copies live in the tenant's public bucket (spec: destroyDrive).
 */
async function destroyDrive(ctx: DjibContext, params: unknown) {
  const [token] = positional(params, 1);
  const drive = await driveOf(ctx, token);
  const { bucket, trashBucket } = drive.wallet;
  for (const b of [bucket, trashBucket]) {
    const keys = (await drive.listAll('', b)).map((o) => o.key);
    for (let i = 0; i < keys.length; i += 1000) await ctx.storage.deleteObjects(ctx.options.tenant, b, keys.slice(i, i + 1000));
    await ctx.storage.deleteBucket(ctx.options.tenant, b);
    await ctx.storage.createBucket(ctx.options.tenant, b);
  }
  await ctx.store.forgetDrive(drive.wallet.publicKey);
  return 'success';
}

export const driveMethods: Record<string, Method> = {
  duplicate,
  destroyDrive,
  status,
  createFolder,
  lsDrive,
  rename,
  move: (ctx, p) => moveOrCopy(ctx, p, false),
  copy: (ctx, p) => moveOrCopy(ctx, p, true),
  search,
  recentFiles,
};
