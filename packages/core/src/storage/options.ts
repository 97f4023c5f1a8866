import { StorageError } from '../errors.js';
import type { FragmentStore } from '../contracts/fragment-store.js';
import type { MetadataStore } from '../contracts/metadata-store.js';

/** Everything a Storage needs, injected: the CLI composes the defaults, an embedding app may pass its own. */
export interface StorageOptions {
  metadata: MetadataStore;
  /** The fragment nodes; at least dataShards + parityShards of them. Shard i of a new blob goes to nodes[i]. */
  nodes: FragmentStore[];
  /** The deployment's 32-byte key-encryption key. */
  kek: Buffer;
  dataShards?: number;
  parityShards?: number;
  /** Bytes of ciphertext per shard per stripe (multiple of 8). */
  shardSize?: number;
  /** Plaintext bytes per AEAD segment, a power of two from 4 KiB to 16 MiB. */
  segmentSize?: number;
  /**
   * Blobs whose ciphertext is at most this many bytes live in their metadata row instead of k+m fragment files
   * (default 128 KiB; 0 turns inlining off). Their durability is the metadata store's.
   */
  inlineMaxBytes?: number;
  /** A write still succeeds when this many fragments were stored (repair completes the rest). */
  minWriteFragments?: number;
  /** Largest object a single put may store, and largest multipart part. */
  maxObjectSize?: number;
  /** Smallest size of every multipart part but the last (S3: 5 MiB). */
  minPartSize?: number;
  /** Largest single multipart part (S3: 5 GiB). */
  maxPartSize?: number;
  /** Pending blobs older than this at start-up are the remains of a crash (single instance: 0). */
  orphanGraceMs?: number;
  /** Bucket names that protocols reserve (the server's first path segments). */
  reservedBucketNames?: readonly string[];
  /**
   * How long a tenant looked up by access key (with its unsealed SigV4 secret) is reused, in ms (default 5000; 0
   * turns caching off). Changes made through this Storage apply at once; made by another gateway sharing the
   * metadata database (a new secret, a quota), they apply here within this time.
   */
  credentialCacheMs?: number;
  logger?: StorageLogger;
}

export interface StorageLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface ResolvedStorageOptions {
  readonly metadata: MetadataStore;
  readonly nodes: readonly FragmentStore[];
  readonly kek: Buffer;
  readonly dataShards: number;
  readonly parityShards: number;
  readonly shardSize: number;
  readonly segmentSize: number;
  readonly minWriteFragments: number;
  readonly inlineMaxBytes: number;
  readonly maxObjectSize: number;
  readonly minPartSize: number;
  readonly maxPartSize: number;
  readonly orphanGraceMs: number;
  readonly reservedBucketNames: ReadonlySet<string>;
  readonly credentialCacheMs: number;
  readonly logger: StorageLogger;
}

const silentLogger: StorageLogger = { info() {}, warn() {}, error() {} };
export const GiB = 1024 ** 3;

/** Validates once, at construction, and freezes (fastify-style): a bad option fails loudly at start, not mid-request. */
export function resolveStorageOptions(options: StorageOptions): ResolvedStorageOptions {
  const dataShards = options.dataShards ?? 4;
  const parityShards = options.parityShards ?? 2;
  const shardSize = options.shardSize ?? 256 * 1024;
  const segmentSize = options.segmentSize ?? 64 * 1024;
  const width = dataShards + parityShards;
  const check = (ok: boolean, message: string) => {
    if (!ok) throw new StorageError('InvalidArgument', `Invalid storage options: ${message}`);
  };
  check(Number.isInteger(dataShards) && dataShards >= 1 && dataShards <= 24, 'dataShards must be an integer from 1 to 24');
  check(Number.isInteger(parityShards) && parityShards >= 0 && parityShards <= 6, "parityShards must be an integer from 0 to 6");
  check(options.nodes.length >= width, `${width} fragment nodes are needed for ${dataShards}+${parityShards}, got ${options.nodes.length}`);
  check(new Set(options.nodes.map((n) => n.id)).size === options.nodes.length, 'fragment node ids must be unique');
  check(Number.isInteger(shardSize) && shardSize >= 64 && shardSize % 8 === 0 && shardSize <= 64 * 1024 * 1024, 'shardSize must be a multiple of 8 from 64 B to 64 MiB');
  check(Number.isInteger(Math.log2(segmentSize)) && segmentSize >= 4096 && segmentSize <= 16 * 1024 * 1024, 'segmentSize must be a power of two from 4 KiB to 16 MiB');
  check(Buffer.isBuffer(options.kek) && options.kek.length === 32, 'kek must be a 32-byte Buffer');
  const minWriteFragments = options.minWriteFragments ?? width;
  check(Number.isInteger(minWriteFragments) && minWriteFragments >= dataShards && minWriteFragments <= width, `minWriteFragments must be from ${dataShards} to ${width}`);
  const inlineMaxBytes = options.inlineMaxBytes ?? 128 * 1024;
  check(Number.isSafeInteger(inlineMaxBytes) && inlineMaxBytes >= 0 && inlineMaxBytes <= 16 * 1024 * 1024, 'inlineMaxBytes must be from 0 to 16 MiB');
  const maxObjectSize = options.maxObjectSize ?? 5 * 1024 * GiB;
  check(Number.isSafeInteger(maxObjectSize) && maxObjectSize > 0, 'maxObjectSize must be a positive integer');
  const credentialCacheMs = options.credentialCacheMs ?? 5000;
  check(Number.isSafeInteger(credentialCacheMs) && credentialCacheMs >= 0 && credentialCacheMs <= 60_000, 'credentialCacheMs must be from 0 to 60000');
  return Object.freeze({
    metadata: options.metadata,
    nodes: Object.freeze([...options.nodes]),
    kek: options.kek,
    dataShards,
    parityShards,
    shardSize,
    segmentSize,
    minWriteFragments,
    inlineMaxBytes,
    maxObjectSize,
    minPartSize: options.minPartSize ?? 5 * 1024 * 1024,
    maxPartSize: options.maxPartSize ?? 5 * GiB,
    orphanGraceMs: options.orphanGraceMs ?? 0,
    reservedBucketNames: new Set(options.reservedBucketNames ?? []),
    credentialCacheMs,
    logger: options.logger ?? silentLogger,
  });
}
