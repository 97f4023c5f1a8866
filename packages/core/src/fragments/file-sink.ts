/**
 * How a LocalDirWriter puts bytes into its temp file: buffered (page cache, BufferedFileSink) or O_DIRECT
 * (DirectFileSink). The writer owns ordering, state and the commit protocol; a sink owns the I/O in between.
 */
export interface FileSink {
  /** The first I/O failure; once set, every later call fails with it. */
  readonly error: unknown;
  /** Writes (or stages) chunks in order; resolves once it keeps no reference to them. */
  append(chunks: Uint8Array[]): Promise<void>;
  /** Makes every appended byte part of the file, short of the datasync; resolves to the file's size. */
  finish(): Promise<number>;
  /** Waits for I/O still in flight and gives back the sink's memory; idempotent. */
  settle(): Promise<void>;
}
