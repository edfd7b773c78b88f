/**
 * Browser cache store for live intensity readings, in IndexedDB through idb-keyval (database
 * `carbonedge-intensity`, object store `readings`). Browser and worker only: import this file
 * from UI/worker code, never from Node code paths (Node has no IndexedDB).
 */
import { createStore, get, set, type UseStore } from 'idb-keyval';
import { isCachedIntensity, type CachedIntensity, type IntensityCacheStore } from './intensity-cache';

/** IndexedDB-backed {@link IntensityCacheStore}. Malformed entries read back as misses. */
export class IdbIntensityStore implements IntensityCacheStore {
  readonly #store: UseStore;

  /** @param dbName database name (default `carbonedge-intensity`) */
  constructor(dbName = 'carbonedge-intensity', storeName = 'readings') {
    this.#store = createStore(dbName, storeName);
  }

  async get(key: string): Promise<CachedIntensity | undefined> {
    const value: unknown = await get(key, this.#store);
    return isCachedIntensity(value) ? value : undefined;
  }

  async set(key: string, value: CachedIntensity): Promise<void> {
    await set(key, value, this.#store);
  }
}
