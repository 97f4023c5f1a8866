/**
 * Drive paths. A drive path is `/` or `/a/b/c` (NFC, no empty, `.` or `..` segments, no control characters);
 * its object key is the path without the leading slash, and a folder's marker object is that key plus `/`.
 * `..` is refused, never resolved: a path cannot escape the drive, and a bad path changes nothing.
 */
import { DjibError } from './errors.js';

export interface DrivePath {
  /** Normalised, `/` for the root. */
  path: string;
  /** Object key ('' for the root). */
  key: string;
  segments: string[];
}

export function parsePath(input: unknown, what = 'path'): DrivePath {
  if (typeof input !== 'string' || input.length > 1024) throw new DjibError('InvalidPath', `${what} must be a string of at most 1024 characters`);
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f\\]/.test(input)) throw new DjibError('InvalidPath', `${what} contains a control character or backslash`);
  const segments: string[] = [];
  for (const raw of input.normalize('NFC').split('/')) {
    if (raw === '' || raw === '.') continue;
    if (raw === '..') throw new DjibError('InvalidPath', `${what} may not contain '..'`);
    segments.push(raw);
  }
  return { path: '/' + segments.join('/'), key: segments.join('/'), segments };
}

/** One path segment: a file or folder name. */
export function parseName(input: unknown): string {
  if (typeof input !== 'string') throw new DjibError('InvalidPath', 'name must be a string');
  const name = input.normalize('NFC');
  // eslint-disable-next-line no-control-regex
  if (!name || name === '.' || name === '..' || name.includes('/') || name.length > 255 || /[\u0000-\u001f\u007f\\]/.test(name)) {
    throw new DjibError('InvalidPath', `invalid name '${name}'`);
  }
  return name;
}

export function join(dir: DrivePath, name: string): DrivePath {
  const segments = [...dir.segments, name];
  return { path: '/' + segments.join('/'), key: segments.join('/'), segments };
}

export function parentOf(p: DrivePath): DrivePath {
  const segments = p.segments.slice(0, -1);
  return { path: '/' + segments.join('/'), key: segments.join('/'), segments };
}

export function fromKey(key: string): DrivePath {
  return parsePath('/' + key.replace(/\/$/, ''));
}

/** The name split as Djib shows it: `djib.svg` → file_name `djib`, extension `svg`. */
export function splitName(name: string, isFolder: boolean): { fileName: string; extension: string } {
  const dot = name.lastIndexOf('.');
  if (isFolder || dot <= 0) return { fileName: name, extension: '' };
  return { fileName: name.slice(0, dot), extension: name.slice(dot + 1) };
}
