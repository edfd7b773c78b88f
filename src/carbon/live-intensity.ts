/**
 * Optional live intensity providers. Both give average (consumption/generation mix) figures; both
 * take an injectable fetch and a timeout; neither caches or falls back by itself - wrap them in
 * {@link createResilientIntensitySource} (resilient-intensity.ts) for cache, rate limit and the
 * labelled bundled fallback.
 *
 * - Electricity Maps API v3 (needs a user token, sent as the `auth-token` header):
 *   `GET /v3/carbon-intensity/latest?zone=Z` -> `{ zone, carbonIntensity, datetime, ... }`;
 *   `GET /v3/carbon-intensity/forecast?zone=Z` -> `{ zone, forecast: [{ carbonIntensity, datetime }] }`
 *   (forecasts depend on the token's plan). Zones are Electricity Maps zone ids (`DE`, `US-CAL-CISO`).
 * - UK Carbon Intensity API (National Grid ESO, no key), Great Britain only:
 *   `GET /intensity` -> `{ data: [{ from, to, intensity: { forecast, actual, index } }] }` half-hourly;
 *   `GET /intensity/{from}/fw24h` (or `fw48h`) -> half-hours of forecast, averaged here into hours.
 */
import { canonicalCountryCode } from './country-codes';
import {
  IntensitySourceError,
  UnknownZoneError,
  validateGramsCo2PerKwh,
  type DayProfile,
  type IntensityProfilePoint,
  type IntensityReading,
  type IntensitySource,
  type ReadOptions,
} from './intensity';
import { fetchJson, globalFetch, pick, type FetchLike } from './live-fetch';

/** Options shared by the live providers. */
export interface LiveProviderOptions {
  /** Injected fetch; defaults to `globalThis.fetch`. */
  readonly fetch?: FetchLike;
  /** Per-request timeout, ms (default 5000). */
  readonly timeoutMs?: number;
  /** Clock for forecast windows, ms since epoch (default Date.now). */
  readonly now?: () => number;
}

const DEFAULT_TIMEOUT_MS = 5000;

function garbage(sourceId: string, detail: string): IntensitySourceError {
  return new IntensitySourceError(sourceId, 'garbage', detail);
}

function intensityFrom(sourceId: string, value: unknown, where: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw garbage(sourceId, `${where} is not a number (${String(value)})`);
  try {
    return validateGramsCo2PerKwh(value, sourceId);
  } catch (error) {
    throw garbage(sourceId, `${where}: ${(error as Error).message}`);
  }
}

function isoFrom(sourceId: string, value: unknown, where: string): string {
  const ms = typeof value === 'string' ? Date.parse(value) : NaN;
  if (!Number.isFinite(ms)) throw garbage(sourceId, `${where} is not a date (${String(value)})`);
  return new Date(ms).toISOString();
}

/** Electricity Maps options. */
export interface ElectricityMapsOptions extends LiveProviderOptions {
  /** The user's API token (never bundled, never logged). */
  readonly token: string;
  /** API root (default `https://api.electricitymap.org/v3`). */
  readonly baseUrl?: string;
}

/** Source id of Electricity Maps readings. */
export const ELECTRICITY_MAPS_ID = 'electricity-maps';

/** Electricity Maps zone id for a user zone: countries canonicalised to alpha-2, others as given. */
function electricityMapsZone(zone: string): string {
  const trimmed = zone.trim();
  if (!/^[A-Za-z]{2,3}(-[A-Za-z0-9-]+)?$/.test(trimmed)) {
    throw new UnknownZoneError(zone, ELECTRICITY_MAPS_ID, 'expected a zone id such as DE or US-CAL-CISO');
  }
  return trimmed.includes('-') ? trimmed.toUpperCase() : (canonicalCountryCode(trimmed) ?? trimmed.toUpperCase());
}

/** Live source backed by Electricity Maps (average, hourly, lifecycle emission factors). */
export function createElectricityMapsSource(options: ElectricityMapsOptions): IntensitySource {
  const fetch = options.fetch ?? globalFetch;
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const baseUrl = (options.baseUrl ?? 'https://api.electricitymap.org/v3').replace(/\/$/, '');
  const get = (path: string, zone: string, signal?: AbortSignal): Promise<unknown> => {
    if (!options.token) throw new IntensitySourceError(ELECTRICITY_MAPS_ID, 'config', 'no API token configured');
    return fetchJson({
      sourceId: ELECTRICITY_MAPS_ID,
      fetch,
      url: `${baseUrl}${path}?zone=${encodeURIComponent(zone)}`,
      headers: { 'auth-token': options.token },
      timeoutMs,
      ...(signal ? { signal } : {}),
    });
  };
  return {
    id: ELECTRICITY_MAPS_ID,
    kind: 'average',
    async read(zone: string, readOptions: ReadOptions = {}): Promise<IntensityReading> {
      const emZone = electricityMapsZone(zone);
      const body = await get('/carbon-intensity/latest', emZone, readOptions.signal);
      return {
        gramsCo2PerKwh: intensityFrom(ELECTRICITY_MAPS_ID, pick(body, 'carbonIntensity'), 'carbonIntensity'),
        zone: typeof pick(body, 'zone') === 'string' ? (pick(body, 'zone') as string) : emZone,
        source: ELECTRICITY_MAPS_ID,
        kind: 'average',
        observedAt: isoFrom(ELECTRICITY_MAPS_ID, pick(body, 'datetime'), 'datetime'),
        period: 'hour',
        isLive: true,
        vintage: pick(body, 'isEstimated') === true ? 'Electricity Maps latest (estimated)' : 'Electricity Maps latest',
      };
    },
    async dayProfile(zone: string, readOptions: ReadOptions = {}): Promise<DayProfile | null> {
      const emZone = electricityMapsZone(zone);
      const body = await get('/carbon-intensity/forecast', emZone, readOptions.signal);
      const forecast = pick(body, 'forecast');
      if (!Array.isArray(forecast)) throw garbage(ELECTRICITY_MAPS_ID, 'forecast is not an array');
      const points = forecast.slice(0, 24).map((entry, i): IntensityProfilePoint => ({
        startsAt: isoFrom(ELECTRICITY_MAPS_ID, pick(entry, 'datetime'), `forecast[${i}].datetime`),
        gramsCo2PerKwh: intensityFrom(ELECTRICITY_MAPS_ID, pick(entry, 'carbonIntensity'), `forecast[${i}].carbonIntensity`),
      }));
      return points.length === 0 ? null : { zone: emZone, source: ELECTRICITY_MAPS_ID, kind: 'average', points };
    },
  };
}

/** Source id of UK Carbon Intensity readings. */
export const UK_CARBON_INTENSITY_ID = 'uk-carbon-intensity';

/** UK Carbon Intensity options. */
export interface UkCarbonIntensityOptions extends LiveProviderOptions {
  /** API root (default `https://api.carbonintensity.org.uk`). */
  readonly baseUrl?: string;
  /** Forecast horizon of `dayProfile`, hours: 24 (default) or 48 (the API's longest). */
  readonly forecastHours?: 24 | 48;
}

function requireGreatBritain(zone: string): void {
  if (canonicalCountryCode(zone) !== 'GB') {
    throw new UnknownZoneError(zone, UK_CARBON_INTENSITY_ID, 'covers Great Britain only (GB)');
  }
}

/** Live source backed by the UK Carbon Intensity API (GB national, half-hourly, no key). */
export function createUkCarbonIntensitySource(options: UkCarbonIntensityOptions = {}): IntensitySource {
  const fetch = options.fetch ?? globalFetch;
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const now = options.now ?? Date.now;
  const baseUrl = (options.baseUrl ?? 'https://api.carbonintensity.org.uk').replace(/\/$/, '');
  const forecastHours = options.forecastHours ?? 24;
  if (forecastHours !== 24 && forecastHours !== 48) throw new RangeError(`forecastHours must be 24 or 48, got ${String(forecastHours)}`);
  const get = (path: string, signal?: AbortSignal): Promise<unknown> =>
    fetchJson({ sourceId: UK_CARBON_INTENSITY_ID, fetch, url: `${baseUrl}${path}`, timeoutMs, ...(signal ? { signal } : {}) });
  return {
    id: UK_CARBON_INTENSITY_ID,
    kind: 'average',
    async read(zone: string, readOptions: ReadOptions = {}): Promise<IntensityReading> {
      requireGreatBritain(zone);
      const body = await get('/intensity', readOptions.signal);
      const entry = pick(body, 'data', 0);
      if (entry === undefined) throw garbage(UK_CARBON_INTENSITY_ID, 'no data[0]');
      const actual = pick(entry, 'intensity', 'actual');
      const useActual = typeof actual === 'number';
      const value = useActual ? actual : pick(entry, 'intensity', 'forecast');
      return {
        gramsCo2PerKwh: intensityFrom(UK_CARBON_INTENSITY_ID, value, useActual ? 'intensity.actual' : 'intensity.forecast'),
        zone: 'GB',
        source: UK_CARBON_INTENSITY_ID,
        kind: 'average',
        observedAt: isoFrom(UK_CARBON_INTENSITY_ID, pick(entry, 'from'), 'data[0].from'),
        period: 'half-hour',
        isLive: true,
        vintage: useActual ? 'National Grid ESO, actual' : 'National Grid ESO, forecast for this half-hour',
      };
    },
    async dayProfile(zone: string, readOptions: ReadOptions = {}): Promise<DayProfile | null> {
      requireGreatBritain(zone);
      const from = new Date(now()).toISOString().slice(0, 16) + 'Z';
      const body = await get(`/intensity/${from}/fw${forecastHours}h`, readOptions.signal);
      const data = pick(body, 'data');
      if (!Array.isArray(data)) throw garbage(UK_CARBON_INTENSITY_ID, 'data is not an array');
      const hours = new Map<string, number[]>();
      data.forEach((entry, i) => {
        const startsAt = isoFrom(UK_CARBON_INTENSITY_ID, pick(entry, 'from'), `data[${i}].from`);
        const value = intensityFrom(UK_CARBON_INTENSITY_ID, pick(entry, 'intensity', 'forecast'), `data[${i}].intensity.forecast`);
        const hour = `${startsAt.slice(0, 13)}:00:00.000Z`;
        hours.set(hour, [...(hours.get(hour) ?? []), value]);
      });
      const points = [...hours.entries()]
        .sort(([a], [b]) => a.localeCompare(b))
        .slice(0, forecastHours)
        .map(([startsAt, values]) => ({ startsAt, gramsCo2PerKwh: values.reduce((s, v) => s + v, 0) / values.length }));
      return points.length === 0 ? null : { zone: 'GB', source: UK_CARBON_INTENSITY_ID, kind: 'average', points };
    },
  };
}
