import { Transform, type TransformCallback } from 'node:stream';
import { StorageError } from '../errors.js';

/**
 * Passes bytes through while counting them: fails with EntityTooLarge as soon as `max` is exceeded (not after the
 * whole body arrived), and with IncompleteBody / InvalidArgument when a declared size is not met exactly.
 */
export class ByteLimit extends Transform {
  bytes = 0;

  constructor(private readonly limits: { max: number; expected?: number }) {
    super();
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.bytes += chunk.length;
    const { max, expected } = this.limits;
    if (expected !== undefined && this.bytes > expected) {
      return done(new StorageError('InvalidArgument', `The body is longer than the declared size of ${expected} bytes`, { expected }));
    }
    if (this.bytes > max) {
      return done(new StorageError('EntityTooLarge', `Your proposed upload exceeds the maximum allowed size of ${max} bytes`, { max }));
    }
    done(null, chunk);
  }

  override _flush(done: TransformCallback): void {
    const { expected } = this.limits;
    if (expected !== undefined && this.bytes !== expected) {
      return done(new StorageError('IncompleteBody', `You did not provide the number of bytes declared: expected ${expected}, got ${this.bytes}`, { expected, received: this.bytes }));
    }
    done();
  }
}
