/** Slice models cached in IndexedDB by SHA-256 (idb-keyval), so a rejoining node skips downloads. */
import { createStore, get, set, type UseStore } from 'idb-keyval';
import type { SliceStore } from '../swarm/slice-store';

/** The browser's {@link SliceStore}. Storage failures (private mode, quota) degrade to no cache. */
export class IdbSliceStore implements SliceStore {
  private readonly store: UseStore;

  constructor(name = 'carbonedge-slices') {
    this.store = createStore(name, 'slices');
  }

  async get(sha256: string): Promise<Uint8Array | undefined> {
    try {
      const value = await get(sha256, this.store);
      return value instanceof Uint8Array ? value : undefined;
    } catch (error) {
      console.warn('carbonedge: slice cache unavailable', error);
      return undefined;
    }
  }

  async put(sha256: string, bytes: Uint8Array): Promise<void> {
    try {
      await set(sha256, bytes, this.store);
    } catch (error) {
      console.warn('carbonedge: could not cache slice', error);
    }
  }
}
