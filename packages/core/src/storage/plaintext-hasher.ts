import { createHash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { Worker } from 'node:worker_threads';

export interface Digests {
  md5: Buffer;
  sha256: Buffer;
}

/**
 * MD5 and SHA-256 of an upload's plaintext. MD5 alone runs at ~630 MB/s on one core here, slower than AES-GCM and
 * Reed-Solomon together, so large uploads hash on a worker thread while the main thread encrypts and erasure-codes;
 * small ones (known to be under PARALLEL_THRESHOLD) hash inline to skip the round trip.
 */
export const PARALLEL_THRESHOLD = 1024 * 1024;
const BLOCK = 1024 * 1024;
/** Blocks one upload may hold: one being filled, the rest being sealed or hashed. */
const BLOCKS_PER_UPLOAD = 4;
/** Idle blocks kept for the next uploads (4 concurrent large uploads' worth). */
const MAX_IDLE_BLOCKS = 16;

export interface PlaintextHasher {
  /** Hashes a chunk the caller keeps; a returned promise means "wait before sending more" (backpressure). */
  update(chunk: Buffer): Promise<void> | undefined;
  /**
   * The stage that goes before the encryption, if any: it cuts the plaintext into this hasher's own blocks, which
   * `afterSeal` then takes over without a copy.
   */
  blockStream(): Transform | undefined;
  /** Hashes a chunk its caller is done with (a block from `blockStream` is handed over, anything else is copied). */
  afterSeal(chunk: Buffer): Promise<void> | undefined;
  digest(): Promise<Digests>;
  /** Forgets the session (error paths). */
  abort(): void;
}

export function createPlaintextHasher(expectedSize: number | undefined): PlaintextHasher {
  return expectedSize !== undefined && expectedSize < PARALLEL_THRESHOLD ? new InlineHasher() : new WorkerHasher();
}

/** For plaintext that only exists inside a synchronous callback (client-sealed uploads being verified). */
export function createInlineHasher(): PlaintextHasher & { update(chunk: Buffer): undefined } {
  return new InlineHasher();
}

class InlineHasher implements PlaintextHasher {
  private readonly md5 = createHash('md5');
  private readonly sha256 = createHash('sha256');
  update(chunk: Buffer): undefined {
    this.md5.update(chunk);
    this.sha256.update(chunk);
    return undefined;
  }
  blockStream(): undefined {
    return undefined;
  }
  afterSeal(chunk: Buffer): undefined {
    return this.update(chunk);
  }
  async digest(): Promise<Digests> {
    return { md5: this.md5.digest(), sha256: this.sha256.digest() };
  }
  abort(): void {}
}

type Reply = { type: 'ack'; id: number; block: ArrayBuffer } | { type: 'digest'; id: number; md5: Uint8Array; sha256: Uint8Array } | { type: 'failed'; id: number };

/**
 * Blocks are plain ArrayBuffers that move between the threads (postMessage transfer: no copy) and outlive the
 * uploads that use them. Shared memory would need a copy into it, and V8 copies into a SharedArrayBuffer byte-safe,
 * at ~1.3 GB/s here: that copy was 1 ms of main-thread CPU per MiB uploaded.
 */
const idleBlocks: ArrayBuffer[] = [];
let blocksCreated = 0;

function takeBlock(): ArrayBuffer {
  const block = idleBlocks.pop();
  if (block) return block;
  blocksCreated++;
  return new ArrayBuffer(BLOCK);
}

function returnBlocks(blocks: Buffer[]): void {
  for (const block of blocks.splice(0)) if (idleBlocks.length < MAX_IDLE_BLOCKS) idleBlocks.push(block.buffer as ArrayBuffer);
}

/** @internal How many blocks this process has allocated so far (tests check that uploads reuse them). */
export function hashBlocksCreated(): number {
  return blocksCreated;
}

/**
 * Hashes on the shared hash thread, BLOCK bytes at a time. The upload's plaintext is cut into blocks of its own
 * (`blockStream`), each is sealed, then given to the thread (`afterSeal`), which gives it back once hashed: memory
 * stays fixed (BLOCKS_PER_UPLOAD MiB per upload) whatever the object size, and the only copy is the cut.
 */
class WorkerHasher implements PlaintextHasher {
  private static nextId = 1;
  private readonly id = WorkerHasher.nextId++;
  private readonly thread = HashThread.get();
  /** Blocks this upload holds that nobody uses. */
  private readonly free: Buffer[] = [];
  /** Blocks handed out by `acquire` and not yet given to the thread. */
  private readonly lent = new Set<ArrayBuffer>();
  private taken = 0;
  /** The block `update` copies into. */
  private block: Buffer | undefined;
  private filled = 0;
  /** Callers of `acquire` waiting for the thread to give a block back. */
  private waiters: { resolve(): void; reject(err: Error): void }[] = [];
  private result: { resolve(d: Digests): void; reject(err: Error): void } | undefined;

  constructor() {
    this.thread.register(this.id, (reply) => this.onReply(reply));
  }

  update(chunk: Buffer): Promise<void> | undefined {
    let offset = 0;
    while (offset < chunk.length) {
      if (!this.block) {
        const block = this.acquire();
        if (!Buffer.isBuffer(block)) {
          // Every block is with the hash thread: wait for one, then carry on with the rest of this chunk.
          const rest = chunk.subarray(offset);
          return block.then((b) => { this.block = b; return this.update(rest); });
        }
        this.block = block;
      }
      const n = chunk.copy(this.block, this.filled, offset);
      this.filled += n;
      offset += n;
      if (this.filled === BLOCK) this.flush();
    }
    return undefined;
  }

  blockStream(): Transform {
    return new BlockCutter(this);
  }

  afterSeal(chunk: Buffer): Promise<void> | undefined {
    if (!this.lent.delete(chunk.buffer as ArrayBuffer) || chunk.byteOffset !== 0) return this.update(chunk);
    this.flush(); // bytes copied in by update() come first
    this.post(chunk, chunk.length);
    return undefined;
  }

  /** A free block of this upload's, or a promise of one while all are with the thread. */
  acquire(): Buffer | Promise<Buffer> {
    const block = this.free.pop() ?? (this.taken < BLOCKS_PER_UPLOAD ? (this.taken++, Buffer.from(takeBlock())) : undefined);
    if (block) {
      this.lent.add(block.buffer as ArrayBuffer);
      return block;
    }
    return new Promise<void>((resolve, reject) => { this.waiters.push({ resolve, reject }); }).then(() => this.acquire());
  }

  /** Takes back a block from `acquire` that was not used. */
  release(block: Buffer): void {
    if (this.lent.delete(block.buffer as ArrayBuffer)) this.free.push(Buffer.from(block.buffer));
  }

  digest(): Promise<Digests> {
    this.flush();
    return new Promise((resolve, reject) => {
      this.result = { resolve, reject };
      this.thread.post({ type: 'end', id: this.id });
    });
  }

  abort(): void {
    this.thread.post({ type: 'abort', id: this.id });
    this.thread.unregister(this.id);
    // Blocks with the thread or still in the streams are left to the garbage collector.
    if (this.block) this.free.push(this.block);
    this.block = undefined;
    returnBlocks(this.free);
  }

  private flush(): void {
    if (!this.block || this.filled === 0) return;
    const block = this.block;
    this.lent.delete(block.buffer as ArrayBuffer);
    this.post(block, this.filled);
    this.block = undefined;
    this.filled = 0;
  }

  /** Gives the block's memory to the thread: `block` is unusable (detached) afterwards. */
  private post(block: Buffer, length: number): void {
    const memory = block.buffer as ArrayBuffer;
    this.thread.post({ type: 'data', id: this.id, block: memory, length }, [memory]);
  }

  private onReply(reply: Reply): void {
    if (reply.type === 'ack') {
      this.free.push(Buffer.from(reply.block));
      for (const waiter of this.waiters.splice(0)) waiter.resolve(); // those that find no block wait again
      return;
    }
    this.thread.unregister(this.id);
    // The digest comes after the thread's last ack, so every block it had is back in `free` here.
    if (reply.type === 'digest') returnBlocks(this.free);
    if (reply.type === 'failed') {
      const err = new Error('the hashing thread stopped');
      for (const waiter of this.waiters.splice(0)) waiter.reject(err);
      this.result?.reject(err);
      return;
    }
    this.result?.resolve({ md5: Buffer.from(reply.md5), sha256: Buffer.from(reply.sha256) });
  }
}

/**
 * Cuts a byte stream into the hasher's blocks (full ones, then the rest): one copy, after which the stages that
 * follow (encryption, then hashing) see 1 MiB chunks instead of the socket's 16-64 KiB ones.
 */
class BlockCutter extends Transform {
  private block: Buffer | undefined;
  private fill = 0;

  constructor(private readonly hasher: WorkerHasher) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.cut(chunk, 0, callback);
  }

  override _flush(callback: TransformCallback): void {
    if (this.block && this.fill > 0) this.push(this.block.subarray(0, this.fill));
    else if (this.block) this.hasher.release(this.block);
    this.block = undefined;
    callback();
  }

  private cut(chunk: Buffer, offset: number, callback: TransformCallback): void {
    while (offset < chunk.length) {
      if (!this.block) {
        const block = this.hasher.acquire();
        if (!Buffer.isBuffer(block)) {
          block.then((b) => { this.block = b; this.cut(chunk, offset, callback); }, callback);
          return;
        }
        this.block = block;
      }
      const n = chunk.copy(this.block, this.fill, offset);
      this.fill += n;
      offset += n;
      if (this.fill === this.block.length) {
        this.push(this.block);
        this.block = undefined;
        this.fill = 0;
      }
    }
    callback();
  }
}

const THREAD_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const sessions = new Map();
parentPort.on('message', (m) => {
  let s = sessions.get(m.id);
  if (m.type === 'abort') { sessions.delete(m.id); return; }
  if (!s) { s = { md5: createHash('md5'), sha256: createHash('sha256') }; sessions.set(m.id, s); }
  if (m.type === 'data') {
    const bytes = new Uint8Array(m.block, 0, m.length);
    s.md5.update(bytes); s.sha256.update(bytes);
    parentPort.postMessage({ type: 'ack', id: m.id, block: m.block }, [m.block]);
  } else if (m.type === 'end') {
    sessions.delete(m.id);
    parentPort.postMessage({ type: 'digest', id: m.id, md5: s.md5.digest(), sha256: s.sha256.digest() });
  }
});`;
/** One hashing thread per process, started on first use and unref'd so it never keeps the process alive. */
class HashThread {
  private static instance: HashThread | undefined;
  private readonly worker: Worker;
  private readonly sessions = new Map<number, (reply: Reply) => void>();

  static get(): HashThread {
    return (HashThread.instance ??= new HashThread());
  }

  private constructor() {
    this.worker = new Worker(THREAD_SOURCE, { eval: true });
    this.worker.unref();
    this.worker.on('message', (reply: Reply) => this.sessions.get(reply.id)?.(reply));
    // If the thread dies, every session fails (their uploads error out) and the next upload starts a new thread.
    const fail = () => {
      if (HashThread.instance === this) HashThread.instance = undefined;
      for (const [id, onReply] of [...this.sessions]) onReply({ type: 'failed', id });
    };
    this.worker.on('error', fail);
    this.worker.on('exit', fail);
  }

  register(id: number, onReply: (reply: Reply) => void): void {
    this.sessions.set(id, onReply);
    if (this.sessions.size === 1) this.worker.ref();
  }

  unregister(id: number): void {
    this.sessions.delete(id);
    if (this.sessions.size === 0) this.worker.unref();
  }

  post(message: object, transfer?: ArrayBuffer[]): void {
    this.worker.postMessage(message, transfer);
  }
}
