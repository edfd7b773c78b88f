/**
 * Bundled yearly grid intensities with their year, zone, source, kind and basis (issue 15): every
 * table @tgwf/co2 ships, offline.
 *
 * | dataset | kind | basis | years | zones |
 * |---|---|---|---|---|
 * | `electricity-maps` | average | lifecycle, consumption (flow-traced) | 2021-2025 | 352: countries and sub-national zones (`US-CAL-CISO`, `NO-NO1`, `DK-DK1`, `AU-NSW`...) |
 * | `ember` | average | lifecycle, production (no imports) | latest year per country, year not shipped | ~210 countries and regions (`WORLD`, `EU`, `ASIA`...) |
 * | `unfccc-marginal` | marginal | direct (combustion), production | 2021 | ~200 countries |
 *
 * Bases: Electricity Maps' yearly files are computed with its default method, "flow-traced
 * electricity consumption mix and lifecycle emission factors" (Electricity Maps API docs, signals;
 * methodology URL shipped in the files). Ember states its emissions "aim to include full lifecycle
 * emissions" on the mix generated in the country (Ember Global Electricity Review methodology), so
 * it is lifecycle but production-based. The IFI harmonised factors are combustion-only marginal
 * factors. Readings carry `basis`, `year` and a vintage naming both: never side by side unlabelled.
 *
 * Default (no dataset asked): Electricity Maps, latest year (2025), for any zone it has; Ember for
 * the zones only Ember has (regions such as `WORLD`, `EU` and a few small countries), labelled as
 * such. Why: it names its year, it has sub-national zones (a node in California is not on the US
 * average), it is what a device draws (consumption, imports included), and it has the same basis as
 * the live Electricity Maps API, so a live figure falling back to the bundled one stays like for like.
 */
import { averageIntensity, electricityMaps, marginalIntensity } from '@tgwf/co2/data';
import { alpha3FromAlpha2, canonicalCountryCode } from './country-codes';
import {
  UnknownZoneError,
  validateGramsCo2PerKwh,
  type IntensityBasis,
  type IntensityKind,
  type IntensityReading,
} from './intensity';

/** The @tgwf/co2 version the bundled figures come from (a unit test checks it against node_modules). */
export const TGWF_CO2_VERSION = '0.19.0';

/** A bundled table. */
export type GridDatasetId = 'electricity-maps' | 'ember' | 'unfccc-marginal';

/** What one bundled table is. */
export interface GridDataset {
  readonly id: GridDatasetId;
  /** `source` of the readings it gives. */
  readonly sourceId: string;
  readonly kind: IntensityKind;
  readonly basis: IntensityBasis;
  /** Years it has, ascending; null when the table does not ship its year (Ember). */
  readonly years: readonly number[] | null;
  /** Short human name with basis, for vintages. */
  readonly label: string;
  /** Licence and attribution the data comes with. */
  readonly licence: string;
}

/** Years of Electricity Maps yearly data in @tgwf/co2 0.19.0. */
export const ELECTRICITY_MAPS_YEARS = [2021, 2022, 2023, 2024, 2025] as const;

/** The three bundled tables (see the file comment). */
export const GRID_DATASETS: Readonly<Record<GridDatasetId, GridDataset>> = {
  'electricity-maps': {
    id: 'electricity-maps',
    sourceId: 'bundled-electricity-maps',
    kind: 'average',
    basis: 'lifecycle-consumption',
    years: ELECTRICITY_MAPS_YEARS,
    label: 'Electricity Maps yearly, lifecycle, consumption-based',
    licence: 'Electricity Maps, ODbL',
  },
  ember: {
    id: 'ember',
    sourceId: 'bundled-ember',
    kind: 'average',
    basis: 'lifecycle-production',
    years: null,
    label: 'Ember yearly, lifecycle, production-based',
    licence: 'Ember, CC BY-SA 4.0',
  },
  'unfccc-marginal': {
    id: 'unfccc-marginal',
    sourceId: 'bundled-unfccc-marginal',
    kind: 'marginal',
    basis: 'direct-production',
    years: [Number(marginalIntensity.year ?? 2021)],
    label: 'UNFCCC IFI harmonised grid factors, marginal, direct',
    licence: 'Green Web Foundation, CC BY-SA 4.0',
  },
};

/** Latest Electricity Maps year: the default year. */
export const DEFAULT_GRID_YEAR = ELECTRICITY_MAPS_YEARS[ELECTRICITY_MAPS_YEARS.length - 1]!;

/** What to look up. All optional: the default is described in the file comment. */
export interface GridQuery {
  /** Average (default) or marginal. */
  readonly kind?: IntensityKind;
  /** A table; default: Electricity Maps, else Ember, for averages; UNFCCC for marginals. */
  readonly dataset?: GridDatasetId;
  /** A calendar year; only tables that ship years can answer it. */
  readonly year?: number;
}

/** A zone found in a bundled table. */
export interface GridLookup {
  /** Canonical zone: alpha-2 for countries, the provider's id for sub-national zones, region names. */
  readonly zone: string;
  /** Zone name when the table gives one (`California Independent System Operator`). */
  readonly zoneName: string | null;
  /** Key in the @tgwf/co2 table. */
  readonly tableKey: string;
  readonly dataset: GridDatasetId;
  /** Year of the figure; null when the table does not ship it. */
  readonly year: number | null;
  readonly gramsCo2PerKwh: number;
}

/** A year that the asked table does not have (or a table without years asked for one). */
export class UnknownYearError extends Error {
  override name = 'UnknownYearError';
  constructor(readonly zone: string, readonly year: number, detail: string) {
    super(`no ${year} figure for "${zone}": ${detail}`);
  }
}

/** Canonical form of a user zone: countries to alpha-2, everything else trimmed upper case. */
export function canonicalGridZone(zone: string): string {
  const upper = zone.trim().toUpperCase();
  return canonicalCountryCode(upper) ?? upper;
}

function emTable(year: number) {
  switch (year) {
    case 2021: return electricityMaps.yearly2021.data;
    case 2022: return electricityMaps.yearly2022.data;
    case 2023: return electricityMaps.yearly2023.data;
    case 2024: return electricityMaps.yearly2024.data;
    case 2025: return electricityMaps.yearly2025.data;
    default: return undefined;
  }
}

function lookupElectricityMaps(zone: string, year: number): GridLookup | undefined {
  const data = emTable(year);
  const key = canonicalGridZone(zone);
  if (!data || key === '' || !Object.hasOwn(data, key)) return undefined;
  const entry = data[key]!;
  const gramsCo2PerKwh = validateGramsCo2PerKwh(entry.carbonIntensity?.value, `@tgwf/co2 Electricity Maps ${year} ${key}`);
  return { zone: key, zoneName: entry.zone?.zoneName ?? null, tableKey: key, dataset: 'electricity-maps', year, gramsCo2PerKwh };
}

function lookupTgwfTable(zone: string, dataset: 'ember' | 'unfccc-marginal'): GridLookup | undefined {
  const data: Readonly<Record<string, string | number>> = dataset === 'ember' ? averageIntensity.data : marginalIntensity.data;
  const upper = zone.trim().toUpperCase();
  const alpha2 = canonicalCountryCode(upper);
  const key = alpha2 ? alpha3FromAlpha2(alpha2) : upper;
  if (key === undefined || key === '' || !Object.hasOwn(data, key)) return undefined;
  const raw = data[key];
  const value = typeof raw === 'string' ? Number(raw) : raw;
  const gramsCo2PerKwh = validateGramsCo2PerKwh(value, `@tgwf/co2 ${dataset} ${key}`);
  const year = GRID_DATASETS[dataset].years?.[0] ?? null;
  return { zone: alpha2 ?? upper, zoneName: null, tableKey: key, dataset, year, gramsCo2PerKwh };
}

function checkYear(zone: string, dataset: GridDataset, year: number | undefined): void {
  if (year === undefined) return;
  if (!Number.isInteger(year)) throw new UnknownYearError(zone, year, 'a year is a whole number such as 2023');
  if (dataset.years === null) {
    throw new UnknownYearError(zone, year, `the ${dataset.label} table in @tgwf/co2 ${TGWF_CO2_VERSION} does not ship years (Electricity Maps has ${ELECTRICITY_MAPS_YEARS[0]}-${DEFAULT_GRID_YEAR})`);
  }
  if (!dataset.years.includes(year)) {
    throw new UnknownYearError(zone, year, `${dataset.label} covers ${dataset.years.join(', ')}`);
  }
}

function defaultDataset(kind: IntensityKind): GridDatasetId {
  return kind === 'marginal' ? 'unfccc-marginal' : 'electricity-maps';
}

/**
 * Look a zone up without throwing for an unknown zone (undefined). Throws UnknownYearError for a
 * year the chosen table does not have, and a plain Error when dataset and kind disagree.
 */
export function lookupGridIntensity(zone: string, query: GridQuery = {}): GridLookup | undefined {
  const kind = query.kind ?? 'average';
  const datasetId = query.dataset ?? defaultDataset(kind);
  const dataset = GRID_DATASETS[datasetId];
  if (!dataset) throw new Error(`unknown grid dataset "${String(datasetId)}": use ${Object.keys(GRID_DATASETS).join(', ')}`);
  if (dataset.kind !== kind) throw new Error(`the ${datasetId} table gives ${dataset.kind} figures, not ${kind}`);
  checkYear(zone, dataset, query.year);
  if (datasetId === 'electricity-maps') {
    const hit = lookupElectricityMaps(zone, query.year ?? DEFAULT_GRID_YEAR);
    // Default chain: a zone only Ember has (WORLD, EU...) gets Ember, unless a year was asked.
    if (hit || query.dataset !== undefined || query.year !== undefined) return hit;
    return lookupTgwfTable(zone, 'ember');
  }
  return lookupTgwfTable(zone, datasetId);
}

/** Vintage line of a lookup: `Electricity Maps yearly 2025, lifecycle, consumption-based (@tgwf/co2 0.19.0)`. */
function vintageOf(hit: GridLookup): string {
  const dataset = GRID_DATASETS[hit.dataset];
  const when = hit.year === null ? '(latest year per country; year not shipped)' : String(hit.year);
  const label = dataset.label.replace(/^([^,]+),/, `$1 ${when},`);
  return `${label} (@tgwf/co2 ${TGWF_CO2_VERSION}; ${dataset.licence})`;
}

/** The labelled reading for a lookup hit. */
export function gridReadingOf(hit: GridLookup): IntensityReading {
  const dataset = GRID_DATASETS[hit.dataset];
  return {
    gramsCo2PerKwh: hit.gramsCo2PerKwh,
    zone: hit.zone,
    source: dataset.sourceId,
    kind: dataset.kind,
    observedAt: null,
    period: 'annual',
    isLive: false,
    vintage: vintageOf(hit),
    year: hit.year,
    basis: dataset.basis,
  };
}

/**
 * The bundled reading for a zone. Throws UnknownZoneError (with a hint on what zones the table
 * has) or UnknownYearError.
 */
export function gridReading(zone: string, query: GridQuery = {}): IntensityReading {
  const hit = lookupGridIntensity(zone, query);
  if (hit) return gridReadingOf(hit);
  const kind = query.kind ?? 'average';
  const dataset = GRID_DATASETS[query.dataset ?? defaultDataset(kind)];
  const subNational = /^[A-Z]{2}-/i.test(zone.trim());
  const hint = dataset.id === 'electricity-maps'
    ? `not in Electricity Maps ${query.year ?? DEFAULT_GRID_YEAR}${query.dataset === undefined && query.year === undefined ? ' nor Ember' : ''}; zones are ISO country codes (FR, FRA) or Electricity Maps ids (US-CAL-CISO, NO-NO1), see gridZones()`
    : subNational
      ? `${dataset.label} has countries only; sub-national zones are in Electricity Maps`
      : 'use an ISO 3166 alpha-2 or alpha-3 country code, or WORLD / EU';
  throw new UnknownZoneError(zone, dataset.sourceId, hint);
}

/** Canonical zones of a table (default: all zones the default chain answers), sorted. */
export function gridZones(dataset?: GridDatasetId): string[] {
  const zones = new Set<string>();
  const addTgwf = (data: Readonly<Record<string, unknown>>) => {
    for (const key of Object.keys(data)) zones.add((key.length === 3 ? canonicalCountryCode(key) : undefined) ?? key);
  };
  if (dataset === undefined || dataset === 'electricity-maps') for (const key of Object.keys(emTable(DEFAULT_GRID_YEAR)!)) zones.add(key);
  if (dataset === undefined || dataset === 'ember') addTgwf(averageIntensity.data);
  if (dataset === 'unfccc-marginal') addTgwf(marginalIntensity.data);
  return [...zones].sort();
}

/** Every year's figure for a zone in Electricity Maps, oldest first (empty when absent). */
export function electricityMapsHistory(zone: string): GridLookup[] {
  return ELECTRICITY_MAPS_YEARS.map((year) => lookupElectricityMaps(zone, year)).filter((hit): hit is GridLookup => hit !== undefined);
}
