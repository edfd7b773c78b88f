/**
 * The bundled, offline intensity source (the default): yearly figures shipped inside @tgwf/co2,
 * looked up through grid-data.ts. By default an average reading comes from Electricity Maps' latest
 * year (lifecycle, consumption-based; countries and sub-national zones such as `US-CAL-CISO`), and
 * from Ember for the zones only Ember has (`WORLD`, `EU`...); marginal readings from the UNFCCC 2021
 * factors. Every reading names its table, year and basis. See grid-data.ts for the justification.
 */
import {
  GRID_DATASETS,
  TGWF_CO2_VERSION,
  gridReading,
  gridZones,
  lookupGridIntensity,
  type GridDatasetId,
} from './grid-data';
import type { IntensityKind, IntensityReading, IntensitySource } from './intensity';

export { TGWF_CO2_VERSION };

/** Source ids of the default bundled table of each kind (Ember's is `bundled-ember`, see GRID_DATASETS). */
export const BUNDLED_SOURCE_IDS = {
  average: GRID_DATASETS['electricity-maps'].sourceId,
  marginal: GRID_DATASETS['unfccc-marginal'].sourceId,
} as const;

/** A zone resolved against a bundled table. */
export interface BundledLookup {
  /** Canonical zone: alpha-2 for countries, the Electricity Maps id for sub-national zones, region names. */
  readonly zone: string;
  /** The key in the @tgwf/co2 table. */
  readonly tableKey: string;
  /** gCO2/kWh. */
  readonly gramsCo2PerKwh: number;
}

/** Which table and year to read; default: see the file comment. */
export interface BundledOptions {
  readonly dataset?: GridDatasetId;
  readonly year?: number;
}

/** Look a zone up in the default bundled table of `kind` without throwing; undefined when absent. */
export function lookupBundledIntensity(zone: string, kind: IntensityKind = 'average'): BundledLookup | undefined {
  return lookupGridIntensity(zone, { kind });
}

/** Canonical zones the default bundled chain of `kind` answers, sorted. */
export function bundledZones(kind: IntensityKind = 'average'): string[] {
  return kind === 'average' ? gridZones() : gridZones('unfccc-marginal');
}

/**
 * The reading for a zone synchronously (what the async source and fallbacks use). Throws
 * UnknownZoneError, or UnknownYearError when `options.year` is not in the table.
 */
export function bundledReading(zone: string, kind: IntensityKind = 'average', options: BundledOptions = {}): IntensityReading {
  return gridReading(zone, { kind, ...options });
}

/** The bundled source of one kind (average by default). Offline, instant, never live. */
export function createBundledIntensitySource(kind: IntensityKind = 'average', options: BundledOptions = {}): IntensitySource {
  return {
    id: options.dataset ? GRID_DATASETS[options.dataset].sourceId : BUNDLED_SOURCE_IDS[kind],
    kind,
    read: (zone) => Promise.resolve().then(() => bundledReading(zone, kind, options)),
    dayProfile: () => Promise.resolve(null),
  };
}
