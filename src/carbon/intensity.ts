/**
 * Grid carbon intensity: the one answer shape every source gives, the source interface, and the
 * errors. Pure (no DOM, no Node APIs): runs in Node, pages and workers.
 *
 * Rule from issue 4: every figure carries its provenance. A reading says which source produced it,
 * whether it is an average or a marginal figure (never mixed silently, see
 * {@link assertSameIntensityKind}), when it was observed, whether it is live, and - when a live
 * source failed and a bundled figure stands in - that it is a fallback and why.
 */

/** Average (attributional mix of the grid) or marginal (the plant that answers extra demand). */
export type IntensityKind = 'average' | 'marginal';

/**
 * What an intensity figure counts, so that figures on different bases are never put side by side
 * unlabelled (issue 15):
 * - `lifecycle-consumption`: lifecycle emission factors (plant construction, fuel supply, operation)
 *   on the consumption mix after imports and exports (Electricity Maps' default, its yearly tables
 *   and its live API);
 * - `lifecycle-production`: lifecycle factors on the mix generated inside the zone, imports ignored
 *   (Ember's yearly data);
 * - `direct-production`: combustion emissions only, of generation inside the zone (the UNFCCC IFI
 *   harmonised marginal factors).
 */
export type IntensityBasis = 'lifecycle-consumption' | 'lifecycle-production' | 'direct-production';

/** What time span one figure stands for. */
export type IntensityPeriod = 'annual' | 'hour' | 'half-hour' | 'fixed';

/** Why a stand-in figure replaced the one asked for. */
export interface IntensityFallback {
  /** Id of the source that failed, e.g. `uk-carbon-intensity`. */
  readonly fromSource: string;
  /** One line: `timeout after 1500 ms`, `HTTP 503`, `rate-limited`, `garbage: no data[0]`. */
  readonly reason: string;
}

/** One intensity figure with its provenance. */
export interface IntensityReading {
  /** Grid intensity in grams of CO2(eq) per kWh. */
  readonly gramsCo2PerKwh: number;
  /** Canonical zone: ISO 3166-1 alpha-2 (`FR`), an aggregate (`WORLD`, `EU`), or a provider zone. */
  readonly zone: string;
  /** Id of the source, e.g. `bundled-ember`, `configured`, `scenario:node-green`, `electricity-maps`. */
  readonly source: string;
  /** Average or marginal; the ledger refuses to mix the two. */
  readonly kind: IntensityKind;
  /** ISO 8601 start of the interval the figure stands for; null for annual tables and fixed values. */
  readonly observedAt: string | null;
  /** Span the figure covers. */
  readonly period: IntensityPeriod;
  /** True only when fetched from a live provider (cached live values stay live, see `cachedAt`). */
  readonly isLive: boolean;
  /** Human-readable vintage: `Ember, latest year per country (@tgwf/co2 0.19.0)`, `PAPER.md setup`. */
  readonly vintage: string;
  /** Calendar year an annual figure stands for; null when the source does not say (Ember's table). */
  readonly year?: number | null;
  /** What the figure counts (see {@link IntensityBasis}); absent when the source does not state it. */
  readonly basis?: IntensityBasis;
  /** Present when this reading stands in for a failed source. */
  readonly fallback?: IntensityFallback;
  /** ISO 8601 time the value entered the cache, when it came from one. */
  readonly cachedAt?: string;
}

/** One point of a day profile (forecast). */
export interface IntensityProfilePoint {
  /** ISO 8601 start of the hour. */
  readonly startsAt: string;
  /** Forecast intensity for that hour, gCO2/kWh. */
  readonly gramsCo2PerKwh: number;
}

/** Hourly forecast for deferrable work; only live sources with forecasts give one. */
export interface DayProfile {
  /** Zone of the forecast. */
  readonly zone: string;
  /** Source id. */
  readonly source: string;
  /** Average or marginal. */
  readonly kind: IntensityKind;
  /** Hourly points in time order. */
  readonly points: readonly IntensityProfilePoint[];
}

/** Options every async read takes. */
export interface ReadOptions {
  /** Cancels the read (and any network request under it). */
  readonly signal?: AbortSignal;
}

/** A provider of intensity figures. Contract: resolve a labelled reading or throw a named error. */
export interface IntensitySource {
  /** Stable id, used as `source` in readings. */
  readonly id: string;
  /** The kind of figure this source gives. */
  readonly kind: IntensityKind;
  /** Current (or static) intensity for `zone`. Throws UnknownZoneError or IntensitySourceError. */
  read(zone: string, options?: ReadOptions): Promise<IntensityReading>;
  /** Hourly forecast when the source has one, else null (never an invented flat profile). */
  dayProfile?(zone: string, options?: ReadOptions): Promise<DayProfile | null>;
}

/** The zone is not known to the source asked. */
export class UnknownZoneError extends Error {
  override name = 'UnknownZoneError';
  constructor(readonly zone: string, readonly sourceId: string, hint = '') {
    super(`unknown zone "${zone}" for ${sourceId}${hint ? ` (${hint})` : ''}`);
  }
}

/** Why a live read failed. */
export type IntensityFailure = 'timeout' | 'http' | 'garbage' | 'network' | 'rate-limited' | 'aborted' | 'config';

/** A source could not give a figure (timeout, HTTP error, unparseable body, rate limit...). */
export class IntensitySourceError extends Error {
  override name = 'IntensitySourceError';
  constructor(readonly sourceId: string, readonly failure: IntensityFailure, detail: string) {
    super(`${sourceId}: ${failure}: ${detail}`);
  }
  /** The part after the source id, for fallback labels. */
  get reason(): string {
    return this.message.slice(this.sourceId.length + 2);
  }
}

/** Average and marginal figures met where they would be combined. */
export class IntensityKindMixError extends Error {
  override name = 'IntensityKindMixError';
}

/** A configured intensity value is not a usable number. */
export class InvalidIntensityError extends Error {
  override name = 'InvalidIntensityError';
}

/** Highest plausible grid intensity accepted from any source, gCO2/kWh (lignite is ~1100-1300). */
export const MAX_PLAUSIBLE_GRAMS_CO2_PER_KWH = 2000;

/**
 * Check a figure is a finite number in [0, {@link MAX_PLAUSIBLE_GRAMS_CO2_PER_KWH}].
 * @returns the value
 * @throws InvalidIntensityError naming the value and what it was for
 */
export function validateGramsCo2PerKwh(value: unknown, what: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new InvalidIntensityError(`${what}: intensity must be a finite number of gCO2/kWh, got ${String(value)}`);
  }
  if (value < 0 || value > MAX_PLAUSIBLE_GRAMS_CO2_PER_KWH) {
    throw new InvalidIntensityError(
      `${what}: ${value} gCO2/kWh is outside 0..${MAX_PLAUSIBLE_GRAMS_CO2_PER_KWH}`,
    );
  }
  return value;
}

/**
 * Throw when two readings differ in kind: averages and marginals answer different questions and
 * must never be summed or compared silently.
 */
export function assertSameIntensityKind(a: IntensityReading, b: IntensityReading): void {
  if (a.kind !== b.kind) {
    throw new IntensityKindMixError(
      `cannot mix ${a.kind} (${a.source}, ${a.zone}) with ${b.kind} (${b.source}, ${b.zone}) intensity`,
    );
  }
}
