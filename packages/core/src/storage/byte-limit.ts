import { Transform, type TransformCallback } from 'node:stream';
import { StorageError } from '../errors.js';

/**
 * Counts a body's bytes against its limits: EntityTooLarge as soon as `max` is exceeded (not after the whole body
 * arrived), and IncompleteBody / InvalidArgument when a declared size is not met exactly. The streamed path wraps
 * it in ByteLimit; the inline path (a small body read whole) calls it directly, so both fail alike.
 */
export class ByteCounter {
  bytes = 0;

  constructor(private readonly limits: { max: number; expected?: number }) {}

  /** Counts `length` more bytes; throws the first limit they break. */
  add(length: number): void {
    this.bytes += length;
    const { max, expected } = this.limits;
    if (expected !== undefined && this.bytes > expected) {
      throw new StorageError('InvalidArgument', `The body is longer than the declared size of ${expected} bytes`, { expected });
    }
    if (this.bytes > max) {
      throw new StorageError('EntityTooLarge', `Your proposed upload exceeds the maximum allowed size of ${max} bytes`, { max });
    }
  }

  /** At the end of the body: throws when a declared size was not reached. */
  end(): void {
    const { expected } = this.limits;
    if (expected !== undefined && this.bytes !== expected) {
      throw new StorageError('IncompleteBody', `You did not provide the number of bytes declared: expected ${expected}, got ${this.bytes}`, { expected, received: this.bytes });
    }
  }
}

/** A ByteCounter as a pass-through stream stage. */
export class ByteLimit extends Transform {
  private readonly counter: ByteCounter;

  constructor(limits: { max: number; expected?: number }) {
    super();
    this.counter = new ByteCounter(limits);
  }

  get bytes(): number {
    return this.counter.bytes;
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    try {
      this.counter.add(chunk.length);
    } catch (err) {
      return done(err as Error);
    }
    done(null, chunk);
  }

  override _flush(done: TransformCallback): void {
    try {
      this.counter.end();
    } catch (err) {
      return done(err as Error);
    }
    done();
  }
}
