/**
 * A wallet's drive over the core: files are objects of the wallet's bucket (key = drive path), folders are empty
 * marker objects `<key>/` (a prefix with objects under it is a folder too, so objects put through S3 show up).
 * Moves and copies are server-side `copyObject` per object (a folder: every object under it), then deletes.
 */
import { Readable } from 'node:stream';
import { isStorageError, type ObjectInfo, type Storage, type Tenant } from '@omnigate/core';
import type { Wallet } from './auth.js';
import { DjibError } from './errors.js';
import { fromKey, type DrivePath } from './paths.js';

export const FOLDER_CONTENT_TYPE = 'application/x-directory';

export type Entry =
  | { kind: 'file'; path: DrivePath; info: ObjectInfo }
  | { kind: 'folder'; path: DrivePath; marker: ObjectInfo | undefined };

export class Drive {
  constructor(readonly storage: Storage, readonly tenant: Tenant, readonly wallet: Wallet) {}

  /** Every object under `prefix`, all pages. */
  async listAll(prefix: string, bucket = this.wallet.bucket): Promise<ObjectInfo[]> {
    const out: ObjectInfo[] = [];
    let startAfter: string | undefined;
    for (;;) {
      const page = await this.storage.listObjects(this.tenant, bucket, { prefix, startAfter, limit: 1000 });
      out.push(...page.objects);
      if (!page.isTruncated || !page.nextMarker) return out;
      startAfter = page.nextMarker;
    }
  }

  async headFile(p: DrivePath): Promise<ObjectInfo | undefined> {
    if (!p.key) return undefined;
    try {
      return await this.storage.headObject(this.tenant, this.wallet.bucket, p.key);
    } catch (err) {
      if (isStorageError(err) && err.code === 'NoSuchKey') return undefined;
      throw err;
    }
  }

  async isFolder(p: DrivePath): Promise<boolean> {
    if (!p.key) return true;
    const page = await this.storage.listObjects(this.tenant, this.wallet.bucket, { prefix: p.key + '/', limit: 1 });
    return page.objects.length > 0;
  }

  /** The file or folder at `p`, or NotFound. */
  async stat(p: DrivePath): Promise<Entry> {
    const file = await this.headFile(p);
    if (file) return { kind: 'file', path: p, info: file };
    if (await this.isFolder(p)) return { kind: 'folder', path: p, marker: await this.headMarker(p) };
    throw new DjibError('NotFound', `No such file or folder: ${p.path}`);
  }

  async exists(p: DrivePath): Promise<boolean> {
    return (await this.headFile(p)) !== undefined || (await this.isFolder(p));
  }

  async headMarker(p: DrivePath): Promise<ObjectInfo | undefined> {
    if (!p.key) return undefined;
    try {
      return await this.storage.headObject(this.tenant, this.wallet.bucket, p.key + '/');
    } catch (err) {
      if (isStorageError(err) && err.code === 'NoSuchKey') return undefined;
      throw err;
    }
  }

  async requireFolder(p: DrivePath): Promise<void> {
    if (await this.headFile(p)) throw new DjibError('InvalidPath', `${p.path} is a file, not a folder`);
    if (!await this.isFolder(p)) throw new DjibError('NotFound', `No such folder: ${p.path}`);
  }

  async createFolder(p: DrivePath): Promise<void> {
    if (await this.exists(p)) throw new DjibError('AlreadyExists', `${p.path} already exists`);
    await this.storage.putObject(this.tenant, this.wallet.bucket, p.key + '/', Readable.from([]), { size: 0, contentType: FOLDER_CONTENT_TYPE });
  }

  /** Entries directly inside folder `dir`. */
  async list(dir: DrivePath): Promise<Entry[]> {
    const prefix = dir.key ? dir.key + '/' : '';
    const entries: Entry[] = [];
    let startAfter: string | undefined;
    for (;;) {
      const page = await this.storage.listObjects(this.tenant, this.wallet.bucket, { prefix, delimiter: '/', startAfter, limit: 1000 });
      for (const info of page.objects) if (info.key !== prefix) entries.push({ kind: 'file', path: fromKey(info.key), info });
      for (const cp of page.commonPrefixes) {
        const path = fromKey(cp);
        entries.push({ kind: 'folder', path, marker: await this.headMarker(path) });
      }
      if (!page.isTruncated || !page.nextMarker) break;
      startAfter = page.nextMarker;
    }
    return entries.sort((a, b) => (a.kind === b.kind ? (a.path.path < b.path.path ? -1 : 1) : a.kind === 'folder' ? -1 : 1));
  }

  /** Copies the file or folder `src` to `dst` (which must not exist) across buckets; returns bytes copied. */
  async copyTree(src: { bucket: string; key: string; isFolder: boolean }, dst: { bucket: string; key: string }): Promise<number> {
    if (!src.isFolder) {
      const info = await this.storage.copyObject(this.tenant, { bucket: src.bucket, key: src.key }, dst);
      return info.size;
    }
    let bytes = 0;
    for (const info of await this.listAll(src.key + '/', src.bucket)) {
      await this.storage.copyObject(this.tenant, { bucket: src.bucket, key: info.key }, { bucket: dst.bucket, key: dst.key + info.key.slice(src.key.length) });
      bytes += info.size;
    }
    return bytes;
  }

  async deleteTree(src: { bucket: string; key: string; isFolder: boolean }): Promise<void> {
    const keys = src.isFolder ? (await this.listAll(src.key + '/', src.bucket)).map((o) => o.key) : [src.key];
    for (let i = 0; i < keys.length; i += 1000) await this.storage.deleteObjects(this.tenant, src.bucket, keys.slice(i, i + 1000));
  }

  /** Bytes stored by this wallet: drive and trash. */
  async usedBytes(): Promise<number> {
    const all = [...await this.listAll(''), ...await this.listAll('', this.wallet.trashBucket)];
    return all.reduce((sum, o) => sum + o.size, 0);
  }
}
