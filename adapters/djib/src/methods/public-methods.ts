/**
 * Public network (spec: shareFromDrive, lsPublic, savePublic). Publishing copies the drive file server-side (shared
 * blobs, no byte rewritten) into the tenant's public bucket, computes its real IPFS CID (core computeCid: what
 * `ipfs add` prints) from that copy and records it public in the core's ContentIndex, so the server's `/ipfs/<cid>`
 * gateway serves it. The copy does not follow later edits, moves, trash or destroyDrive of the drive file.
 */
import { createHash, randomUUID } from 'node:crypto';
import { computeCid, isStorageError, toCidV0, type ObjectInfo, type Tenant } from '@omnigate/core';
import { driveOf, positional, type CallContext, type DjibContext, type Method } from '../context.js';
import { DjibError } from '../errors.js';
import { join, parseName, parsePath } from '../paths.js';
import { djibDate } from '../views.js';

export function publicBucketOf(tenant: Tenant): string {
  return `djib-public-${createHash('sha256').update(tenant.id).digest('hex').slice(0, 40)}`;
}

async function ensurePublicBucket(ctx: DjibContext): Promise<string> {
  const name = publicBucketOf(ctx.options.tenant);
  try {
    await ctx.storage.createBucket(ctx.options.tenant, name);
  } catch (err) {
    if (!isStorageError(err) || err.code !== 'BucketAlreadyOwnedByYou') throw err;
  }
  return name;
}

async function shareFromDrive(ctx: DjibContext, params: unknown, call: CallContext) {
  const [token, path] = positional(params, 2);
  const p = parsePath(path);
  const drive = await driveOf(ctx, token);
  const info = await drive.headFile(p);
  if (!info) {
    if (await drive.isFolder(p)) throw new DjibError('InvalidPath', 'Only files can be shared on the public network');
    throw new DjibError('NotFound', `No such file: ${p.path}`);
  }
  const wallet = drive.wallet.publicKey;
  const existing = await ctx.store.publics.bySource(wallet, info.fileId);
  if (existing) return `${call.networkUrl}/${existing.cid}`;
  const bucket = await ensurePublicBucket(ctx);
  const copy = await ctx.storage.copyObject(ctx.options.tenant, { bucket: drive.wallet.bucket, key: p.key }, { bucket, key: `${drive.wallet.bucket}/${randomUUID()}` });
  // The CID is computed from the copy, so it names exactly the bytes the gateway will serve.
  const { body } = await ctx.storage.getObject(ctx.options.tenant, bucket, copy.key);
  const cid = await computeCid(body);
  await ctx.contentIndex.record(copy.fileId, ctx.options.tenant.id, cid, true);
  await ctx.store.publics.insert({
    wallet, cid, fileId: copy.fileId, sourceFileId: info.fileId, fileName: p.segments[p.segments.length - 1]!, size: copy.size,
    contentType: copy.contentType || 'application/octet-stream', drivePath: p.path, createdAt: ctx.options.now(),
  });
  return `${call.networkUrl}/${cid}`;
}

async function lsPublic(ctx: DjibContext, params: unknown, call: CallContext) {
  const [token, onlyServed] = positional(params, 1, 2);
  if (onlyServed !== undefined && onlyServed !== null && typeof onlyServed !== 'boolean') throw new DjibError('InvalidParams', 'Invalid params: the flag must be a boolean');
  const drive = await driveOf(ctx, token);
  const out = [];
  for (const row of await ctx.store.publics.byWallet(drive.wallet.publicKey)) {
    if (onlyServed === true && (await ctx.contentIndex.findPublic(row.cid)) === undefined) continue;
    out.push({
      cid: row.cid, link: `${call.networkUrl}/${row.cid}`, file_name: row.fileName, size_byte: row.size,
      content_type: row.contentType, drive_path: row.drivePath, created_at: djibDate(row.createdAt),
    });
  }
  return out;
}

/** Saves public files (by CID, any public file the gateway serves) into a drive folder. All checked before any write. */
async function savePublic(ctx: DjibContext, params: unknown) {
  const [token, cids, path] = positional(params, 3);
  if (!Array.isArray(cids) || cids.length === 0 || cids.length > 100) throw new DjibError('InvalidParams', 'Invalid params: an array of 1 to 100 CIDs is required');
  const dir = parsePath(path);
  const drive = await driveOf(ctx, token);
  await drive.requireFolder(dir);
  const plan: Array<{ info: ObjectInfo; target: ReturnType<typeof join> }> = [];
  for (const raw of cids) {
    const cid = typeof raw === 'string' ? toCidV0(raw) : undefined;
    if (!cid) throw new DjibError('InvalidParams', `Invalid params: ${JSON.stringify(raw)} is not an IPFS CID (CIDv0 or its CIDv1 dag-pb form)`);
    const fileId = await ctx.contentIndex.findPublic(cid);
    if (!fileId) throw new DjibError('NotFound', `No public file has the CID ${cid}`);
    const info = await ctx.storage.headObjectById(fileId);
    const name = (await ctx.store.publics.byCid(cid))?.fileName ?? info.key.split('/').pop() ?? cid;
    const target = join(dir, parseName(name || cid));
    if (plan.some((x) => x.target.path === target.path) || await drive.exists(target)) throw new DjibError('AlreadyExists', `${target.path} already exists`);
    plan.push({ info, target });
  }
  await ctx.writes.run(drive.wallet.publicKey, async () => {
    const size = plan.reduce((s, x) => s + x.info.size, 0);
    if ((await drive.usedBytes()) + size > ctx.options.driveSizeBytes) throw new DjibError('QuotaExceeded', 'Saving these files would exceed the drive size');
    await save(ctx, drive.wallet.bucket, plan);
  });
  return 'success';
}

async function save(ctx: DjibContext, bucket: string, plan: Array<{ info: ObjectInfo; target: ReturnType<typeof join> }>): Promise<void> {
  for (const { info, target } of plan) {
    if (info.tenantId === ctx.options.tenant.id) {
      await ctx.storage.copyObject(ctx.options.tenant, { bucket: info.bucket, key: info.key }, { bucket, key: target.key });
    } else {
      // Another tenant's public file (e.g. published through QS): its bytes are streamed in.
      const { body } = await ctx.storage.getObjectById(info.fileId);
      await ctx.storage.putObject(ctx.options.tenant, bucket, target.key, body, { size: info.size, contentType: info.contentType || undefined });
    }
  }
}

export const publicMethods: Record<string, Method> = { shareFromDrive, lsPublic, savePublic };
