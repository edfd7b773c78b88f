/**
 * A node's profile kept in IndexedDB (idb-keyval) so a reload rejoins fast: its chosen name and its
 * last self-benchmark (reused when the benchmark model and thread count are unchanged).
 */
import { get, set } from 'idb-keyval';
import type { BenchmarkReport } from '../protocol/messages';

/** What we keep per browser. */
export interface NodeProfile {
  readonly name: string;
  readonly benchmark?: BenchmarkReport;
  /** When the benchmark was taken, ms since epoch. */
  readonly benchmarkedAtMs?: number;
}

const KEY = 'carbonedge:node-profile:v1';

/** Read the profile, or undefined on first visit (or if storage is unavailable). */
export async function loadProfile(): Promise<NodeProfile | undefined> {
  try {
    const value = (await get(KEY)) as NodeProfile | undefined;
    return value && typeof value.name === 'string' ? value : undefined;
  } catch (error) {
    console.warn('carbonedge: IndexedDB unavailable, profile not loaded', error);
    return undefined;
  }
}

/** Save the profile (best effort: private modes may refuse storage). */
export async function saveProfile(profile: NodeProfile): Promise<void> {
  try {
    await set(KEY, profile);
  } catch (error) {
    console.warn('carbonedge: IndexedDB unavailable, profile not saved', error);
  }
}
