/**
 * IPFS content identifiers exactly as Kubo's `ipfs add` computes them with its default settings (the
 * `unixfs-v0-2015` profile of IPIP-499, https://github.com/ipfs/specs/pull/499, still Kubo's default): CIDv0
 * (base58btc "Qm…", dag-pb, sha2-256), fixed 256 KiB chunks, leaves wrapped in UnixFS protobufs (no raw leaves),
 * balanced DAG of at most 174 links per node, and a file of one chunk reduced to that single node.
 *
 * Only the CID is kept: blocks go to a black hole, so memory stays bounded by the importer's read-ahead
 * (`blockWriteConcurrency` chunks) plus one link per chunk, whatever the file size.
 * `ipfs add --cid-version=1` or the `unixfs-v1-2025` profile give other CIDs for files over 256 KiB.
 */
import type { ImporterOptions } from 'ipfs-unixfs-importer';
import { CID } from 'multiformats/cid';

/**
 * The importer and its block store, loaded on the first CID computed: they cost ~9 MiB of RSS, which a gateway that
 * never serves QS or /ipfs should not carry.
 */
let unixfs: Promise<[typeof import('ipfs-unixfs-importer'), typeof import('blockstore-core/black-hole')]> | undefined;
function loadUnixfs() {
  unixfs ??= Promise.all([import('ipfs-unixfs-importer'), import('blockstore-core/black-hole')]);
  return unixfs;
}

export interface ComputeCidOptions {
  signal?: AbortSignal;
}

/** The importer options that reproduce Kubo's defaults. A fresh object each call: the importer mutates it. */
function kuboDefaults(): ImporterOptions {
  return {
    profile: 'unixfs-v0-2015',
    cidVersion: 0,
    rawLeaves: false,
    reduceSingleLeafToSelf: true,
    wrapWithDirectory: false,
    // Hashing parallelism only (the CID does not depend on it); bounds read-ahead to 4 × 256 KiB.
    blockWriteConcurrency: 4,
  };
}

/** The CIDv0 `ipfs add` (Kubo, default settings) prints for these bytes. Streams; keeps no block. */
export async function computeCid(source: AsyncIterable<Uint8Array>, options: ComputeCidOptions = {}): Promise<string> {
  const { signal } = options;
  signal?.throwIfAborted();
  async function* content(): AsyncGenerator<Uint8Array> {
    for await (const chunk of source) {
      signal?.throwIfAborted();
      yield chunk;
    }
  }
  const [{ importer }, { BlackHoleBlockstore }] = await loadUnixfs();
  let root: CID | undefined;
  for await (const entry of importer([{ content: content() }], new BlackHoleBlockstore(), kuboDefaults())) root = entry.cid;
  if (!root) throw new Error('the importer produced no root');
  return root.toString();
}

/**
 * The CIDv0 string for a CID in any form that has one (CIDv0, or CIDv1 dag-pb sha2-256 in any multibase),
 * undefined for anything else (raw leaves, other hashes, garbage). Lets a gateway accept `bafy…` for a `Qm…` file.
 */
export function toCidV0(cid: string): string | undefined {
  if (typeof cid !== 'string' || cid.length === 0 || cid.length > 128) return undefined;
  try {
    const parsed = CID.parse(cid);
    if (parsed.version === 0) return parsed.toString();
    if (parsed.code !== 0x70 || parsed.multihash.code !== 0x12 || parsed.multihash.size !== 32) return undefined;
    return parsed.toV0().toString();
  } catch {
    return undefined;
  }
}
