/**
 * Trash and favourites (spec: moveTrash, lsTrash, restoreFromTrash, deleteTrash, emptyTrash, setFavorite,
 * unsetFavorite, lsFavorite). A trashed path's objects move to the wallet's trash bucket under
 * `<deleted_at ms>/<key>`; a djib_trash row remembers what it was. `(path, deleted_at)` names a trash entry.
 * Trashing ends the favourites and shares of the path (a restore does not bring shares back).
 */
import { driveOf, positional, type CallContext, type DjibContext } from '../context.js';
import { DjibError } from '../errors.js';
import { parsePath } from '../paths.js';
import type { TrashRow } from '../store/djib-store.js';
import { djibDate, entryView, parseDjibDate, view, type ObjectView } from '../views.js';
import type { Method } from '../context.js';
import { decorOf } from './drive-methods.js';

async function moveTrash(ctx: DjibContext, params: unknown) {
  const [token, paths] = positional(params, 2);
  if (!Array.isArray(paths) || paths.length === 0 || paths.length > 1000) throw new DjibError('InvalidParams', 'Invalid params: paths must be a non-empty array');
  // A path inside another listed folder goes to the trash with that folder; listing it twice is one entry.
  const all = paths.map((p) => parsePath(p));
  const targets = all.filter((t, i) => !all.some((o, j) => (o.path === t.path && j < i) || t.path.startsWith(o.path + '/')));
  if (targets.some((t) => !t.key)) throw new DjibError('InvalidPath', 'The drive root cannot be trashed');
  const drive = await driveOf(ctx, token);
  // Every path is checked before anything moves: one bad path changes nothing.
  const entries = [];
  for (const t of targets) entries.push(await drive.stat(t));
  const deletedAt = ctx.options.now();
  const { bucket, trashBucket } = drive.wallet;
  for (const e of entries) {
    const isFolder = e.kind === 'folder';
    const size = await drive.copyTree({ bucket, key: e.path.key, isFolder }, { bucket: trashBucket, key: `${deletedAt}/${e.path.key}` });
    const created = e.kind === 'file' ? e.info.lastModified.getTime() : e.marker?.lastModified.getTime() ?? deletedAt;
    await ctx.store.insertTrash({
      wallet: drive.wallet.publicKey, path: e.path.path, deletedAt, isFolder, size, createdAt: created,
      contentType: e.kind === 'file' ? e.info.contentType || 'application/octet-stream' : '',
    });
    await drive.deleteTree({ bucket, key: e.path.key, isFolder });
    await ctx.store.unsetFavoritesUnder(drive.wallet.publicKey, e.path.path);
    await ctx.store.shares.deleteUnder(drive.wallet.publicKey, e.path.path);
  }
  return 'success';
}

function trashView(row: TrashRow): ObjectView {
  const v = view(parsePath(row.path), { isFolder: row.isFolder, size: row.size, contentType: row.isFolder ? null : row.contentType, created: row.createdAt, updated: row.createdAt }, { favorites: new Set() });
  return { ...v, deleted_at: djibDate(row.deletedAt) };
}

async function lsTrash(ctx: DjibContext, params: unknown) {
  const [token] = positional(params, 1);
  const drive = await driveOf(ctx, token);
  return (await ctx.store.listTrash(drive.wallet.publicKey)).map(trashView);
}

async function findTrash(ctx: DjibContext, wallet: string, path: unknown, deletedAt: unknown): Promise<TrashRow> {
  const p = parsePath(path);
  const at = parseDjibDate(deletedAt);
  const row = (await ctx.store.listTrash(wallet)).find((r) => r.path === p.path && r.deletedAt === at);
  if (!row) throw new DjibError('NotFound', `No trash entry ${p.path} deleted at ${String(deletedAt)}`);
  return row;
}

async function restoreFromTrash(ctx: DjibContext, params: unknown) {
  const [token, path, deletedAt] = positional(params, 3);
  const drive = await driveOf(ctx, token);
  const row = await findTrash(ctx, drive.wallet.publicKey, path, deletedAt);
  const target = parsePath(row.path);
  if (await drive.exists(target)) throw new DjibError('AlreadyExists', `${target.path} already exists; rename or move it first`);
  const src = { bucket: drive.wallet.trashBucket, key: `${row.deletedAt}/${target.key}`, isFolder: row.isFolder };
  await drive.copyTree(src, { bucket: drive.wallet.bucket, key: target.key });
  await drive.deleteTree(src);
  await ctx.store.deleteTrash(row.wallet, row.path, row.deletedAt);
  return 'success';
}

async function purge(ctx: DjibContext, drive: Awaited<ReturnType<typeof driveOf>>, row: TrashRow): Promise<void> {
  await drive.deleteTree({ bucket: drive.wallet.trashBucket, key: `${row.deletedAt}/${parsePath(row.path).key}`, isFolder: row.isFolder });
  await ctx.store.deleteTrash(row.wallet, row.path, row.deletedAt);
}

async function deleteTrash(ctx: DjibContext, params: unknown) {
  const [token, path, deletedAt] = positional(params, 3);
  const drive = await driveOf(ctx, token);
  await purge(ctx, drive, await findTrash(ctx, drive.wallet.publicKey, path, deletedAt));
  return 'success';
}

async function emptyTrash(ctx: DjibContext, params: unknown) {
  const [token] = positional(params, 1);
  const drive = await driveOf(ctx, token);
  for (const row of await ctx.store.listTrash(drive.wallet.publicKey)) await purge(ctx, drive, row);
  return 'success';
}

async function setFavorite(ctx: DjibContext, params: unknown, on: boolean) {
  const [token, path] = positional(params, 2);
  const p = parsePath(path);
  if (!p.key) throw new DjibError('InvalidPath', 'The drive root cannot be a favourite');
  const drive = await driveOf(ctx, token);
  if (on) {
    await drive.stat(p);
    await ctx.store.setFavorite(drive.wallet.publicKey, p.path, ctx.options.now());
  } else {
    await ctx.store.unsetFavorite(drive.wallet.publicKey, p.path);
  }
  return 'success';
}

async function lsFavorite(ctx: DjibContext, params: unknown, call: CallContext) {
  const [token] = positional(params, 1);
  const drive = await driveOf(ctx, token);
  const decor = await decorOf(ctx, drive, call);
  const out: ObjectView[] = [];
  for (const path of decor.favorites) {
    const entry = await drive.stat(parsePath(path)).catch(() => undefined);
    if (entry) out.push(entryView(entry, decor));
  }
  return out;
}

export const trashMethods: Record<string, Method> = {
  moveTrash,
  lsTrash,
  restoreFromTrash,
  deleteTrash,
  emptyTrash,
  setFavorite: (ctx, p) => setFavorite(ctx, p, true),
  unsetFavorite: (ctx, p) => setFavorite(ctx, p, false),
  lsFavorite,
};
