import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { createBundledIntensitySource } from '../../../src/carbon/bundled-intensity';
import { IdbIntensityStore } from '../../../src/carbon/idb-intensity-store';
import { IntensityKindMixError, type IntensityReading, type IntensitySource } from '../../../src/carbon/intensity';
import { MemoryIntensityStore, RequestRateLimiter, type IntensityCacheStore } from '../../../src/carbon/intensity-cache';
import { createUkCarbonIntensitySource } from '../../../src/carbon/live-intensity';
import { createResilientIntensitySource } from '../../../src/carbon/resilient-intensity';
import { jsonResponse, notJsonResponse, scriptedFetch, ukBody } from './fake-fetch';

function clock(startMs = Date.UTC(2026, 2, 1, 12)) {
  let nowMs = startMs;
  return { now: () => nowMs, advance: (ms: number) => void (nowMs += ms) };
}

describe('resilient intensity source', () => {
  it('falls back to the bundled figure, labelled, when the live source fails', async () => {
    for (const answer of [jsonResponse({}, 500), notJsonResponse(), new TypeError('fetch failed'), jsonResponse({ data: 'x' })]) {
      const { fetch } = scriptedFetch(answer);
      const source = createResilientIntensitySource({ live: createUkCarbonIntensitySource({ fetch }) });
      const reading = await source.read('GB');
      expect(reading).toMatchObject({ source: 'bundled-electricity-maps', gramsCo2PerKwh: 176, year: 2025, isLive: false, kind: 'average' });
      expect(reading.fallback?.fromSource).toBe('uk-carbon-intensity');
    }
  });

  it('labels the fallback reason (HTTP status)', async () => {
    const { fetch } = scriptedFetch(jsonResponse({}, 503));
    const reading = await createResilientIntensitySource({ live: createUkCarbonIntensitySource({ fetch }) }).read('GB');
    expect(reading.fallback?.reason).toBe('http: HTTP 503');
  });

  it('falls back when the live source does not cover the zone', async () => {
    const { fetch } = scriptedFetch();
    const reading = await createResilientIntensitySource({ live: createUkCarbonIntensitySource({ fetch }) }).read('PL');
    expect(reading).toMatchObject({ zone: 'PL', gramsCo2PerKwh: 565, year: 2025 });
    expect(reading.fallback?.reason).toMatch(/Great Britain only/);
  });

  it('serves a fresh cached live value without a new request', async () => {
    const time = clock();
    const { fetch, calls } = scriptedFetch(jsonResponse(ukBody(150, 160)));
    const source = createResilientIntensitySource({ live: createUkCarbonIntensitySource({ fetch }), now: time.now });
    expect((await source.read('GB')).isLive).toBe(true);
    time.advance(60_000);
    const again = await source.read('GB');
    expect(again).toMatchObject({ gramsCo2PerKwh: 150, isLive: true, cachedAt: '2026-03-01T12:00:00.000Z' });
    expect(calls).toHaveLength(1);
  });

  it('rate-limits requests and uses the stale cached value, labelled', async () => {
    const time = clock();
    const { fetch, calls } = scriptedFetch(jsonResponse(ukBody(150, 160)));
    const source = createResilientIntensitySource({
      live: createUkCarbonIntensitySource({ fetch }), now: time.now, cacheTtlMs: 1000, minIntervalMs: 60_000,
    });
    await source.read('GB');
    time.advance(5000);
    const limited = await source.read('GB');
    expect(calls).toHaveLength(1);
    expect(limited.gramsCo2PerKwh).toBe(150);
    expect(limited.fallback?.reason).toMatch(/rate-limited: next request allowed in 55 s; using the cached live value/);
  });

  it('honours Retry-After from a 429 before asking again', async () => {
    const time = clock();
    const { fetch, calls } = scriptedFetch(jsonResponse({}, 429, { 'retry-after': '600' }), jsonResponse(ukBody(90, 90)));
    const source = createResilientIntensitySource({ live: createUkCarbonIntensitySource({ fetch }), now: time.now, minIntervalMs: 0 });
    expect((await source.read('GB')).fallback?.reason).toMatch(/rate-limited/);
    time.advance(300_000);
    expect((await source.read('GB')).fallback?.reason).toMatch(/next request allowed in 300 s/);
    time.advance(300_000);
    expect((await source.read('GB')).gramsCo2PerKwh).toBe(90);
    expect(calls).toHaveLength(2);
  });

  it('refuses a fallback of another kind (no silent marginal/average mix)', () => {
    const live: IntensitySource = { id: 'fake-marginal', kind: 'marginal', read: () => Promise.reject(new Error('unused')) };
    expect(() => createResilientIntensitySource({ live, fallback: createBundledIntensitySource('average') })).toThrow(IntensityKindMixError);
    const reading = createResilientIntensitySource({ live });
    expect(reading.kind).toBe('marginal');
  });

  it('treats a failing cache store as a miss and records it', async () => {
    const broken: IntensityCacheStore = {
      get: () => Promise.reject(new Error('quota')),
      set: () => Promise.reject(new Error('quota')),
    };
    const { fetch } = scriptedFetch(jsonResponse(ukBody(120, 120)));
    const source = createResilientIntensitySource({ live: createUkCarbonIntensitySource({ fetch }), store: broken });
    expect((await source.read('GB')).gramsCo2PerKwh).toBe(120);
    expect(source.cacheErrors).toEqual(['get uk-carbon-intensity:GB: quota', 'set uk-carbon-intensity:GB: quota']);
  });

  it('rethrows when the caller aborts instead of falling back', async () => {
    const controller = new AbortController();
    const { fetch } = scriptedFetch('hang');
    const pending = createResilientIntensitySource({ live: createUkCarbonIntensitySource({ fetch }) }).read('GB', { signal: controller.signal });
    controller.abort();
    await expect(pending).rejects.toMatchObject({ failure: 'aborted' });
  });
});

describe('RequestRateLimiter', () => {
  it('spaces requests by minIntervalMs', () => {
    const limiter = new RequestRateLimiter(1000);
    expect(limiter.tryAcquire(0)).toBe(true);
    expect(limiter.tryAcquire(999)).toBe(false);
    expect(limiter.waitMs(999)).toBe(1);
    expect(limiter.tryAcquire(1000)).toBe(true);
  });
});

const reading: IntensityReading = {
  gramsCo2PerKwh: 123, zone: 'GB', source: 'uk-carbon-intensity', kind: 'average',
  observedAt: '2026-03-01T12:00:00.000Z', period: 'half-hour', isLive: true, vintage: 'test',
};

describe.each([
  ['MemoryIntensityStore', () => new MemoryIntensityStore()],
  ['IdbIntensityStore (fake-indexeddb)', () => new IdbIntensityStore(`test-${Math.random()}`)],
])('%s', (_name, makeStore: () => IntensityCacheStore) => {
  it('returns what was stored and undefined for a miss', async () => {
    const store = makeStore();
    await expect(store.get('k')).resolves.toBeUndefined();
    await store.set('k', { reading, storedAtMs: 42 });
    await expect(store.get('k')).resolves.toEqual({ reading, storedAtMs: 42 });
  });
});
