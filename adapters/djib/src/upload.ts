/**
 * POST /upload?path=<drive folder> (spec: "Upload file(s)"): multipart/form-data with one or more files, each
 * streamed by busboy into storage.putObject at `<folder>/<filename>` (a re-upload supersedes). Token: see tokenOf.
 * Quota: the wallet's drive (trash included) may hold `driveSizeBytes`; a request whose Content-Length would exceed
 * it is refused before any byte is stored, and otherwise the file crossing the limit fails before it commits. A
 * wallet's uploads run one after another (quota.ts), so two at once cannot both pass the check.
 * Result: `{ "result": [<link>, …] }`, one download link per file (public `<origin>/ipfs/<cid>` links come from shareFromDrive).
 */
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import busboy from 'busboy';
import type { Request, Response } from 'express';
import { driveOf, type DjibContext } from './context.js';
import type { Drive } from './drive.js';
import { DjibError } from './errors.js';
import { abortSignal, sendJson, tokenOf } from './http.js';
import { join, parseName, parsePath, type DrivePath } from './paths.js';

export function linkBase(ctx: DjibContext, req: Request): string {
  return ctx.options.publicBaseUrl ?? `${req.protocol}://${req.get('host')}${req.baseUrl}`;
}

export function downloadLink(ctx: DjibContext, req: Request, p: DrivePath): string {
  return `${linkBase(ctx, req)}/download?path=${encodeURIComponent(p.path)}`;
}

export async function upload(ctx: DjibContext, req: Request, res: Response): Promise<void> {
  const drive = await driveOf(ctx, tokenOf(req));
  const dir = parsePath(typeof req.query.path === 'string' ? req.query.path : '/');
  if (!/^multipart\/form-data/i.test(req.get('content-type') ?? '')) throw new DjibError('BadRequest', 'The upload must be multipart/form-data');
  await drive.requireFolder(dir);
  await ctx.writes.run(drive.wallet.publicKey, () => receive(ctx, req, res, drive, dir));
}

async function receive(ctx: DjibContext, req: Request, res: Response, drive: Drive, dir: DrivePath): Promise<void> {
  const total = ctx.options.driveSizeBytes;
  const used = await drive.usedBytes();
  const declared = Number(req.get('content-length'));
  if (Number.isFinite(declared) && used + declared > total) throw new DjibError('QuotaExceeded', 'The upload exceeds the drive size');

  const signal = abortSignal(req, res);
  // Browsers and undici send UTF-8 file names raw; busboy would read them as latin1.
  const bb = busboy({ headers: req.headers, defParamCharset: 'utf8', limits: { files: 100, fields: 20, fieldSize: 4096 } });
  const links: string[] = [];
  let received = 0;
  let failed = false;
  let chain = Promise.resolve();
  await new Promise<void>((resolve, reject) => {
    const fail = (err: unknown) => {
      if (failed) return;
      failed = true;
      req.unpipe(bb);
      reject(err);
    };
    bb.on('file', (_field, stream, info) => {
      chain = chain.then(async () => {
        if (failed) return void stream.resume();
        const target = join(dir, parseName(info.filename));
        if (await drive.isFolder(target)) throw new DjibError('AlreadyExists', `${target.path} is a folder`);
        const counter = new Transform({
          transform(chunk: Buffer, _enc, cb) {
            received += chunk.length;
            if (used + received > total) cb(new DjibError('QuotaExceeded', 'The upload exceeds the drive size'));
            else cb(null, chunk);
          },
        });
        const piping = pipeline(stream, counter).catch(() => {});
        await ctx.storage.putObject(ctx.options.tenant, drive.wallet.bucket, target.key, counter, {
          contentType: info.mimeType && info.mimeType !== 'application/octet-stream' ? info.mimeType : undefined, signal,
        });
        await piping;
        links.push(downloadLink(ctx, req, target));
      }).catch((err) => {
        stream.resume();
        fail(err);
      });
    });
    bb.on('error', fail);
    bb.on('filesLimit', () => fail(new DjibError('BadRequest', 'At most 100 files per upload')));
    bb.on('fieldsLimit', () => fail(new DjibError('BadRequest', 'Too many form fields')));
    bb.on('close', () => { chain.then(() => (failed ? undefined : resolve())); });
    req.pipe(bb);
  });
  if (links.length === 0) throw new DjibError('InvalidParams', 'The upload holds no file');
  sendJson(res, 200, { result: links });
}
