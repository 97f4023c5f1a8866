/**
 * Streams ciphertext into k + m fragments (layout in stripe-layout.ts). Incoming bytes are copied once into a stripe
 * buffer; each full stripe is Reed-Solomon encoded in the threadpool while the previous one is being written, so at
 * most MAX_IN_FLIGHT stripes plus the one being filled are held in memory.
 * A node whose create, write or commit fails is dropped (null placement) as long as `minFragments` remain.
 */
import { Writable } from 'node:stream';
import { crc32 } from 'node:zlib';
import type { FragmentStore, FragmentWriter } from '../contracts/fragment-store.js';
import { StorageError } from '../errors.js';
import type { FragmentPlacement } from '../types.js';
import { ReedSolomonCodec } from './reed-solomon.js';
import { fragmentSize, roundUp8, SHARD_CRC_BYTES, validateLayout, type ErasureLayout } from './stripe-layout.js';

const MAX_IN_FLIGHT = 2;

export interface ErasureWriterOptions {
  /** k + m fragment names (random UUIDs chosen by the caller); node i receives fragment names[i]. */
  names: string[];
  /** Fewest fragments that must be committed for the write to succeed; default k + m. */
  minFragments?: number;
  signal?: AbortSignal;
}

export interface ErasureWriteResult {
  /** Placement of every shard index; null where that node failed. */
  fragments: FragmentPlacement[];
  cipherSize: number;
}

interface Sink {
  store: FragmentStore;
  name: string;
  writer: FragmentWriter | null;
  committed: boolean;
  /** Writes of this fragment's previous stripe; never rejects. */
  tail: Promise<void>;
}

/** One stripe's memory: data shards, then parity shards (at k × shardSize), then one CRC per shard. */
interface Slot {
  buf: Buffer;
  crc: Buffer;
}

export class ErasureWriter {
  private readonly k: number;
  private readonly m: number;
  private readonly shardSize: number;
  private readonly codec: ReedSolomonCodec;
  private readonly free: Slot[] = [];
  private readonly inflight = new Set<Promise<void>>();
  private slots = 0;
  private cur: Slot | null = null;
  private fill = 0;
  private size = 0;
  private failure: StorageError | null = null;
  private serial: Promise<void> = Promise.resolve();
  private finishing: Promise<ErasureWriteResult> | null = null;
  private committing: Promise<unknown> | null = null;
  private aborting: Promise<void> | null = null;
  private readonly dropped: Promise<unknown>[] = [];
  private readonly onAbort = () => {
    this.fail(new StorageError('RequestAborted', 'upload aborted', undefined, { cause: this.signal?.reason }));
  };

  private constructor(private readonly layout: ErasureLayout, private readonly sinks: Sink[],
    private readonly minFragments: number, private readonly signal: AbortSignal | undefined) {
    this.k = layout.dataShards;
    this.m = layout.parityShards;
    this.shardSize = layout.shardSize;
    this.codec = new ReedSolomonCodec(this.k, this.m);
    signal?.addEventListener('abort', this.onAbort, { once: true });
  }

  static async open(nodes: FragmentStore[], layout: ErasureLayout, options: ErasureWriterOptions): Promise<ErasureWriter> {
    validateLayout(layout);
    const n = layout.dataShards + layout.parityShards;
    const min = options.minFragments ?? n;
    if (nodes.length !== n || options.names.length !== n || !Number.isInteger(min) || min < layout.dataShards || min > n) {
      throw new StorageError('InvalidArgument', `an erasure write needs ${n} nodes and names, and minFragments in ${layout.dataShards}..${n}`);
    }
    const { signal } = options;
    // Parity fragments are read only to rebuild a data shard: stores may keep them out of their caches.
    const created = await Promise.allSettled(nodes.map(async (store, i) => store.create(options.names[i]!, { signal, cold: i >= layout.dataShards })));
    const sinks: Sink[] = created.map((r, i) => ({
      store: nodes[i]!, name: options.names[i]!, writer: r.status === 'fulfilled' ? r.value : null,
      committed: false, tail: Promise.resolve(),
    }));
    const writer = new ErasureWriter(layout, sinks, min, signal);
    if (signal?.aborted) writer.onAbort();
    else writer.checkAlive();
    if (writer.failure) {
      await writer.abort();
      throw writer.failure;
    }
    return writer;
  }

  /** Bytes accepted so far. */
  get cipherSize(): number {
    return this.size;
  }

  /** Accepts ciphertext of any chunk size; resolves once it is buffered (waits while too many stripes are in flight). */
  write(chunk: Uint8Array): Promise<void> {
    const run = this.serial.then(() => this.append(chunk));
    this.serial = run.catch(() => undefined);
    return run;
  }

  /** Flushes the last stripe and commits every fragment. Idempotent: later calls return the same result. */
  finish(): Promise<ErasureWriteResult> {
    this.finishing ??= this.doFinish();
    return this.finishing;
  }

  /** Removes everything written, committed fragments included (e.g. when the metadata commit failed). Idempotent. */
  abort(): Promise<void> {
    this.failure ??= new StorageError('RequestAborted', 'erasure write aborted');
    this.aborting ??= (async () => {
      this.signal?.removeEventListener('abort', this.onAbort);
      await this.serial;
      await Promise.all([...this.inflight]);
      await this.committing?.catch(() => undefined);
      await Promise.all(this.sinks.map(async (sink) => {
        await sink.tail;
        const w = sink.writer;
        sink.writer = null;
        if (sink.committed) await sink.store.delete(sink.name).catch(() => undefined);
        else await w?.abort().catch(() => undefined);
      }));
      await Promise.all(this.dropped);
    })();
    return this.aborting;
  }

  /** A Writable over this writer: `pipeline(source, seal, writer.toWritable())`, then `await writer.finish()`. */
  toWritable(): Writable {
    return new Writable({
      write: (chunk: Buffer, _encoding, cb) => void this.write(chunk).then(() => cb(), cb),
      final: (cb) => void this.finish().then(() => cb(), cb),
      destroy: (err, cb) => {
        if (err || !this.finishing) void this.abort().then(() => cb(err), () => cb(err));
        else cb(null);
      },
    });
  }

  private async append(chunk: Uint8Array): Promise<void> {
    if (this.finishing) throw new Error('ErasureWriter.write() after finish()');
    const stripeBytes = this.k * this.shardSize;
    let off = 0;
    while (off < chunk.length) {
      if (this.failure) throw this.failure;
      this.cur ??= await this.acquire();
      const n = Math.min(chunk.length - off, stripeBytes - this.fill);
      this.cur.buf.set(chunk.subarray(off, off + n), this.fill);
      this.fill += n;
      this.size += n;
      off += n;
      if (this.fill === stripeBytes) this.submit(this.shardSize);
    }
    if (this.failure) throw this.failure;
  }

  private async acquire(): Promise<Slot> {
    while (this.free.length === 0 && this.slots >= MAX_IN_FLIGHT + 1) await Promise.race(this.inflight);
    if (this.failure) throw this.failure;
    const free = this.free.pop();
    if (free) return free;
    this.slots++;
    const n = this.k + this.m;
    return { buf: Buffer.allocUnsafe(n * this.shardSize), crc: Buffer.allocUnsafe(n * SHARD_CRC_BYTES) };
  }

  /** Encodes the current stripe with shards of `len` bytes and queues its writes behind the previous stripe's. */
  private submit(len: number): void {
    const slot = this.cur!;
    this.cur = null;
    this.fill = 0;
    const { k, m } = this;
    const parityAt = k * this.shardSize;
    const encoded = this.codec.encodeParity(slot.buf.subarray(0, k * len), slot.buf.subarray(parityAt, parityAt + m * len), len)
      .then(() => {
        for (let i = 0; i < k + m; i++) slot.crc.writeUInt32BE(crc32(this.shard(slot, i, len)), i * SHARD_CRC_BYTES);
        return true;
      }, (err: unknown) => {
        this.fail(new StorageError('InternalError', 'erasure encoding failed', undefined, { cause: err }));
        return false;
      });
    const writes = this.sinks.map((sink, i) => (sink.tail = sink.tail.then(async () => {
      if (!(await encoded) || !sink.writer || this.failure) return;
      const crc = slot.crc.subarray(i * SHARD_CRC_BYTES, (i + 1) * SHARD_CRC_BYTES);
      // Issued together so the store can send shard and checksum in one write call.
      await Promise.all([sink.writer.write(this.shard(slot, i, len)), sink.writer.write(crc)])
        .catch((err: unknown) => this.drop(sink, err));
    })));
    const done: Promise<void> = Promise.all(writes).then(() => {
      this.free.push(slot);
      this.inflight.delete(done);
    });
    this.inflight.add(done);
  }

  private shard(slot: Slot, i: number, len: number): Buffer {
    const at = i < this.k ? i * len : this.k * this.shardSize + (i - this.k) * len;
    return slot.buf.subarray(at, at + len);
  }

  private async doFinish(): Promise<ErasureWriteResult> {
    try {
      await this.serial;
      if (this.failure) throw this.failure;
      if (this.fill > 0) {
        // Short last stripe: k shards of roundUp8(ceil(fill / k)) bytes, zero-padded.
        const len = roundUp8(Math.ceil(this.fill / this.k));
        this.cur!.buf.fill(0, this.fill, this.k * len);
        this.submit(len);
      }
      await Promise.all([...this.inflight]);
      if (this.failure) throw this.failure;
      const expected = fragmentSize(this.size, this.layout);
      this.committing = Promise.all(this.sinks.map(async (sink) => {
        if (!sink.writer) return;
        try {
          const { size } = await sink.writer.commit();
          sink.committed = true;
          if (size !== expected) throw new Error(`fragment committed with ${size} bytes, expected ${expected}`);
        } catch (err) {
          this.drop(sink, err);
        }
      }));
      await this.committing;
      if (this.failure) throw this.failure;
      this.signal?.removeEventListener('abort', this.onAbort);
      const fragments = this.sinks.map((s) => (s.committed ? { node: s.store.id, name: s.name } : null));
      return { fragments, cipherSize: this.size };
    } catch (err) {
      this.failure ??= err instanceof StorageError ? err : new StorageError('InternalError', 'erasure write failed', undefined, { cause: err });
      await this.abort();
      throw this.failure;
    }
  }

  /** Gives up on one node: its partial fragment is removed in the background. */
  private drop(sink: Sink, _err: unknown): void {
    const w = sink.writer;
    sink.writer = null;
    if (sink.committed) {
      sink.committed = false;
      this.dropped.push(sink.store.delete(sink.name).catch(() => undefined));
    } else if (w) this.dropped.push(w.abort().catch(() => undefined));
    this.checkAlive();
  }

  private checkAlive(): void {
    const alive = this.sinks.filter((s) => s.writer || s.committed).length;
    if (alive < this.minFragments) {
      this.fail(new StorageError('InsufficientNodes', `only ${alive} of ${this.sinks.length} fragment nodes accepted the `
        + `write, ${this.minFragments} required`, { alive, required: this.minFragments }));
    }
  }

  /** The first failure wins and starts the clean-up at once; write() and finish() then reject with it. */
  private fail(err: StorageError): void {
    if (this.failure) return;
    this.failure = err;
    void this.abort();
  }
}
