/** The documented object shape of lsDrive, search, recentFiles, lsFavorite and lsTrash (spec: lsDrive "Results"). */
import type { Entry } from './drive.js';
import { DjibError } from './errors.js';
import { parentOf, splitName, type DrivePath } from './paths.js';

/** Djib's date format: `2022-05-19 09:58:48.836000` (UTC). */
export function djibDate(ms: number | Date | undefined | null): string | null {
  if (ms === undefined || ms === null) return null;
  const iso = new Date(ms).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 23)}000`;
}

/** Accepts the Djib format or ISO 8601 (as the spec's restoreFromTrash example says); returns ms. */
export function parseDjibDate(value: unknown): number {
  if (typeof value === 'string') {
    const m = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2})(?:\.(\d{1,6}))?(Z|\+00:00)?$/.exec(value.trim());
    if (m) {
      const ms = Date.parse(`${m[1]}T${m[2]}.${(m[3] ?? '0').padEnd(3, '0').slice(0, 3)}Z`);
      if (Number.isFinite(ms)) return ms;
    }
  }
  throw new DjibError('InvalidParams', 'deleted_at must be a date like "2022-05-19 09:58:48.836000"');
}

export interface ObjectView {
  file_name: string;
  extension: string;
  size_byte: number;
  is_folder: boolean;
  is_favorite: boolean;
  is_favourite: boolean;
  path: string;
  parent: string;
  content_type: string | null;
  public_link: string | null;
  created_at: string | null;
  updated_at: string | null;
  deleted_at?: string | null;
}

/** What a listing adds to the objects: the wallet's favourite paths and public links by drive file id. */
export interface Decor {
  favorites: ReadonlySet<string>;
  publicLinks?: ReadonlyMap<string, string>;
}

export function view(path: DrivePath, o: { isFolder: boolean; size: number; contentType: string | null; created: number | Date | null; updated: number | Date | null; fileId?: string }, decor: Decor): ObjectView {
  const name = path.segments[path.segments.length - 1] ?? '';
  const { fileName, extension } = splitName(name, o.isFolder);
  const favorite = decor.favorites.has(path.path);
  return {
    file_name: fileName,
    extension,
    size_byte: o.size,
    is_folder: o.isFolder,
    is_favorite: favorite,
    is_favourite: favorite,
    path: path.path,
    parent: parentOf(path).path,
    content_type: o.contentType,
    public_link: (o.fileId && decor.publicLinks?.get(o.fileId)) || null,
    created_at: djibDate(o.created),
    updated_at: djibDate(o.updated),
  };
}

export function entryView(e: Entry, decor: Decor): ObjectView {
  if (e.kind === 'file') {
    return view(e.path, { isFolder: false, size: e.info.size, contentType: e.info.contentType || 'application/octet-stream', created: e.info.lastModified, updated: e.info.lastModified, fileId: e.info.fileId }, decor);
  }
  const at = e.marker?.lastModified ?? null;
  return view(e.path, { isFolder: true, size: 0, contentType: null, created: at, updated: at }, decor);
}
