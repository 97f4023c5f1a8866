import type { FileHandle } from 'node:fs/promises';
import { alignedBlocks, alignUp } from './aligned-blocks.js';
import type { FileSink } from './file-sink.js';

/**
 * Blocks one file may hold: one being filled while up to two are written, which keeps the disk as busy as buffered
 * writes are while the copy into the next block goes on.
 */
const MAX_BLOCKS_PER_FILE = 3;

/**
 * Writes an O_DIRECT file, bypassing the page cache (whose first-touch copies cost more CPU than the rest of a PUT).
 * Chunks are copied into aligned blocks, each written whole at an aligned offset once full; commit writes the last
 * one zero-padded to the alignment and truncates the file back to its true size. A failed block write becomes the
 * sink's error: later appends and finish() fail with it.
 */
export class DirectFileSink implements FileSink {
  error: unknown = null;
  private cur: Uint8Array | null;
  private fill = 0;
  /** File offset of `cur`; always aligned. */
  private position = 0;
  private owned = 1;
  private readonly spare: Uint8Array[] = [];
  private readonly inflight = new Set<Promise<void>>();

  /** `first` is an aligned block from alignedBlocks that the sink now owns. */
  constructor(private readonly fh: FileHandle, first: Uint8Array) {
    this.cur = first;
  }

  async append(chunks: Uint8Array[]): Promise<void> {
    for (const chunk of chunks) {
      for (let off = 0; off < chunk.length;) {
        if (this.error) throw this.error;
        this.cur ??= await this.nextBlock();
        const n = Math.min(chunk.length - off, this.cur.length - this.fill);
        this.cur.set(chunk.subarray(off, off + n), this.fill);
        this.fill += n;
        off += n;
        if (this.fill === this.cur.length) this.submit(this.fill);
      }
    }
    if (this.error) throw this.error;
  }

  async finish(): Promise<number> {
    try {
      const size = this.position + this.fill;
      if (this.fill > 0 && !this.error) {
        const padded = alignUp(this.fill);
        this.cur!.fill(0, this.fill, padded);
        this.submit(padded);
      }
      await Promise.all(this.inflight);
      if (this.error) throw this.error;
      if (this.position !== size) await this.fh.truncate(size);
      return size;
    } finally {
      await this.settle();
    }
  }

  async settle(): Promise<void> {
    while (this.inflight.size > 0) await Promise.all(this.inflight);
    for (const block of this.spare.splice(0)) alignedBlocks.release(block);
    if (this.cur) alignedBlocks.release(this.cur);
    this.cur = null;
    this.owned = 0;
  }

  /** Writes the first `len` bytes of `cur` at its offset in the background and moves on to a new block. */
  private submit(len: number): void {
    const block = this.cur!;
    const at = this.position;
    this.cur = null;
    this.fill = 0;
    this.position += len;
    const done: Promise<void> = writeFully(this.fh, block.subarray(0, len), at)
      .catch((err: unknown) => { this.error ??= err; })
      .then(() => {
        this.inflight.delete(done);
        this.spare.push(block);
      });
    this.inflight.add(done);
  }

  private async nextBlock(): Promise<Uint8Array> {
    for (;;) {
      const spare = this.spare.pop();
      if (spare) return spare;
      if (this.owned < MAX_BLOCKS_PER_FILE) {
        const block = alignedBlocks.tryAcquire();
        if (block) {
          this.owned++;
          return block;
        }
      }
      // Every block is being written (or the pool is at its limit): wait for one to come back.
      await Promise.race(this.inflight);
    }
  }
}

async function writeFully(fh: FileHandle, data: Uint8Array, position: number): Promise<void> {
  for (let done = 0; done < data.length;) {
    const { bytesWritten } = await fh.write(data, done, data.length - done, position + done);
    done += bytesWritten;
  }
}
