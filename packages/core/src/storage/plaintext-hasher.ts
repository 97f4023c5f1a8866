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
const BATCH = 1024 * 1024;
const SLOTS = 4;
/** Idle slots kept for the next uploads (4 concurrent large uploads' worth). */
const MAX_IDLE_SLOTS = 16;

export interface PlaintextHasher {
  /** Hashes a chunk; a returned promise means "wait before sending more" (backpressure). */
  update(chunk: Buffer): Promise<void> | undefined;
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

/** A Transform that passes bytes through unchanged while feeding them to a hasher, honouring its backpressure. */
export function hashTap(hasher: PlaintextHasher): Transform {
  return new Transform({
    transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback) {
      const wait = hasher.update(chunk);
      if (wait) wait.then(() => done(null, chunk), done);
      else done(null, chunk);
    },
  });
}

class InlineHasher implements PlaintextHasher {
  private readonly md5 = createHash('md5');
  private readonly sha256 = createHash('sha256');
  update(chunk: Buffer): undefined {
    this.md5.update(chunk);
    this.sha256.update(chunk);
    return undefined;
  }
  async digest(): Promise<Digests> {
    return { md5: this.md5.digest(), sha256: this.sha256.digest() };
  }
  abort(): void {}
}

type Reply = { type: 'ack'; id: number; slot: Uint8Array } | { type: 'digest'; id: number; md5: Uint8Array; sha256: Uint8Array } | { type: 'failed'; id: number };

/**
 * Shared-memory slots outlive the uploads that use them. A SharedArrayBuffer's memory is freed only when both threads
 * have collected their handles to it, and the hash thread allocates so little that it almost never collects: with
 * fresh slots per upload, every large upload left 4 MiB behind (RSS grew ~4 MiB per upload, without bound).
 */
const idleSlots: Uint8Array[] = [];
let slotsCreated = 0;

function takeSlot(): Uint8Array {
  const slot = idleSlots.pop();
  if (slot) return slot;
  slotsCreated++;
  return new Uint8Array(new SharedArrayBuffer(BATCH));
}

function returnSlots(slots: Uint8Array[]): void {
  for (const slot of slots.splice(0)) if (idleSlots.length < MAX_IDLE_SLOTS) idleSlots.push(slot);
}

/** @internal How many slots this process has allocated so far (tests check that uploads reuse them). */
export function hashSlotsCreated(): number {
  return slotsCreated;
}

/**
 * Copies chunks into up to SLOTS 1 MiB shared-memory slots and hashes them on the shared hash thread: a slot is
 * reused once the thread acknowledges it, so memory stays fixed (SLOTS MiB per upload) whatever the object size, and
 * goes back to the process's idle slots when the upload ends.
 */
class WorkerHasher implements PlaintextHasher {
  private static nextId = 1;
  private readonly id = WorkerHasher.nextId++;
  private readonly thread = HashThread.get();
  /** Slots this upload holds that the thread is not hashing. */
  private readonly free: Uint8Array[] = [];
  private taken = 0;
  private slot: Uint8Array | undefined;
  private filled = 0;
  private waiter: { resolve(): void; reject(err: Error): void } | undefined;
  private result: { resolve(d: Digests): void; reject(err: Error): void } | undefined;

  constructor() {
    this.thread.register(this.id, (reply) => this.onReply(reply));
  }

  update(chunk: Buffer): Promise<void> | undefined {
    let offset = 0;
    while (offset < chunk.length) {
      this.slot ??= this.free.pop() ?? (this.taken < SLOTS ? (this.taken++, takeSlot()) : undefined);
      if (!this.slot) {
        // Every slot is with the hash thread: wait for one, then carry on with the rest of this chunk.
        const rest = chunk.subarray(offset);
        return new Promise<void>((resolve, reject) => { this.waiter = { resolve, reject }; }).then(() => this.update(rest));
      }
      const n = Math.min(chunk.length - offset, BATCH - this.filled);
      this.slot.set(chunk.subarray(offset, offset + n), this.filled);
      this.filled += n;
      offset += n;
      if (this.filled === BATCH) this.flush();
    }
    return undefined;
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
    // Slots still with the thread are left to the garbage collector: it may be reading them.
    if (this.slot) this.free.push(this.slot);
    this.slot = undefined;
    returnSlots(this.free);
  }

  private flush(): void {
    if (!this.slot || this.filled === 0) return;
    this.thread.post({ type: 'data', id: this.id, slot: this.slot, length: this.filled });
    this.slot = undefined;
    this.filled = 0;
  }

  private onReply(reply: Reply): void {
    if (reply.type === 'ack') {
      this.free.push(reply.slot);
      const wake = this.waiter;
      this.waiter = undefined;
      wake?.resolve();
      return;
    }
    this.thread.unregister(this.id);
    // The digest comes after the thread's last ack, so every slot is back in `free` here.
    if (reply.type === 'digest') returnSlots(this.free);
    if (reply.type === 'failed') {
      const err = new Error('the hashing thread stopped');
      this.waiter?.reject(err);
      this.result?.reject(err);
      return;
    }
    this.result?.resolve({ md5: Buffer.from(reply.md5), sha256: Buffer.from(reply.sha256) });
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
    const bytes = m.slot.subarray(0, m.length);
    s.md5.update(bytes); s.sha256.update(bytes);
    parentPort.postMessage({ type: 'ack', id: m.id, slot: m.slot });
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

  post(message: object): void {
    this.worker.postMessage(message);
  }
}
