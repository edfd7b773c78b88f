/**
 * A node's profile kept in IndexedDB (idb-keyval) so a reload rejoins fast: its chosen name, its
 * last self-benchmark (reused when the benchmark model and thread count are unchanged) and its
 * carbon choices (zone, intensity, power overrides; see node-carbon-profile.ts).
 */
import { get, set, update } from 'idb-keyval';
import type { BenchmarkReport } from '../protocol/messages';
import { parseCarbonChoices, type CarbonChoices } from './node-carbon-profile';

/** What we keep per browser. */
export interface NodeProfile {
  readonly name: string;
  readonly benchmark?: BenchmarkReport;
  /** When the benchmark was taken, ms since epoch. */
  readonly benchmarkedAtMs?: number;
  /** The user's carbon choices; absent fields mean "use the default" (guess, bundled, estimate). */
  readonly carbon?: CarbonChoices;
}

const KEY = 'carbonedge:node-profile:v1';

/** Read the profile, or undefined on first visit (or if storage is unavailable). */
export async function loadProfile(): Promise<NodeProfile | undefined> {
  try {
    const value = (await get(KEY)) as NodeProfile | undefined;
    if (!value || typeof value.name !== 'string') return undefined;
    // Stored data is unknown until checked: a corrupt carbon record is dropped field by field.
    return value.carbon === undefined ? value : { ...value, carbon: parseCarbonChoices(value.carbon) };
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

/**
 * Merge `patch` into the stored profile in one IndexedDB transaction, so a rename, a benchmark and
 * a carbon edit saved at the same time do not overwrite each other. `fallbackName` is used when there
 * is no stored profile yet. Best effort, like {@link saveProfile}.
 * @param fallbackName the name to store when there is no profile yet and `patch` has none
 */
export async function updateProfile(patch: Partial<NodeProfile>, fallbackName: string): Promise<void> {
  try {
    await update<NodeProfile>(KEY, (old) => ({ ...old, ...patch, name: patch.name ?? old?.name ?? fallbackName }));
  } catch (error) {
    console.warn('carbonedge: IndexedDB unavailable, profile not saved', error);
  }
}
