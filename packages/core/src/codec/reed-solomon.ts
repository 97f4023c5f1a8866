/**
 * Promise wrapper around @ronomon/reed-solomon (native, runs in the libuv threadpool).
 * The addon asserts (aborting the whole process) on some bad inputs such as zero-length buffers, so every argument
 * is checked here first and a bad call throws a RangeError instead.
 */
import { createRequire } from 'node:module';

interface ReedSolomonBinding {
  create(k: number, m: number): Buffer;
  encode(context: Buffer, sources: number, targets: number, buffer: Buffer, bufferOffset: number, bufferSize: number,
    parity: Buffer, parityOffset: number, paritySize: number, end: (error?: Error) => void): void;
}

// ESM `import` of the addon fails; it must be required.
const binding = createRequire(import.meta.url)('@ronomon/reed-solomon') as ReedSolomonBinding;

// Contexts are immutable and may be shared by concurrent calls.
const contexts = new Map<string, Buffer>();

export class ReedSolomonCodec {
  readonly dataShards: number;
  readonly parityShards: number;
  private readonly context: Buffer;

  constructor(dataShards: number, parityShards: number) {
    if (!Number.isInteger(dataShards) || dataShards < 1 || dataShards > 24
      || !Number.isInteger(parityShards) || parityShards < 1 || parityShards > 6) {
      throw new RangeError(`unsupported Reed-Solomon layout ${dataShards}+${parityShards} (1..24 data, 1..6 parity)`);
    }
    this.dataShards = dataShards;
    this.parityShards = parityShards;
    const key = `${dataShards}+${parityShards}`;
    let context = contexts.get(key);
    if (!context) contexts.set(key, (context = binding.create(dataShards, parityShards)));
    this.context = context;
  }

  /** Computes the m parity shards of `stripe` (k shards of shardLen, back to back) into `parity`. */
  async encodeParity(stripe: Buffer, parity: Buffer, shardLen: number): Promise<void> {
    const k = this.dataShards;
    const m = this.parityShards;
    checkShardLen(shardLen);
    if (stripe.length < k * shardLen || parity.length < m * shardLen) {
      throw new RangeError(`stripe needs ${k * shardLen} bytes and parity ${m * shardLen}`);
    }
    return this.encode(allBits(0, k), allBits(k, k + m), stripe, parity, shardLen);
  }

  /**
   * Rebuilds missing shards. `shards` holds k + m entries (null when missing); at least k must be present.
   * Returns all k + m shards; present ones are returned as given, rebuilt ones are views of one new buffer.
   */
  async reconstruct(shards: (Buffer | null)[], shardLen: number): Promise<Buffer[]> {
    const k = this.dataShards;
    const n = k + this.parityShards;
    checkShardLen(shardLen);
    if (shards.length !== n) throw new RangeError(`expected ${n} shards, got ${shards.length}`);
    let sources = 0;
    let targets = 0;
    for (let i = 0; i < n; i++) {
      const shard = shards[i];
      if (shard && shard.length !== shardLen) throw new RangeError(`shard ${i} has ${shard.length} bytes, expected ${shardLen}`);
      if (shard) sources |= 1 << i;
      else targets |= 1 << i;
    }
    const present = popcount(sources);
    if (present < k) throw new RangeError(`only ${present} of ${n} shards present, ${k} needed`);
    if (targets === 0) return shards as Buffer[];
    // The addon wants data shards back to back in one buffer and parity in another: copy the present ones in.
    const work = Buffer.allocUnsafe(n * shardLen);
    for (let i = 0; i < n; i++) shards[i]?.copy(work, i * shardLen);
    const data = work.subarray(0, k * shardLen);
    const parity = work.subarray(k * shardLen);
    await this.encode(sources, targets, data, parity, shardLen);
    return shards.map((s, i) => s ?? work.subarray(i * shardLen, (i + 1) * shardLen));
  }

  private encode(sources: number, targets: number, data: Buffer, parity: Buffer, shardLen: number): Promise<void> {
    const k = this.dataShards;
    const m = this.parityShards;
    return new Promise((resolve, reject) => {
      binding.encode(this.context, sources, targets, data, 0, k * shardLen, parity, 0, m * shardLen,
        (error) => (error ? reject(error) : resolve()));
    });
  }
}

function checkShardLen(shardLen: number): void {
  // Zero-length buffers crash the process inside the addon.
  if (!Number.isInteger(shardLen) || shardLen <= 0 || shardLen % 8 !== 0 || shardLen > 0x40000000) {
    throw new RangeError(`shard length ${shardLen} must be a positive multiple of 8`);
  }
}

function allBits(from: number, to: number): number {
  let bits = 0;
  for (let i = from; i < to; i++) bits |= 1 << i;
  return bits;
}

function popcount(bits: number): number {
  let n = 0;
  for (; bits; bits &= bits - 1) n++;
  return n;
}
