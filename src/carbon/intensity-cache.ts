/**
 * Cache stores for live intensity readings, and the rate limiter the resilient source uses.
 * The store is an interface so that Node and tests use {@link MemoryIntensityStore} while the
 * browser uses the IndexedDB one in idb-intensity-store.ts (kept in its own file so that Node code
 * never loads idb-keyval).
 */
import type { IntensityReading } from './intensity';

/** One cached reading. */
export interface CachedIntensity {
  /** The reading as the live source gave it. */
  readonly reading: IntensityReading;
  /** When it was stored, ms since epoch. */
  readonly storedAtMs: number;
}

/** Where cached readings live. Implementations may fail; callers treat a failure as a miss. */
export interface IntensityCacheStore {
  get(key: string): Promise<CachedIntensity | undefined>;
  set(key: string, value: CachedIntensity): Promise<void>;
}

/** In-memory store (Node, tests, workers without IndexedDB). */
export class MemoryIntensityStore implements IntensityCacheStore {
  readonly #entries = new Map<string, CachedIntensity>();

  get(key: string): Promise<CachedIntensity | undefined> {
    return Promise.resolve(this.#entries.get(key));
  }

  set(key: string, value: CachedIntensity): Promise<void> {
    this.#entries.set(key, value);
    return Promise.resolve();
  }

  /** Number of cached entries. */
  get size(): number {
    return this.#entries.size;
  }
}

/** Check that unknown data read back from a store is a CachedIntensity (stores outlive versions). */
export function isCachedIntensity(value: unknown): value is CachedIntensity {
  if (value === null || typeof value !== 'object') return false;
  const v = value as { reading?: unknown; storedAtMs?: unknown };
  if (typeof v.storedAtMs !== 'number' || v.reading === null || typeof v.reading !== 'object') return false;
  const r = v.reading as Record<string, unknown>;
  return (
    typeof r.gramsCo2PerKwh === 'number' &&
    Number.isFinite(r.gramsCo2PerKwh) &&
    typeof r.zone === 'string' &&
    typeof r.source === 'string' &&
    (r.kind === 'average' || r.kind === 'marginal')
  );
}

/**
 * Minimum spacing between requests to one provider, plus a block honouring a 429's Retry-After.
 * Time is passed in (ms since epoch) so tests drive it without fake timers.
 */
export class RequestRateLimiter {
  #lastRequestMs = Number.NEGATIVE_INFINITY;
  #blockedUntilMs = Number.NEGATIVE_INFINITY;

  /** @param minIntervalMs smallest gap between two requests, ms */
  constructor(readonly minIntervalMs: number) {
    if (!(minIntervalMs >= 0)) throw new RangeError(`minIntervalMs must be >= 0, got ${minIntervalMs}`);
  }

  /** Take a slot at `nowMs` if one is free; returns false (and takes nothing) otherwise. */
  tryAcquire(nowMs: number): boolean {
    if (nowMs < this.#blockedUntilMs || nowMs - this.#lastRequestMs < this.minIntervalMs) return false;
    this.#lastRequestMs = nowMs;
    return true;
  }

  /** Refuse requests until `untilMs` (from a 429). */
  blockUntil(untilMs: number): void {
    this.#blockedUntilMs = Math.max(this.#blockedUntilMs, untilMs);
  }

  /** Ms until the next request is allowed at `nowMs` (0 when free). */
  waitMs(nowMs: number): number {
    return Math.max(0, this.#blockedUntilMs - nowMs, this.#lastRequestMs + this.minIntervalMs - nowMs);
  }
}
