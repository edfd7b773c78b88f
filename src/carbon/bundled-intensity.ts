/**
 * The bundled, offline intensity source (the default): per-country annual figures shipped inside
 * @tgwf/co2 (the `./data` subpath export).
 * - average: Ember yearly data, the latest year Ember has for each country; values in gCO2/kWh
 *   keyed by ISO alpha-3 plus regions (`WORLD`, `EU`, `EUROPE`, `G20`, ...).
 * - marginal: UNFCCC / IFI harmonised grid factors (2021), keyed by alpha-3.
 * Zones may be given as alpha-2 (`FR`), alpha-3 (`FRA`), an alias (`UK`) or a region name; readings
 * carry the canonical alpha-2 zone (regions keep their name). The package does not ship the year of
 * each Ember value, so the vintage says "latest year per country" rather than guessing a year.
 */
import { averageIntensity, marginalIntensity } from '@tgwf/co2/data';
import { alpha3FromAlpha2, canonicalCountryCode } from './country-codes';
import {
  UnknownZoneError,
  validateGramsCo2PerKwh,
  type IntensityKind,
  type IntensityReading,
  type IntensitySource,
} from './intensity';

/** The @tgwf/co2 version the bundled figures come from (a unit test checks it against node_modules). */
export const TGWF_CO2_VERSION = '0.19.0';

/** Source ids of the bundled tables. */
export const BUNDLED_SOURCE_IDS = { average: 'bundled-ember', marginal: 'bundled-unfccc-marginal' } as const;

const VINTAGES: Readonly<Record<IntensityKind, string>> = {
  average: `Ember yearly, latest year per country (@tgwf/co2 ${TGWF_CO2_VERSION})`,
  marginal: `UNFCCC IFI harmonised grid factors 2021 (@tgwf/co2 ${TGWF_CO2_VERSION})`,
};

function table(kind: IntensityKind): Readonly<Record<string, string | number>> {
  return kind === 'average' ? averageIntensity.data : marginalIntensity.data;
}

/** A zone resolved against a bundled table. */
export interface BundledLookup {
  /** Canonical zone: alpha-2 for countries, the region name otherwise. */
  readonly zone: string;
  /** The key in the @tgwf/co2 table (alpha-3 or region name). */
  readonly tableKey: string;
  /** gCO2/kWh. */
  readonly gramsCo2PerKwh: number;
}

/**
 * Look a zone up in a bundled table without throwing; undefined when absent. Sub-national zones
 * are not guessed: `US-CAL-CISO` is unknown here (use a live source or a configured value).
 */
export function lookupBundledIntensity(zone: string, kind: IntensityKind = 'average'): BundledLookup | undefined {
  const data = table(kind);
  const upper = zone.trim().toUpperCase();
  const alpha2 = canonicalCountryCode(upper);
  const key = alpha2 ? alpha3FromAlpha2(alpha2) : upper;
  if (key === undefined || !Object.hasOwn(data, key)) return undefined;
  const raw = data[key];
  const value = typeof raw === 'string' ? Number(raw) : raw;
  const gramsCo2PerKwh = validateGramsCo2PerKwh(value, `@tgwf/co2 ${kind} ${key}`);
  return { zone: alpha2 ?? upper, tableKey: key, gramsCo2PerKwh };
}

/** Canonical zones of a bundled table: alpha-2 countries and region names, sorted. */
export function bundledZones(kind: IntensityKind = 'average'): string[] {
  const zones: string[] = [];
  for (const key of Object.keys(table(kind))) {
    const alpha2 = key.length === 3 ? canonicalCountryCode(key) : undefined;
    zones.push(alpha2 ?? key);
  }
  return zones.sort();
}

/** Build the reading for a zone synchronously (what the async source and fallbacks use). */
export function bundledReading(zone: string, kind: IntensityKind = 'average'): IntensityReading {
  const id = BUNDLED_SOURCE_IDS[kind];
  const hit = lookupBundledIntensity(zone, kind);
  if (!hit) {
    const hint = /^[A-Z]{2}-/i.test(zone.trim())
      ? 'sub-national zones need a live source or a configured value'
      : 'use an ISO 3166 alpha-2 or alpha-3 country code, or WORLD / EU';
    throw new UnknownZoneError(zone, id, hint);
  }
  return {
    gramsCo2PerKwh: hit.gramsCo2PerKwh,
    zone: hit.zone,
    source: id,
    kind,
    observedAt: null,
    period: 'annual',
    isLive: false,
    vintage: VINTAGES[kind],
  };
}

/** The bundled source of one kind (average by default). Offline, instant, never live. */
export function createBundledIntensitySource(kind: IntensityKind = 'average'): IntensitySource {
  return {
    id: BUNDLED_SOURCE_IDS[kind],
    kind,
    read: (zone) => Promise.resolve().then(() => bundledReading(zone, kind)),
    dayProfile: () => Promise.resolve(null),
  };
}
