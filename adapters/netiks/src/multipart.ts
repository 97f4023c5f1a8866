/**
 * Mode 1 of `developer-upload-file`: a multipart/form-data body (RFC 7578) whose `file` part streams into the
 * core as it arrives (busboy; never the whole file in memory, never a temp copy). The file is cut off at the first
 * byte over `maxFileSize`: busboy's `limits.fileSize` is set one byte above it, so its `limit` event means "over",
 * and the upload is aborted then, not after the rest of the body arrived. Any failure (limit, malformed form, a bad
 * field, a disconnect) aborts the core write, so nothing is stored.
 */
import { randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import busboy from 'busboy';
import type { Request, Response } from 'express';
import { isStorageError, StorageError, type ObjectInfo, type Tenant } from '@omnigate/core';
import { discardObject } from './assets.js';
import type { NetiksContext } from './context.js';
import { isNetiksError, NetiksError } from './errors.js';
import { abortSignal } from './http.js';
import { assetKey, checkContentType, checkFolder, checkName } from './names.js';

export interface ReceivedUpload {
  info: ObjectInfo;
  assetId: string;
  /** The `name` field, else the file part's filename, else `file`. */
  name: string;
  folder: string | null;
}

/** Form limits besides the file: a few small text fields. */
const LIMITS = { fields: 16, fieldSize: 64 * 1024, fieldNameSize: 100, parts: 24, headerPairs: 16 };

export function receiveMultipart(ctx: NetiksContext, req: Request, res: Response, tenant: Tenant, bucket: string): Promise<ReceivedUpload> {
  const max = ctx.options.maxFileSize;
  let parser: busboy.Busboy;
  try {
    // Browsers and curl send UTF-8 filenames raw (RFC 7578 §4.2); busboy would read them as Latin-1.
    parser = busboy({ headers: req.headers, defParamCharset: 'utf8', limits: { ...LIMITS, fileSize: max + 1 } });
  } catch (err) {
    throw new NetiksError('InvalidMultipart', `The multipart/form-data body cannot be read: ${(err as Error).message}`);
  }
  const controller = new AbortController();
  const clientGone = abortSignal(req, res);
  const signal = AbortSignal.any([controller.signal, clientGone]);

  return new Promise<ReceivedUpload>((resolve, reject) => {
    const fields: { name?: string; folder?: string | null } = {};
    let stored: Promise<{ info: ObjectInfo; assetId: string; filename: string }> | undefined;
    let failure: unknown;
    let settled = false;
    /**
     * The file part being stored, destroyed on failure so the core's read of it ends too (without an error: nobody
     * may be listening for one yet, and `failure` is what the client is told anyway).
     */
    let file: Readable | undefined;

    const settle = () => {
      if (settled) return;
      settled = true;
      req.unpipe(parser);
      const file = stored ?? Promise.reject(new NetiksError('MissingFile', 'The form has no file part named "file" (send it with a filename)'));
      file.then(
        async (f) => {
          if (failure === undefined) return resolve({ info: f.info, assetId: f.assetId, name: fields.name ?? f.filename, folder: fields.folder ?? null });
          await discardObject(ctx, tenant, f.info); // e.g. a bad field after the file: nothing stays
          reject(failure);
        },
        (err: unknown) => reject(failure ?? err),
      );
    };
    const fail = (err: unknown) => {
      if (failure !== undefined) return;
      failure = err;
      controller.abort(err);
      file?.destroy();
      settle();
    };
    clientGone.addEventListener('abort', () => fail(clientGone.reason), { once: true });

    parser.on('field', (name, value, info) => {
      if (info.nameTruncated || info.valueTruncated) return fail(new NetiksError('InvalidMultipart', `The form field "${name.slice(0, 64)}" is too long`));
      try {
        if (name === 'name') fields.name = checkName(value);
        else if (name === 'folder') fields.folder = checkFolder(value);
        else if (name === 'file') fail(new NetiksError('MissingFile', 'The form field "file" must be a file part (with a filename)'));
        // Other fields are ignored (README: "Mode 1").
      } catch (err) {
        fail(err);
      }
    });
    parser.on('file', (field, part, info) => {
      if (field !== 'file' || stored || failure !== undefined) {
        part.resume();
        return fail(new NetiksError('InvalidMultipart', 'Send exactly one file, in the form field "file"'));
      }
      file = part;
      part.once('limit', () => fail(tooLarge(max)));
      let filename = 'file';
      try {
        filename = checkName(info.filename ?? 'file', 'filename');
      } catch { /* a filename we cannot show: keep "file" */ }
      let contentType: string;
      try {
        contentType = checkContentType(info.mimeType);
      } catch {
        contentType = checkContentType(undefined);
      }
      const assetId = randomUUID();
      // The key uses what is known now: a `name` field sent before the file, else the filename.
      const key = assetKey(assetId, fields.name ?? filename);
      stored = ctx.storage.putObject(tenant, bucket, key, guard(part, max), { contentType, metadata: { 'netiks-asset-id': assetId }, signal })
        .then((stored) => ({ info: stored, assetId, filename }));
      stored.catch(fail);
    });
    for (const event of ['partsLimit', 'filesLimit', 'fieldsLimit'] as const) {
      parser.on(event, () => fail(new NetiksError('InvalidMultipart', `The form has too many parts (at most ${LIMITS.fields} fields and one file)`)));
    }
    parser.on('error', (err: Error) => fail(new NetiksError('InvalidMultipart', `The multipart/form-data body is malformed: ${err.message}`)));
    parser.on('close', settle);
    req.pipe(parser);
  });
}

/** The file part's bytes, failing past `max` (and on busboy's truncation); a broken form is InvalidMultipart. */
async function* guard(file: Readable, max: number): AsyncGenerator<Buffer> {
  let size = 0;
  try {
    for await (const chunk of file as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > max) throw tooLarge(max);
      yield chunk;
    }
  } catch (err) {
    if (isStorageError(err) || isNetiksError(err)) throw err;
    throw new NetiksError('InvalidMultipart', 'The multipart/form-data body ended before the file did');
  }
  if ((file as { truncated?: boolean }).truncated) throw tooLarge(max);
}

export function tooLarge(max: number): StorageError {
  return new StorageError('EntityTooLarge', `Files may be at most ${max} bytes`, { max });
}
