/** IndexedDB-backed stores under fake-indexeddb: slices by hash, and the node profile, survive a "reload". */
import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { IdbSliceStore } from '../../../src/ui/idb-slice-store';
import { loadProfile, saveProfile } from '../../../src/ui/profile-store';

describe('IndexedDB stores', () => {
  it('keeps slice bytes by SHA-256 across store instances', async () => {
    const hash = 'ab'.repeat(32);
    await new IdbSliceStore('test-slices').put(hash, Uint8Array.of(1, 2, 3));
    const again = new IdbSliceStore('test-slices');
    expect(Array.from((await again.get(hash))!)).toEqual([1, 2, 3]);
    expect(await again.get('cd'.repeat(32))).toBeUndefined();
  });

  it('keeps the node profile (name and benchmark) for a fast rejoin', async () => {
    expect(await loadProfile()).toBeUndefined();
    const benchmark = { model: 'paddle-cls', backends: [{ backend: 'wasm' as const, available: true, medianMs: 5, runs: 10, flopsPerSecond: 6e9 }], threads: 2, crossOriginIsolated: true };
    await saveProfile({ name: 'laptop-ab12', benchmark, benchmarkedAtMs: 1 });
    const loaded = await loadProfile();
    expect(loaded?.name).toBe('laptop-ab12');
    expect(loaded?.benchmark?.backends[0]?.flopsPerSecond).toBe(6e9);
  });
});
