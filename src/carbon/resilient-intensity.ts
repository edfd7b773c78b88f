/**
 * A live source made safe to use: cache (fresh for `cacheTtlMs`), a per-provider rate limit,
 * and a labelled fallback when the live source times out, fails, returns garbage, is rate limited
 * or does not know the zone. Order of answers:
 *   1. a fresh cached live reading (`cachedAt` set);
 *   2. a new live reading (when the rate limit allows);
 *   3. on failure: a stale cached live reading younger than `staleMaxMs`, labelled `fallback`;
 *   4. else the fallback source (bundled table of the same kind), labelled `fallback`.
 * The fallback must give the same kind (average/marginal) as the live source: checked up front,
 * so a marginal live figure is never silently replaced by an average one.
 */
import { createBundledIntensitySource } from './bundled-intensity';
import {
  IntensityKindMixError,
  IntensitySourceError,
  UnknownZoneError,
  type DayProfile,
  type IntensityReading,
  type IntensitySource,
  type ReadOptions,
} from './intensity';
import { MemoryIntensityStore, RequestRateLimiter, type IntensityCacheStore } from './intensity-cache';
import { RateLimitedError } from './live-fetch';

/** Options of {@link createResilientIntensitySource}. */
export interface ResilientSourceOptions {
  /** The live provider (Electricity Maps, UK Carbon Intensity, or a fake in tests). */
  readonly live: IntensitySource;
  /** Stand-in when live fails; default: the bundled table of the live source's kind. */
  readonly fallback?: IntensitySource;
  /** Cache; default an in-memory store. Pass IdbIntensityStore in the browser. */
  readonly store?: IntensityCacheStore;
  /** A cached live reading is fresh for this long, ms (default 15 min). */
  readonly cacheTtlMs?: number;
  /** A stale cached live reading may stand in on failure for this long, ms (default 6 h). */
  readonly staleMaxMs?: number;
  /** Smallest gap between two live requests, ms (default 60 s). */
  readonly minIntervalMs?: number;
  /** Clock, ms since epoch (default Date.now). */
  readonly now?: () => number;
}

/** A resilient source also reports store failures (they never break a read). */
export interface ResilientIntensitySource extends IntensitySource {
  /** Cache store errors seen so far (reads treat them as misses). */
  readonly cacheErrors: readonly string[];
}

function failureReason(error: unknown): string | undefined {
  if (error instanceof IntensitySourceError) return error.reason;
  if (error instanceof UnknownZoneError) return error.message;
  return undefined;
}

/** Wrap a live source with cache, rate limit and labelled fallback (see the file comment). */
export function createResilientIntensitySource(options: ResilientSourceOptions): ResilientIntensitySource {
  const { live } = options;
  const fallback = options.fallback ?? createBundledIntensitySource(live.kind);
  if (fallback.kind !== live.kind) {
    throw new IntensityKindMixError(`fallback ${fallback.id} gives ${fallback.kind} figures but ${live.id} gives ${live.kind}`);
  }
  const store = options.store ?? new MemoryIntensityStore();
  const cacheTtlMs = options.cacheTtlMs ?? 15 * 60_000;
  const staleMaxMs = options.staleMaxMs ?? 6 * 3_600_000;
  const now = options.now ?? Date.now;
  const limiter = new RequestRateLimiter(options.minIntervalMs ?? 60_000);
  const cacheErrors: string[] = [];

  const cacheGet = async (key: string) => {
    try {
      return await store.get(key);
    } catch (error) {
      cacheErrors.push(`get ${key}: ${(error as Error)?.message ?? error}`);
      return undefined;
    }
  };
  const cacheSet = async (key: string, reading: IntensityReading) => {
    try {
      await store.set(key, { reading, storedAtMs: now() });
    } catch (error) {
      cacheErrors.push(`set ${key}: ${(error as Error)?.message ?? error}`);
    }
  };

  async function standIn(zone: string, reason: string, key: string, options: ReadOptions): Promise<IntensityReading> {
    const cached = await cacheGet(key);
    if (cached && now() - cached.storedAtMs <= staleMaxMs) {
      return {
        ...cached.reading,
        cachedAt: new Date(cached.storedAtMs).toISOString(),
        fallback: { fromSource: live.id, reason: `${reason}; using the cached live value` },
      };
    }
    const reading = await fallback.read(zone, options);
    return { ...reading, fallback: { fromSource: live.id, reason } };
  }

  return {
    id: `${live.id}+fallback`,
    kind: live.kind,
    cacheErrors,
    async read(zone: string, readOptions: ReadOptions = {}): Promise<IntensityReading> {
      const key = `${live.id}:${zone.trim().toUpperCase()}`;
      const cached = await cacheGet(key);
      if (cached && now() - cached.storedAtMs < cacheTtlMs) {
        return { ...cached.reading, cachedAt: new Date(cached.storedAtMs).toISOString() };
      }
      const nowMs = now();
      if (!limiter.tryAcquire(nowMs)) {
        return standIn(zone, `rate-limited: next request allowed in ${Math.ceil(limiter.waitMs(nowMs) / 1000)} s`, key, readOptions);
      }
      try {
        const reading = await live.read(zone, readOptions);
        await cacheSet(key, reading);
        return reading;
      } catch (error) {
        if (readOptions.signal?.aborted) throw error; // the caller cancelled: not a fallback case
        if (error instanceof RateLimitedError && error.retryAfterMs !== undefined) limiter.blockUntil(now() + error.retryAfterMs);
        const reason = failureReason(error);
        if (reason === undefined) throw error; // a bug, not an outage: surface it
        return standIn(zone, reason, key, readOptions);
      }
    },
    async dayProfile(zone: string, readOptions: ReadOptions = {}): Promise<DayProfile | null> {
      return live.dayProfile ? live.dayProfile(zone, readOptions) : null;
    },
  };
}
