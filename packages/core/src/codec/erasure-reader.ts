/**
 * Reads cipher byte ranges back from k + m fragments, and checks and repairs them.
 * Reads fetch only the data fragments a range touches, several stripes per read() call; every shard is checked
 * against its CRC, and a missing, unreadable or corrupt shard is rebuilt from parity. Never yields unchecked bytes,
 * unless the caller asks for that (`checkShards: false`) because it authenticates them itself.
 */
import { randomUUID } from 'node:crypto';
import { crc32 } from 'node:zlib';
import type { FragmentStore, FragmentWriter } from '../contracts/fragment-store.js';
import { StorageError } from '../errors.js';
import type { FragmentPlacement } from '../types.js';
import { ReedSolomonCodec } from './reed-solomon.js';
import {
  fragmentEnd, fragmentOffset, fragmentSize, SHARD_CRC_BYTES, shardLength, stripeCount, stripeDataSize, stripesForRange,
  validateLayout, type ErasureLayout,
} from './stripe-layout.js';

export type DamageReason = 'missing' | 'checksum' | 'error';

export interface ErasureBlob {
  fragments: FragmentPlacement[];
  cipherSize: number;
  layout: ErasureLayout;
}

export interface ErasureReadOptions {
  signal?: AbortSignal;
  /** Called for every shard found missing (no node, no fragment, truncated), corrupt or unreadable. */
  onDamage?: (shardIndex: number, stripe: number, reason: DamageReason) => void;
  /** Bytes fetched per batch across the k data fragments; default 4 MiB. */
  batchBytes?: number;
  /**
   * false: shards are not checked against their CRCs (missing or short ones are still rebuilt), for a caller that
   * authenticates every byte anyway and retries with checks on a failure. Default true.
   */
  checkShards?: boolean;
}

const DEFAULT_BATCH_BYTES = 4 * 1024 * 1024;

type Shard = Buffer | null;

class StripeSource {
  readonly k: number;
  readonly n: number;
  readonly codec: ReedSolomonCodec;
  readonly stripesPerBatch: number;

  constructor(readonly nodes: Map<string, FragmentStore>, readonly blob: ErasureBlob, readonly options: ErasureReadOptions) {
    validateLayout(blob.layout);
    this.k = blob.layout.dataShards;
    this.n = this.k + blob.layout.parityShards;
    if (blob.fragments.length !== this.n) {
      throw new StorageError('InvalidArgument', `blob has ${blob.fragments.length} fragments, layout needs ${this.n}`);
    }
    this.codec = new ReedSolomonCodec(this.k, blob.layout.parityShards);
    const perStripe = this.k * (blob.layout.shardSize + SHARD_CRC_BYTES);
    this.stripesPerBatch = Math.max(1, Math.floor((options.batchBytes ?? DEFAULT_BATCH_BYTES) / perStripe));
  }

  /** Fragment i's checked shards of stripes [a, b), with one read() call; null where damaged. */
  async fetch(i: number, a: number, b: number): Promise<Shard[]> {
    const { blob, options } = this;
    const out: Shard[] = new Array<Shard>(b - a).fill(null);
    const damage = (reason: DamageReason, from = a) => {
      for (let j = from; j < b; j++) options.onDamage?.(i, j, reason);
    };
    const placement = blob.fragments[i];
    const store = placement ? this.nodes.get(placement.node) : undefined;
    if (!placement || !store) return damage('missing'), out;
    const start = fragmentOffset(a, blob.layout);
    let buf: Buffer;
    try {
      buf = await store.read(placement.name, start, fragmentEnd(b, blob.cipherSize, blob.layout) - start, { signal: options.signal });
    } catch (err) {
      throwIfAborted(options.signal);
      return damage((err as { code?: unknown }).code === 'NoSuchKey' ? 'missing' : 'error'), out;
    }
    let pos = 0;
    for (let j = a; j < b; j++) {
      const len = shardLength(j, blob.cipherSize, blob.layout);
      if (pos + len + SHARD_CRC_BYTES > buf.length) return damage('missing', j), out;
      const shard = buf.subarray(pos, pos + len);
      if (options.checkShards === false || crc32(shard) === buf.readUInt32BE(pos + len)) out[j - a] = shard;
      else options.onDamage?.(i, j, 'checksum');
      pos += len + SHARD_CRC_BYTES;
    }
    return out;
  }

  /**
   * Shards of stripes [a, b) with at least the `want` indices of every stripe filled in: read directly when their
   * CRC is good, else rebuilt after fetching more fragments (data first, then parity) for the stripes that need it.
   */
  async load(a: number, b: number, want: number[]): Promise<Shard[][]> {
    throwIfAborted(this.options.signal);
    const rows: Shard[][] = Array.from({ length: b - a }, () => new Array<Shard>(this.n).fill(null));
    const tried = new Set<number>();
    const fetchInto = (indices: number[], from: number, to: number) => Promise.all(indices.map(async (i) => {
      tried.add(i);
      (await this.fetch(i, from, to)).forEach((shard, t) => (rows[from - a + t]![i] = shard));
    }));
    await fetchInto(want, a, b);
    const incomplete = (row: Shard[]) => want.some((i) => !row[i]);
    for (;;) {
      let lo = -1;
      let hi = -1;
      let fewest = this.n;
      rows.forEach((row, t) => {
        const good = row.filter(Boolean).length;
        if (!incomplete(row) || good >= this.k) return;
        if (lo < 0) lo = t;
        hi = t;
        fewest = Math.min(fewest, good);
      });
      if (lo < 0) break;
      const more = [...Array(this.n).keys()].filter((i) => !tried.has(i)).slice(0, this.k - fewest);
      if (more.length === 0) {
        throw new StorageError('InsufficientNodes', `object data unavailable: only ${fewest} of the ${this.n} fragments are `
          + `readable for stripe ${a + lo}, ${this.k} needed`, { stripe: a + lo, readable: fewest, needed: this.k });
      }
      await fetchInto(more, a + lo, a + hi + 1);
    }
    for (let t = 0; t < rows.length; t++) {
      if (incomplete(rows[t]!)) rows[t] = await this.codec.reconstruct(rows[t]!, shardLength(a + t, this.blob.cipherSize, this.blob.layout));
    }
    return rows;
  }
}

/** Yields exactly the cipher bytes [cipherStart, cipherEnd) of a blob (views into read buffers, not copies). */
export async function* readErasureRange(nodes: Map<string, FragmentStore>, blob: ErasureBlob, cipherStart: number,
  cipherEnd: number, options: ErasureReadOptions = {}): AsyncGenerator<Buffer> {
  const src = new StripeSource(nodes, blob, options);
  const { layout, cipherSize } = blob;
  const { first, end } = stripesForRange(cipherStart, cipherEnd, cipherSize, layout);
  const d = stripeDataSize(layout);
  const L = (j: number) => shardLength(j, cipherSize, layout);
  // Cipher bytes of data shard i of stripe j, clipped to the range.
  const clip = (j: number, i: number) => {
    const at = j * d + i * L(j);
    return [Math.max(at, cipherStart) - at, Math.min(at + L(j), cipherEnd, cipherSize) - at] as const;
  };
  const loadBatch = (a: number) => {
    const b = Math.min(end, a + src.stripesPerBatch);
    const want: number[] = [];
    for (let i = 0; i < src.k; i++) {
      for (let j = a; j < b; j++) {
        const [lo, hi] = clip(j, i);
        if (lo < hi) {
          want.push(i);
          break;
        }
      }
    }
    const rows = src.load(a, b, want);
    rows.catch(() => undefined); // it may be abandoned when the consumer stops early
    return rows;
  };
  let next = first < end ? loadBatch(first) : null;
  for (let a = first; next; a += src.stripesPerBatch) {
    const rows = await next;
    // Read ahead one batch while the consumer works on this one.
    next = a + src.stripesPerBatch < end ? loadBatch(a + src.stripesPerBatch) : null;
    for (let t = 0; t < rows.length; t++) {
      for (let i = 0; i < src.k; i++) {
        const [lo, hi] = clip(a + t, i);
        if (lo < hi) yield rows[t]![i]!.subarray(lo, hi);
      }
    }
  }
}

export interface FragmentCheck {
  index: number;
  placement: FragmentPlacement;
  status: 'ok' | 'missing' | 'damaged';
  /** Stripes whose shard is missing, corrupt or unreadable. */
  badStripes: number[];
}

/** Reads every fragment of a blob in full (bounded batches) and checks size and every shard's CRC. */
export async function inspectBlobFragments(nodes: Map<string, FragmentStore>, blob: ErasureBlob,
  options: { signal?: AbortSignal } = {}): Promise<FragmentCheck[]> {
  const stripes = stripeCount(blob.cipherSize, blob.layout);
  const checks = blob.fragments.map((placement, index): FragmentCheck => ({ index, placement, status: 'ok', badStripes: [] }));
  const src = new StripeSource(nodes, blob, {
    signal: options.signal,
    onDamage: (i, j) => {
      checks[i]!.badStripes.push(j);
      checks[i]!.status = 'damaged';
    },
  });
  await Promise.all(checks.map(async (check) => {
    const store = check.placement && nodes.get(check.placement.node);
    const info = check.placement && store ? await store.stat(check.placement.name).catch(() => undefined) : undefined;
    if (!info) {
      check.status = 'missing';
      check.badStripes = [...Array(stripes).keys()];
      return;
    }
    if (info.size !== fragmentSize(blob.cipherSize, blob.layout)) check.status = 'damaged';
    for (let a = 0; a < stripes; a += src.stripesPerBatch) {
      await src.fetch(check.index, a, Math.min(stripes, a + src.stripesPerBatch));
    }
  }));
  return checks;
}

export interface RepairOptions {
  /** Names for rebuilt fragments by shard index; default crypto.randomUUID(). */
  targetNames?: (string | undefined)[];
  /** Node for a shard whose own node is unknown or unhealthy; `used` holds the nodes of the other fragments. */
  pickNode?: (shardIndex: number, used: ReadonlySet<string>) => FragmentStore | undefined | Promise<FragmentStore | undefined>;
  /** Delete replaced fragments once their replacement is committed (default true). Pass false to delete them
   * yourself after recording the new placement, which is the crash-safe order. */
  deleteOld?: boolean;
  /** A previous inspectBlobFragments() result, to avoid reading everything twice. */
  checks?: FragmentCheck[];
  signal?: AbortSignal;
}

export interface RepairResult {
  /** The placement to record: rebuilt shards under their new names, unplaced ones null, the rest unchanged. */
  fragments: FragmentPlacement[];
  /** Shard indexes rebuilt and committed. */
  rebuilt: number[];
  /** Shards that could not be rebuilt because no healthy node took them (their placement became null). */
  unplaced: number[];
  /** Shards whose rebuild failed while writing (their old placement is kept). */
  failed: number[];
  /** Fragments superseded by this repair (deleted unless deleteOld is false). */
  replaced: { node: string; name: string }[];
  /** Fewer than k good shards of some stripe: nothing was changed. */
  unrecoverable: boolean;
}

/** Rebuilds every missing or damaged fragment under a new name, stripe by stripe, from the good ones. */
export async function repairBlob(nodes: Map<string, FragmentStore>, blob: ErasureBlob, options: RepairOptions = {}): Promise<RepairResult> {
  const checks = options.checks ?? await inspectBlobFragments(nodes, blob, { signal: options.signal });
  const bad = checks.filter((c) => c.status !== 'ok').map((c) => c.index);
  const fragments = [...blob.fragments];
  const report: RepairResult = { fragments, rebuilt: [], unplaced: [], failed: [], replaced: [], unrecoverable: false };
  if (bad.length === 0) return report;
  const used = new Set(blob.fragments.flatMap((p) => (p ? [p.node] : [])));
  const targets = new Map<number, { store: FragmentStore; name: string; writer: FragmentWriter | null }>();
  for (const i of bad) {
    const own = blob.fragments[i] ? nodes.get(blob.fragments[i]!.node) : undefined;
    const store = own && (await own.health().catch(() => ({ healthy: false }))).healthy ? own : await options.pickNode?.(i, used);
    if (!store) continue;
    used.add(store.id);
    const name = options.targetNames?.[i] ?? randomUUID();
    const writer = await store.create(name, { signal: options.signal }).catch(() => null);
    targets.set(i, { store, name, writer });
  }
  const src = new StripeSource(nodes, blob, { signal: options.signal });
  const stripes = stripeCount(blob.cipherSize, blob.layout);
  try {
    for (let a = 0; a < stripes; a += src.stripesPerBatch) {
      const rows = await src.load(a, Math.min(stripes, a + src.stripesPerBatch), bad);
      await Promise.all([...targets].map(async ([i, t]) => {
        for (const row of rows) {
          if (!t.writer) return;
          const shard = row[i]!;
          const crc = Buffer.allocUnsafe(SHARD_CRC_BYTES);
          crc.writeUInt32BE(crc32(shard));
          await Promise.all([t.writer.write(shard), t.writer.write(crc)]).catch(() => abortTarget(t));
        }
      }));
    }
  } catch (err) {
    await Promise.all([...targets.values()].map((t) => abortTarget(t)));
    if ((err as { code?: unknown }).code !== 'InsufficientNodes') throw err;
    return { ...report, unrecoverable: true };
  }
  for (const i of bad) {
    const t = targets.get(i);
    const old = blob.fragments[i] ?? null;
    const committed = t?.writer ? await t.writer.commit().then(() => true, () => false) : false;
    if (t && !committed) {
      report.failed.push(i);
      continue;
    }
    fragments[i] = t ? { node: t.store.id, name: t.name } : null;
    (t ? report.rebuilt : report.unplaced).push(i);
    if (!old) continue;
    report.replaced.push(old);
    if (t && options.deleteOld !== false) await nodes.get(old.node)?.delete(old.name).catch(() => undefined);
  }
  return report;
}

async function abortTarget(t: { writer: FragmentWriter | null }): Promise<void> {
  const w = t.writer;
  t.writer = null;
  await w?.abort().catch(() => undefined);
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new StorageError('RequestAborted', 'read aborted', undefined, { cause: signal.reason });
}
