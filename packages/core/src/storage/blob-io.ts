import { randomUUID } from 'node:crypto';
import { Readable, Writable } from 'node:stream';
import { StorageError } from '../errors.js';
import type { BlobRow } from '../types.js';
import type { FragmentStore } from '../contracts/fragment-store.js';
import {
  cipherRangeFor, cipherSizeOf, createHeader, createSealStream, createVerifyStream, openSegments,
  segmentCount, parseHeader, sealBuffer, STREAM_HEADER_SIZE,
} from '../codec/segmented-aead.js';
import { generateKey, kekIdOf, unwrapKey, wrapKey } from '../codec/key-wrap.js';
import { timeOrderedUuid } from '../codec/random.js';
import { ErasureWriter } from '../codec/erasure-writer.js';
import type { ErasureLayout } from '../codec/stripe-layout.js';
import { ByteCounter, ByteLimit } from './byte-limit.js';
import { readFragmentBlob } from './fragment-read.js';
import { pipelineUntilAborted, untilAborted } from './until-aborted.js';
import { createInlineHasher, createPlaintextHasher } from './plaintext-hasher.js';
import type { ResolvedStorageOptions } from './options.js';

const MIN_SEGMENT_SIZE = 4096;

export type BodySource = Readable | AsyncIterable<Uint8Array> | Iterable<Uint8Array>;

export interface BlobWriteOptions {
  /** 0 for a whole object, the part number for a multipart part (bound into every segment's AAD). */
  streamIndex: number;
  /** Declared plaintext size, when the client told us (Content-Length); the body must match it exactly. */
  size?: number;
  maxSize: number;
  /** Set when the body is ciphertext a client sealed under this key: it is verified, not re-encrypted. */
  clientKey?: Buffer;
  /** Sees every plaintext byte, in order (extra checksums an adapter must verify). */
  onPlaintext?: (chunk: Buffer) => void;
  signal?: AbortSignal;
}

export interface WrittenBlob {
  blob: BlobRow;
  md5: Buffer;
  sha256: Buffer;
  /** An inline blob has no row yet: pass it as `newBlobs` / `newBlob` to the commit. */
  unrecorded: boolean;
}

/**
 * Turns a byte stream into one blob (encrypt or verify → erasure-code → fragments) and back. The blob row is
 * recorded as `pending` before the first fragment byte, so a crash leaves something the start-up sweep finds.
 */
export class BlobIO {
  private readonly kekId: string;
  private readonly nodeMap: Map<string, FragmentStore>;

  constructor(private readonly options: ResolvedStorageOptions) {
    this.kekId = kekIdOf(options.kek);
    this.nodeMap = new Map(options.nodes.map((n) => [n.id, n]));
  }

  get nodes(): ReadonlyMap<string, FragmentStore> {
    return this.nodeMap;
  }

  async write(source: BodySource, opts: BlobWriteOptions): Promise<WrittenBlob> {
    const { metadata, dataShards, parityShards, shardSize, segmentSize } = this.options;
    const id = timeOrderedUuid();
    const key = opts.clientKey ?? generateKey();
    const width = dataShards + parityShards;
    const names = Array.from({ length: width }, () => randomUUID());
    const nodes = this.pickNodes(width);
    const serverHeader = opts.clientKey ? undefined : createHeader({ segmentSize, streamIndex: opts.streamIndex });
    const row: BlobRow = {
      id, state: 'pending', refCount: 0, plainSize: 0, cipherSize: 0,
      header: serverHeader ?? Buffer.alloc(STREAM_HEADER_SIZE),
      wrappedKey: wrapKey(this.options.kek, key, id), kekId: this.kekId,
      dataShards, parityShards, shardSize,
      fragments: nodes.map((node, i) => ({ node: node.id, name: names[i]! })),
      createdAt: new Date(),
    };

    if (serverHeader && opts.size !== undefined && cipherSizeOf(opts.size, segmentSize) <= this.options.inlineMaxBytes) {
      return this.writeInline(source, opts, opts.size, row, key, serverHeader);
    }

    let plainSize = 0;
    const count = (chunk: Buffer) => {
      plainSize += chunk.length;
      opts.onPlaintext?.(chunk);
    };
    // Client ciphertext only yields plaintext inside the verifier's synchronous callback: hash it inline there.
    const hasher = opts.clientKey ? createInlineHasher() : createPlaintextHasher(opts.size);
    let header = serverHeader;
    // Small blobs stay in memory and go into their metadata row; the first byte past the threshold opens the
    // fragment writers, and only then is the pending row recorded (so a crash leaves it for the sweep).
    const sink = new BlobSink(this.options.inlineMaxBytes, async () => {
      await metadata.insertBlob(row);
      return ErasureWriter.open(nodes, layoutOf(row), { names, minFragments: this.options.minWriteFragments, signal: opts.signal });
    });
    // Large uploads are cut into the hasher's blocks before sealing, so the hasher takes them over without a copy.
    const cutter = opts.clientKey ? undefined : hasher.blockStream();
    // The ciphertext stage caps ciphertext bytes; the plaintext it yields has the object size limit.
    const plainLimit = new ByteCounter({ max: opts.maxSize });
    try {
      const stages = opts.clientKey
        ? [
            // 4 KiB is the smallest segment size a client may choose, so the most tag overhead it can add.
            new ByteLimit({ max: cipherSizeOf(opts.maxSize, MIN_SEGMENT_SIZE) }),
            createVerifyStream(opts.clientKey, {
              expectedStreamIndex: opts.streamIndex,
              expectedPlainSize: opts.size,
              onPlaintext: (chunk) => {
                plainLimit.add(chunk.length);
                hasher.update(chunk);
                count(chunk);
              },
              onHeader: (_h, raw) => { header = Buffer.from(raw); },
            }),
          ]
        : [
            new ByteLimit({ max: opts.maxSize, expected: opts.size }),
            ...(cutter ? [cutter] : []),
            createSealStream(key, serverHeader!, { onPlaintext: count, afterSeal: (chunk) => hasher.afterSeal(chunk) }),
          ];
      await pipelineUntilAborted([toReadable(source), ...stages, sink.writable()], opts.signal);
      const [stored, digests] = await Promise.all([sink.finish(), hasher.digest()]);
      if (!header) throw new StorageError('InvalidCiphertext', 'The upload ended before a ciphertext header arrived');
      const written = { plainSize, cipherSize: stored.cipherSize, header };
      let blob: BlobRow;
      if (stored.inline) {
        // Not recorded yet: the caller inserts it in the same transaction that commits it (one durable write).
        blob = { ...row, ...written, fragments: [], inline: stored.inline };
        return { blob, ...digests, unrecorded: true };
      }
      blob = { ...row, ...written, fragments: stored.fragments };
      await metadata.updateBlobPlacement(id, stored.fragments, written);
      return { blob, ...digests, unrecorded: false };
    } catch (err) {
      hasher.abort();
      await sink.abort();
      await metadata.deleteBlob(id).catch(() => {});
      throw err;
    }
  }

  /**
   * A body declared small enough to stay inline (at most inlineMaxBytes of ciphertext): read whole, then hashed and
   * sealed in one go. A 4 KiB PUT skips four stream stages and a pipeline; the checks are the streamed path's.
   */
  private async writeInline(source: BodySource, opts: BlobWriteOptions, expected: number, row: BlobRow, key: Buffer, header: Buffer): Promise<WrittenBlob> {
    const chunks: Buffer[] = [];
    const counter = new ByteCounter({ max: opts.maxSize, expected });
    const hasher = createInlineHasher();
    const readable = toReadable(source);
    const readAll = async () => {
      for await (const data of readable) {
        const chunk = Buffer.isBuffer(data) ? data : Buffer.from(data as Uint8Array);
        if (chunk.length === 0) continue;
        counter.add(chunk.length);
        hasher.update(chunk);
        opts.onPlaintext?.(chunk);
        chunks.push(chunk);
      }
    };
    try {
      await untilAborted(readAll(), opts.signal);
    } catch (err) {
      readable.destroy();
      throw err;
    }
    opts.signal?.throwIfAborted();
    counter.end();
    const { segmentSize, noncePrefix } = parseHeader(header);
    const inline = sealBuffer(key, chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks), { segmentSize, streamIndex: opts.streamIndex, noncePrefix });
    const blob: BlobRow = { ...row, plainSize: counter.bytes, cipherSize: inline.length, header, fragments: [], inline };
    return { blob, ...(await hasher.digest()), unrecorded: true };
  }

  /** Plaintext bytes [start, end) of a blob, decrypting only the segments the range touches. */
  read(blob: BlobRow, start: number, end: number, signal?: AbortSignal): Readable {
    const key = unwrapKey(this.options.kek, blob.wrappedKey, blob.id);
    const { segmentSize } = parseHeader(blob.header);
    const range = cipherRangeFor(start, end, blob.plainSize, segmentSize);
    if (blob.inline) {
      // At most inlineMaxBytes, already in memory: decrypted here, so a bad tag fails before any response byte,
      // and a small GET skips two streams and a pipeline.
      const plain = openSegments(key, blob.header, blob.inline.subarray(range.cipherStart, range.cipherEnd), range.firstSegment, segmentCount(blob.plainSize, segmentSize));
      const body = new Readable({ read() {} });
      if (end > start) body.push(plain.subarray(range.skip, range.skip + (end - start)));
      body.push(null);
      return body;
    }
    return readFragmentBlob(this.nodeMap, blob, { fragments: blob.fragments, cipherSize: blob.cipherSize, layout: layoutOf(blob) }, key, start, end, signal);
  }

  /** Deletes the fragments of released blobs, then their rows. Failures stay `deleting` for the sweep to retry. */
  async release(blobs: readonly BlobRow[]): Promise<void> {
    for (const blob of blobs) {
      try {
        await this.deleteFragments(blob);
        await this.options.metadata.deleteBlob(blob.id);
      } catch (err) {
        this.options.logger.warn({ blobId: blob.id, err: String(err) }, 'blob release deferred to the sweep');
      }
    }
  }

  async deleteFragments(blob: BlobRow): Promise<void> {
    await Promise.all(blob.fragments.map(async (placement) => {
      if (!placement) return;
      const node = this.nodeMap.get(placement.node);
      if (node) await node.delete(placement.name);
    }));
  }

  /** The first k+m configured nodes; placement is recorded per blob, so this may get smarter without migrations. */
  private pickNodes(width: number): FragmentStore[] {
    return this.options.nodes.slice(0, width);
  }
}

export function layoutOf(blob: Pick<BlobRow, 'dataShards' | 'parityShards' | 'shardSize'>): ErasureLayout {
  return { dataShards: blob.dataShards, parityShards: blob.parityShards, shardSize: blob.shardSize };
}

function toReadable(source: BodySource): Readable {
  return source instanceof Readable ? source : Readable.from(source, { objectMode: false });
}

/** Where a blob's ciphertext goes: memory while it is at most `inlineMax` bytes, fragment writers after that. */
class BlobSink {
  private buffered: Buffer[] = [];
  private bytes = 0;
  private writer: ErasureWriter | undefined;
  /** The writers being opened: an abort that arrives meanwhile must wait for them, or their files outlive it. */
  private opening: Promise<ErasureWriter> | undefined;
  private aborted = false;

  constructor(private readonly inlineMax: number, private readonly openWriter: () => Promise<ErasureWriter>) {}

  writable(): Writable {
    return new Writable({
      highWaterMark: 1024 * 1024,
      write: (chunk: Buffer, _enc, done) => { this.write(chunk).then(() => done(), done); },
    });
  }

  private async write(chunk: Buffer): Promise<void> {
    if (!this.writer && this.bytes + chunk.length <= this.inlineMax) {
      // Copy: upstream transforms may reuse their buffers once this write returns.
      this.buffered.push(Buffer.from(chunk));
      this.bytes += chunk.length;
      return;
    }
    if (!this.writer) {
      this.opening ??= this.openWriter();
      this.writer = await this.opening;
      if (this.aborted) return; // abort() has this writer now and discards it
      for (const piece of this.buffered) await this.writer.write(piece);
      this.buffered = [];
    }
    await this.writer.write(chunk);
  }

  async finish(): Promise<{ inline: Buffer; cipherSize: number; fragments?: undefined } | { inline?: undefined; cipherSize: number; fragments: BlobRow['fragments'] }> {
    if (!this.writer) return { inline: Buffer.concat(this.buffered), cipherSize: this.bytes };
    return this.writer.finish();
  }

  async abort(): Promise<void> {
    this.aborted = true;
    this.buffered = [];
    const writer = this.writer ?? await this.opening?.catch(() => undefined);
    await writer?.abort().catch(() => {});
  }
}
