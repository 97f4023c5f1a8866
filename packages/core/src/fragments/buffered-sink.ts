import type { FileHandle } from 'node:fs/promises';
import type { FileSink } from './file-sink.js';

/**
 * Writes through the page cache. The kernel keeps written pages in memory until commit's datasync, which would
 * then write the whole fragment while the caller waits. Syncing every syncAheadBytes in the background keeps the
 * disk busy while the stream goes on, so commit has only the tail left. One at a time per file. Its failure is kept
 * as the sink's error: Linux reports a writeback error to one fsync per open file only, so commit's own datasync
 * could not be trusted to see it again.
 */
export class BufferedFileSink implements FileSink {
  error: unknown = null;
  private position = 0;
  private unsynced = 0;
  private syncing: Promise<void> | null = null;

  constructor(private readonly fh: FileHandle, private readonly syncAheadBytes: number) {}

  async append(chunks: Uint8Array[]): Promise<void> {
    if (this.error) throw this.error;
    try {
      let left = chunks.reduce((n, c) => n + c.length, 0);
      while (left > 0) {
        const { bytesWritten } = await this.fh.writev(chunks, this.position);
        this.position += bytesWritten;
        this.unsynced += bytesWritten;
        this.syncAhead();
        left -= bytesWritten;
        if (left > 0) chunks = dropBytes(chunks, bytesWritten);
      }
    } catch (err) {
      this.error ??= err;
      throw err;
    }
  }

  async finish(): Promise<number> {
    await this.syncing;
    if (this.error) throw this.error;
    return this.position;
  }

  async settle(): Promise<void> {
    await this.syncing;
  }

  private syncAhead(): void {
    const every = this.syncAheadBytes;
    if (every === 0 || this.unsynced < every || this.syncing) return;
    this.unsynced = 0;
    this.syncing = this.fh.datasync().catch((err: unknown) => { this.error ??= err; }).finally(() => { this.syncing = null; });
  }
}

function dropBytes(chunks: Uint8Array[], n: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (const c of chunks) {
    if (n >= c.length) n -= c.length;
    else {
      out.push(n > 0 ? c.subarray(n) : c);
      n = 0;
    }
  }
  return out;
}
