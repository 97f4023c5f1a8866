/**
 * Page-aligned memory blocks for O_DIRECT I/O, which needs buffer address, file offset and length aligned. Node's
 * Buffers have no alignment guarantee, but a WebAssembly.Memory's ArrayBuffer starts on a page: blocks are carved
 * out of a few fixed-size memories ("arenas") and pooled, so steady-state I/O allocates nothing.
 * A Memory is never grown (that would detach live views), and never made per block: each one reserves gigabytes of
 * address space and V8 caps how many can exist.
 */

/** Alignment of O_DIRECT buffers, offsets and lengths: the page size, a multiple of every logical block size here. */
export const DIRECT_ALIGN = 4096;
/** Bytes of one block, i.e. of one O_DIRECT write. */
export const BLOCK_BYTES = 512 * 1024;
const WASM_PAGE_BYTES = 64 * 1024;
const ARENA_BYTES = 32 * 1024 * 1024;
/** At most 512 MiB of blocks; past that callers fall back to buffered I/O. */
const MAX_ARENAS = 16;
/** Entirely idle arenas kept for the next burst; further ones are dropped for the GC to unmap. */
const MAX_IDLE_ARENAS = 2;

/** The one WebAssembly API used here; the repo's `lib` (ES2023, no DOM) does not declare WebAssembly. */
declare const WebAssembly: {
  Memory: new (descriptor: { initial: number; maximum: number }) => { readonly buffer: ArrayBuffer };
};

interface Arena {
  free: Uint8Array[];
}

export interface AlignedBlockStats {
  arenas: number;
  inUse: number;
  idle: number;
}

export class AlignedBlockPool {
  private readonly arenas: Arena[] = [];
  private readonly arenaOf = new WeakMap<ArrayBufferLike, Arena>();
  private readonly blocksPerArena: number;

  constructor(readonly blockBytes = BLOCK_BYTES, private readonly arenaBytes = ARENA_BYTES,
    private readonly maxArenas = MAX_ARENAS, private readonly maxIdleArenas = MAX_IDLE_ARENAS) {
    if (blockBytes % DIRECT_ALIGN !== 0 || arenaBytes % WASM_PAGE_BYTES !== 0 || arenaBytes % blockBytes !== 0) {
      throw new RangeError('aligned blocks must divide their arena and be multiples of 4096 bytes');
    }
    this.blocksPerArena = arenaBytes / blockBytes;
  }

  /** A block of blockBytes aligned to DIRECT_ALIGN, or null when the pool is at its limit. */
  tryAcquire(): Uint8Array | null {
    // The oldest arenas are filled first, so the newest ones drain and can be dropped after a burst.
    for (const arena of this.arenas) {
      const block = arena.free.pop();
      if (block) return block;
    }
    const arena = this.addArena();
    return arena ? arena.free.pop()! : null;
  }

  /** Returns a block once no I/O uses it any more. */
  release(block: Uint8Array): void {
    const arena = this.arenaOf.get(block.buffer);
    if (!arena) throw new Error('released a block that is not from this pool');
    arena.free.push(block);
    if (arena.free.length < this.blocksPerArena) return;
    const idle = this.arenas.filter((a) => a.free.length === this.blocksPerArena).length;
    if (idle > this.maxIdleArenas) this.arenas.splice(this.arenas.indexOf(arena), 1);
  }

  stats(): AlignedBlockStats {
    const idle = this.arenas.reduce((n, a) => n + a.free.length, 0);
    return { arenas: this.arenas.length, inUse: this.arenas.length * this.blocksPerArena - idle, idle };
  }

  private addArena(): Arena | null {
    if (this.arenas.length >= this.maxArenas) return null;
    let memory: { readonly buffer: ArrayBuffer };
    try {
      const pages = this.arenaBytes / WASM_PAGE_BYTES;
      memory = new WebAssembly.Memory({ initial: pages, maximum: pages });
    } catch {
      return null; // address space exhausted: the caller uses buffered I/O instead
    }
    const arena: Arena = { free: [] };
    for (let at = this.arenaBytes - this.blockBytes; at >= 0; at -= this.blockBytes) {
      arena.free.push(new Uint8Array(memory.buffer, at, this.blockBytes));
    }
    this.arenaOf.set(memory.buffer, arena);
    this.arenas.push(arena);
    return arena;
  }
}

/** Shared by every store of the process: they all draw from the same bounded memory. */
export const alignedBlocks = new AlignedBlockPool();

function alignDown(n: number): number {
  return n - (n % DIRECT_ALIGN);
}

export function alignUp(n: number): number {
  return alignDown(n + DIRECT_ALIGN - 1);
}
