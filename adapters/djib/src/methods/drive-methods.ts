/** Drive methods (spec: status, createFolder, lsDrive, rename, move, copy, search, recentFiles). */
import { driveOf, positional, str, type DjibContext } from '../context.js';
import type { Drive } from '../drive.js';
import { DjibError } from '../errors.js';
import { join, parentOf, parseName, parsePath, type DrivePath } from '../paths.js';
import { djibDate, entryView, type ObjectView } from '../views.js';

export type Method = (ctx: DjibContext, params: unknown) => Promise<unknown>;

export async function favoritesOf(ctx: DjibContext, drive: Drive): Promise<Set<string>> {
  return new Set(await ctx.store.favorites(drive.wallet.publicKey));
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

async function lsDrive(ctx: DjibContext, params: unknown): Promise<ObjectView[]> {
  const [token, path] = positional(params, 1, 2);
  const dir = parsePath(path ?? '/');
  const drive = await driveOf(ctx, token);
  await drive.requireFolder(dir);
  const favorites = await favoritesOf(ctx, drive);
  return (await drive.list(dir)).map((e) => entryView(e, favorites));
}

/** Moves or copies `src` to `target` (server-side copies; a folder with everything under it). */
async function transfer(ctx: DjibContext, drive: Drive, src: DrivePath, target: DrivePath, keep: boolean): Promise<string> {
  if (!src.key) throw new DjibError('InvalidPath', 'The drive root cannot be moved or copied');
  const entry = await drive.stat(src);
  const isFolder = entry.kind === 'folder';
  if (target.path === src.path || (isFolder && target.path.startsWith(src.path + '/'))) throw new DjibError('InvalidPath', 'A folder cannot be moved or copied into itself');
  if (await drive.exists(target)) throw new DjibError('AlreadyExists', `${target.path} already exists`);
  const bucket = drive.wallet.bucket;
  if (keep) {
    const size = isFolder ? (await drive.listAll(src.key + '/')).reduce((s, o) => s + o.size, 0) : entry.info.size;
    if ((await drive.usedBytes()) + size > ctx.options.driveSizeBytes) throw new DjibError('QuotaExceeded', 'The copy would exceed the drive size');
  }
  await drive.copyTree({ bucket, key: src.key, isFolder }, { bucket, key: target.key });
  if (!keep) {
    await drive.deleteTree({ bucket, key: src.key, isFolder });
    await ctx.store.moveFavorites(drive.wallet.publicKey, src.path, target.path);
  }
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

async function search(ctx: DjibContext, params: unknown): Promise<ObjectView[]> {
  const [token, keyword, filters, name] = positional(params, 2, 4);
  const word = str(keyword, 'keyword').normalize('NFC').toLowerCase();
  const f = (filters ?? {}) as { extension?: unknown; path?: unknown };
  if (typeof f !== 'object' || Array.isArray(f)) throw new DjibError('InvalidParams', 'Invalid params: filters must be an object');
  if (f.extension !== undefined && f.extension !== null && typeof f.extension !== 'string') throw new DjibError('InvalidParams', 'Invalid params: extension must be a string');
  if (name !== undefined && name !== null && typeof name !== 'string') throw new DjibError('InvalidParams', 'Invalid params: name must be a string');
  const extension = typeof f.extension === 'string' ? f.extension.replace(/^\./, '').toLowerCase() : '';
  const under = parsePath(f.path ?? '/', 'path');
  const drive = await driveOf(ctx, token);
  const favorites = await favoritesOf(ctx, drive);
  const out: ObjectView[] = [];
  for (const info of await drive.listAll(under.key ? under.key + '/' : '')) {
    const isFolder = info.key.endsWith('/');
    const path = parsePath('/' + info.key);
    if (path.path === under.path) continue;
    const entry = isFolder ? { kind: 'folder' as const, path, marker: info } : { kind: 'file' as const, path, info };
    const v = entryView(entry, favorites);
    const full = path.segments[path.segments.length - 1]!.toLowerCase();
    if (word && !full.includes(word)) continue;
    if (extension && v.extension.toLowerCase() !== extension) continue;
    if (typeof name === 'string' && name && v.file_name !== name && full !== name.toLowerCase()) continue;
    out.push(v);
  }
  return out;
}

async function recentFiles(ctx: DjibContext, params: unknown): Promise<ObjectView[]> {
  const [token, count] = positional(params, 1, 2);
  const n = count ?? 10;
  if (!Number.isSafeInteger(n) || (n as number) < 1 || (n as number) > 1000) throw new DjibError('InvalidParams', 'Invalid params: count must be an integer from 1 to 1000');
  const drive = await driveOf(ctx, token);
  const favorites = await favoritesOf(ctx, drive);
  const files = (await drive.listAll('')).filter((o) => !o.key.endsWith('/'));
  files.sort((a, b) => b.lastModified.getTime() - a.lastModified.getTime());
  return files.slice(0, n as number).map((info) => entryView({ kind: 'file', path: parsePath('/' + info.key), info }, favorites));
}

export const driveMethods: Record<string, Method> = {
  status,
  createFolder,
  lsDrive,
  rename,
  move: (ctx, p) => moveOrCopy(ctx, p, false),
  copy: (ctx, p) => moveOrCopy(ctx, p, true),
  search,
  recentFiles,
};
