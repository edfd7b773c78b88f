/**
 * Where a node keeps slice models by SHA-256 so that a rejoining node does not download them again.
 * Pages use the IndexedDB store (src/ui/idb-slice-store.ts); tests and Node use memory.
 */

/** A content-addressed store of slice bytes. */
export interface SliceStore {
  /** The bytes stored under `sha256`, or undefined. */
  get(sha256: string): Promise<Uint8Array | undefined>;
  /** Store bytes (the caller has checked their hash). */
  put(sha256: string, bytes: Uint8Array): Promise<void>;
}

/** In-memory {@link SliceStore}. */
export class MemorySliceStore implements SliceStore {
  private readonly map = new Map<string, Uint8Array>();

  async get(sha256: string): Promise<Uint8Array | undefined> {
    return this.map.get(sha256);
  }

  async put(sha256: string, bytes: Uint8Array): Promise<void> {
    this.map.set(sha256, bytes);
  }

  /** Number of stored slices. */
  get size(): number {
    return this.map.size;
  }
}
