/**
 * Live intensity for a room, usable from the pages (issue 15). Pure apart from the injected fetch:
 * no DOM, no storage, so the coordinator tab, a node tab, a worker or a test can run it.
 *
 * Who fetches: the coordinator. It holds the room's Electricity Maps token (if any) and asks, per
 * zone of its nodes, UK Carbon Intensity for GB (no key) or Electricity Maps for any other zone;
 * it sends nodes the readings, never the token. The token lives in this object only: `toJSON()` and
 * every answer and error leave it out, so exports and logs cannot carry it.
 *
 * Each answer is labelled with its state:
 * - `live`: a live figure observed at most `staleAfterMs` ago (default 2 h: both providers publish
 *   every 30-60 min);
 * - `stale`: a live figure older than that, or a cached live figure standing in because the
 *   provider failed (with the reason);
 * - `fallback`: the bundled yearly figure of the zone, because there is no provider for the zone
 *   (no token), or the provider failed and nothing live was cached (offline, garbage, HTTP error).
 */
import { canonicalCountryCode } from './country-codes';
import { canonicalGridZone } from './grid-data';
import type { DayProfile, IntensityReading, ReadOptions } from './intensity';
import type { IntensityCacheStore } from './intensity-cache';
import { globalFetch, type FetchLike } from './live-fetch';
import { createElectricityMapsSource, createUkCarbonIntensitySource, ELECTRICITY_MAPS_ID, UK_CARBON_INTENSITY_ID } from './live-intensity';
import { createBundledIntensitySource } from './bundled-intensity';
import { createResilientIntensitySource, type ResilientIntensitySource } from './resilient-intensity';

/** Options of {@link RoomIntensityService}. */
export interface RoomIntensityOptions {
  /** Injected fetch (default `globalThis.fetch`). */
  readonly fetch?: FetchLike;
  /** The room's Electricity Maps token, held by the coordinator only. */
  readonly electricityMapsToken?: string;
  /** Per-request timeout, ms (default 3000). */
  readonly timeoutMs?: number;
  /** A live figure older than this is labelled stale, ms (default 2 h). */
  readonly staleAfterMs?: number;
  /** Smallest gap between two live requests for one provider and zone, ms (default 60 s). */
  readonly minIntervalMs?: number;
  /** Cache store (default in memory; the IndexedDB store in a page). */
  readonly store?: IntensityCacheStore;
  /** Clock, ms since epoch. */
  readonly now?: () => number;
}

/** How trustworthy an answer is right now (see the file comment). */
export type LiveIntensityState = 'live' | 'stale' | 'fallback';

/** A room's answer for one zone. */
export interface RoomIntensityAnswer {
  /** Canonical zone asked. */
  readonly zone: string;
  /** The reading to use (live, cached live, or bundled), with its provenance. */
  readonly reading: IntensityReading;
  readonly state: LiveIntensityState;
  /** Age of the figure at answer time, ms; null for bundled yearly figures. */
  readonly ageMs: number | null;
  /** One line for the page: `live 12:30 UTC, uk-carbon-intensity` or `FALLBACK: ...`. */
  readonly label: string;
}

/** The token given is not usable. */
export class InvalidTokenError extends Error {
  override name = 'InvalidTokenError';
}

const DEFAULT_STALE_AFTER_MS = 2 * 3_600_000;

/** Check a token: non-empty, printable, no spaces, bounded; the message never repeats it. */
export function validateElectricityMapsToken(token: unknown): string {
  if (typeof token !== 'string' || !/^[\x21-\x7e]{8,256}$/.test(token)) {
    const length = typeof token === 'string' ? token.length : 0;
    throw new InvalidTokenError(`Electricity Maps token must be 8-256 printable characters without spaces (got ${typeof token === 'string' ? `${length} characters` : typeof token})`);
  }
  return token;
}

function hhmm(iso: string): string {
  return `${iso.slice(11, 16)} UTC`;
}

function stateOf(reading: IntensityReading, nowMs: number, staleAfterMs: number): { state: LiveIntensityState; ageMs: number | null } {
  const observedMs = reading.observedAt === null ? NaN : Date.parse(reading.observedAt);
  const ageMs = Number.isFinite(observedMs) ? Math.max(0, nowMs - observedMs) : null;
  if (!reading.isLive) return { state: 'fallback', ageMs };
  if (reading.fallback || (ageMs !== null && ageMs > staleAfterMs)) return { state: 'stale', ageMs };
  return { state: 'live', ageMs };
}

function labelOf(answer: Omit<RoomIntensityAnswer, 'label'>): string {
  const { reading, state, ageMs } = answer;
  const minutes = ageMs === null ? '' : `, ${Math.round(ageMs / 60_000)} min old`;
  const why = reading.fallback ? ` (${reading.fallback.fromSource} failed: ${reading.fallback.reason})` : '';
  switch (state) {
    case 'live':
      return `live ${hhmm(reading.observedAt!)}${minutes}, ${reading.source}`;
    case 'stale':
      return `STALE: live figure of ${reading.observedAt ? hhmm(reading.observedAt) : 'unknown time'}${minutes}, ${reading.source}${why}`;
    case 'fallback':
      return `FALLBACK: ${reading.source} ${reading.year ?? 'yearly'} figure${why}`;
    default: {
      const unreachable: never = state;
      return unreachable;
    }
  }
}

/**
 * The coordinator's live intensity for its nodes' zones (see the file comment). One resilient
 * source per provider, so cache and rate limits are shared across nodes in the same zone.
 */
export class RoomIntensityService {
  readonly #token: string | undefined;
  readonly #now: () => number;
  readonly #staleAfterMs: number;
  readonly #uk: ResilientIntensitySource;
  readonly #em: ResilientIntensitySource | undefined;

  constructor(options: RoomIntensityOptions = {}) {
    this.#token = options.electricityMapsToken === undefined ? undefined : validateElectricityMapsToken(options.electricityMapsToken);
    this.#now = options.now ?? Date.now;
    this.#staleAfterMs = options.staleAfterMs ?? DEFAULT_STALE_AFTER_MS;
    if (!(this.#staleAfterMs > 0)) throw new RangeError(`staleAfterMs must be > 0, got ${this.#staleAfterMs}`);
    const fetch = options.fetch ?? globalFetch;
    const timeoutMs = options.timeoutMs ?? 3000;
    const shared = {
      now: this.#now,
      ...(options.store ? { store: options.store } : {}),
      ...(options.minIntervalMs !== undefined ? { minIntervalMs: options.minIntervalMs } : {}),
      fallback: createBundledIntensitySource('average'),
    };
    // 48 h: the longest UK forecast, so deferrable jobs can be planned up to two days ahead.
    this.#uk = createResilientIntensitySource({ live: createUkCarbonIntensitySource({ fetch, timeoutMs, now: this.#now, forecastHours: 48 }), ...shared });
    this.#em = this.#token === undefined
      ? undefined
      : createResilientIntensitySource({ live: createElectricityMapsSource({ fetch, timeoutMs, token: this.#token, now: this.#now }), ...shared });
  }

  /** True when the room holds an Electricity Maps token (the token itself is never exposed). */
  get hasElectricityMapsToken(): boolean {
    return this.#token !== undefined;
  }

  /** The live provider for a zone, or the reason there is none. */
  providerFor(zone: string): { readonly sourceId: string } | { readonly none: string } {
    if (canonicalCountryCode(zone.trim()) === 'GB') return { sourceId: UK_CARBON_INTENSITY_ID };
    if (this.#em) return { sourceId: ELECTRICITY_MAPS_ID };
    return { none: `no live provider for ${canonicalGridZone(zone)}: UK Carbon Intensity covers GB only, Electricity Maps needs the room's token` };
  }

  /** The figure to use now for `zone`, labelled live, stale or fallback. Throws UnknownZoneError for zones nothing knows. */
  async read(zone: string, options: ReadOptions = {}): Promise<RoomIntensityAnswer> {
    const canonical = canonicalGridZone(zone);
    const provider = this.providerFor(zone);
    let reading: IntensityReading;
    if ('none' in provider) {
      reading = await createBundledIntensitySource('average').read(canonical, options);
      reading = { ...reading, fallback: { fromSource: 'live', reason: provider.none } };
    } else {
      const source = provider.sourceId === UK_CARBON_INTENSITY_ID ? this.#uk : this.#em!;
      reading = await source.read(canonical, options);
    }
    const partial = { zone: canonical, reading, ...stateOf(reading, this.#now(), this.#staleAfterMs) };
    return { ...partial, label: labelOf(partial) };
  }

  /**
   * The provider's forecast for `zone` (hourly points), or null when it has none: UK Carbon
   * Intensity forecasts GB without a key; Electricity Maps forecasts depend on the token's plan (a
   * free token has none). Never an invented profile. Throws IntensitySourceError on failure.
   */
  async forecast(zone: string, options: ReadOptions = {}): Promise<DayProfile | null> {
    const provider = this.providerFor(zone);
    if ('none' in provider) return null;
    const source = provider.sourceId === UK_CARBON_INTENSITY_ID ? this.#uk : this.#em!;
    return source.dayProfile ? source.dayProfile(canonicalGridZone(zone), options) : null;
  }

  /** What may be written to exports or logs: never the token. */
  toJSON(): { readonly electricityMapsToken: 'held by the coordinator' | null; readonly staleAfterMs: number } {
    return { electricityMapsToken: this.#token === undefined ? null : 'held by the coordinator', staleAfterMs: this.#staleAfterMs };
  }
}
