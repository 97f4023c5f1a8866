import type { FragmentStore } from '../contracts/fragment-store.js';
import type { StorageContext } from './context.js';
import { repairBlob } from '../codec/erasure-reader.js';
import { layoutOf } from './blob-io.js';

export interface SweepReport {
  incompleteFiles: number;
  abandonedBlobs: number;
  orphanFragments: number;
  expiredUploads: number;
}

export interface RepairReport {
  blobsChecked: number;
  blobsRepaired: number;
  fragmentsRebuilt: number;
  unrecoverable: string[];
  /** Objects written while a node was down (`distributed`) that now have every fragment again (`safe`). */
  objectsMadeSafe: number;
}

/**
 * What keeps the store whole without a client asking: the start-up sweep (crash leftovers), upload expiry and
 * `omnigate repair` (rebuild lost or corrupt fragments from the surviving ones).
 */
export class MaintenanceService {
  constructor(private readonly ctx: StorageContext) {}

  /**
   * Removes what interrupted writes left: temp files, blobs still `pending` (their object row never committed, so no
   * client ever saw them) or stuck `deleting`, and fragment files that no blob row names.
   */
  async sweep(options: { uploadsOlderThanMs?: number } = {}): Promise<SweepReport> {
    const { metadata, options: opts } = this.ctx;
    const cutoff = new Date(Date.now() - opts.orphanGraceMs);
    const report: SweepReport = { incompleteFiles: 0, abandonedBlobs: 0, orphanFragments: 0, expiredUploads: 0 };
    for (const node of opts.nodes) report.incompleteFiles += await node.removeIncomplete(cutoff).catch(() => 0);
    for (;;) {
      const blobs = await metadata.listAbandonedBlobs(cutoff, 500);
      if (blobs.length === 0) break;
      await this.ctx.blobs.release(blobs);
      report.abandonedBlobs += blobs.length;
      if (blobs.length < 500) break;
    }
    for (const node of opts.nodes) {
      // List first, then load the names: a fragment created after the listing is not a candidate, and one listed
      // before has its blob row already (rows are inserted before the first fragment byte).
      const candidates: string[] = [];
      try {
        for await (const f of node.list()) if (f.modifiedAt < cutoff) candidates.push(f.name);
      } catch {
        continue; // an unreachable node is repair's business, not the sweep's
      }
      if (candidates.length === 0) continue;
      const known = new Set<string>();
      for await (const name of metadata.listFragmentNames(node.id)) known.add(name);
      for (const name of candidates) {
        if (known.has(name)) continue;
        await node.delete(name).catch(() => {});
        report.orphanFragments++;
      }
    }
    if (options.uploadsOlderThanMs !== undefined) report.expiredUploads = await this.expireUploads(options.uploadsOlderThanMs);
    if (report.abandonedBlobs + report.orphanFragments + report.incompleteFiles > 0) opts.logger.info({ ...report }, 'sweep removed crash leftovers');
    return report;
  }

  /** Aborts multipart uploads older than `olderThanMs` and frees their parts. */
  async expireUploads(olderThanMs: number): Promise<number> {
    let count = 0;
    for (;;) {
      const uploads = await this.ctx.metadata.listExpiredUploads(new Date(Date.now() - olderThanMs), 100);
      for (const upload of uploads) {
        const { released } = await this.ctx.metadata.deleteUpload(upload.uploadId);
        await this.ctx.blobs.release(released);
        count++;
      }
      if (uploads.length < 100) return count;
    }
  }

  /** Checks every committed blob's fragments and rebuilds missing or corrupt ones from the healthy rest. */
  async repair(options: { signal?: AbortSignal; onProgress?: (report: RepairReport) => void } = {}): Promise<RepairReport> {
    const { metadata } = this.ctx;
    const report: RepairReport = { blobsChecked: 0, blobsRepaired: 0, fragmentsRebuilt: 0, unrecoverable: [], objectsMadeSafe: 0 };
    let afterId: string | undefined;
    for (;;) {
      options.signal?.throwIfAborted();
      const blobs = await metadata.listBlobs({ afterId, limit: 200, states: ['committed'] });
      for (const blob of blobs) {
        options.signal?.throwIfAborted();
        report.blobsChecked++;
        if (blob.inline) continue; // kept in its metadata row: nothing on the nodes to heal
        const nodes = this.ctx.blobs.nodes as Map<string, FragmentStore>;
        // deleteOld: false — record the new placement first, then delete what it replaced (crash-safe order).
        const result = await repairBlob(nodes, { fragments: blob.fragments, cipherSize: blob.cipherSize, layout: layoutOf(blob) }, {
          signal: options.signal, deleteOld: false, pickNode: (_i, used) => this.spareNode(used),
        });
        if (result.unrecoverable) report.unrecoverable.push(blob.id);
        if (result.rebuilt.length > 0 || result.unplaced.length > 0) {
          await metadata.updateBlobPlacement(blob.id, result.fragments);
          for (const old of result.replaced) await nodes.get(old.node)?.delete(old.name).catch(() => {});
          report.blobsRepaired++;
          report.fragmentsRebuilt += result.rebuilt.length;
        }
      }
      options.onProgress?.(report);
      if (blobs.length < 200) break;
      afterId = blobs.at(-1)!.id;
    }
    report.objectsMadeSafe = await this.promoteSafeObjects(options.signal);
    if (report.blobsRepaired > 0 || report.unrecoverable.length > 0) this.ctx.options.logger.warn({ ...report, unrecoverable: report.unrecoverable.length }, 'repair finished');
    return report;
  }

  /** Marks `safe` (with the time) every `distributed` object whose extents all have every fragment placed again. */
  private async promoteSafeObjects(signal?: AbortSignal): Promise<number> {
    const { metadata } = this.ctx;
    let promoted = 0;
    let afterFileId: string | undefined;
    for (;;) {
      signal?.throwIfAborted();
      const rows = await metadata.listObjectsInPhase('distributed', { afterFileId, limit: 200 });
      for (const row of rows) {
        const { phase, safeAt } = await this.ctx.phaseOf(row.extents);
        if (phase !== 'safe') continue;
        await metadata.updateObjectPhase(row.fileId, 'safe', safeAt);
        promoted++;
      }
      if (rows.length < 200) return promoted;
      afterFileId = rows.at(-1)!.fileId;
    }
  }

  /** A healthy node that holds no other fragment of the blob, for a shard whose own node is down. */
  private async spareNode(used: ReadonlySet<string>): Promise<FragmentStore | undefined> {
    for (const node of this.ctx.options.nodes) {
      if (used.has(node.id)) continue;
      if ((await node.health().catch(() => ({ healthy: false }))).healthy) return node;
    }
    return undefined;
  }
}
