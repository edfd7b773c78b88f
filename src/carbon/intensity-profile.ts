/**
 * Intensity profiles over time for time shifting (issue 15): per zone, an hourly (or any step)
 * series of average and/or marginal intensity, labelled with where it came from - a provider's
 * forecast, or a profile written in a scenario file. Never an invented one: a zone without a
 * profile cannot be shifted, and time outside a profile has no intensity.
 *
 * Scenario files hold profiles as (parsed by {@link parseIntensityProfiles}):
 *
 *     "intensityProfiles": {
 *       "GB": { "source": "NESO 2025-06-01 actuals", "startsAt": "2026-06-01T00:00Z", "stepMinutes": 60,
 *               "average": [212, 205, ...], "marginal": [450, 440, ...] }
 *     }
 */
import { IntensityKindMixError, validateGramsCo2PerKwh, type DayProfile, type IntensityKind } from './intensity';

/** Where a profile comes from. */
export type ProfileOrigin = 'provider-forecast' | 'scenario-profile';

/** A step series: `gramsCo2PerKwh[i]` holds from `startsAtMs + i x stepMs` for `stepMs`. */
export interface IntensitySeries {
  readonly startsAtMs: number;
  readonly stepMs: number;
  readonly gramsCo2PerKwh: readonly number[];
}

/** A zone's profile. At least one of `average` and `marginal`. */
export interface ZoneProfile {
  readonly zone: string;
  readonly origin: ProfileOrigin;
  /** Who published the figures (`uk-carbon-intensity forecast`, `scenario: NESO 2025-06-01`). */
  readonly source: string;
  readonly average?: IntensitySeries;
  readonly marginal?: IntensitySeries;
}

/** A profile is malformed; the message names the field. */
export class IntensityProfileError extends Error {
  override name = 'IntensityProfileError';
}

/** End of a series, ms. */
export function seriesEndMs(series: IntensitySeries): number {
  return series.startsAtMs + series.gramsCo2PerKwh.length * series.stepMs;
}

/** The figure in force at `atMs`, or undefined outside the series. */
export function seriesAt(series: IntensitySeries, atMs: number): number | undefined {
  if (atMs < series.startsAtMs || atMs >= seriesEndMs(series)) return undefined;
  return series.gramsCo2PerKwh[Math.floor((atMs - series.startsAtMs) / series.stepMs)];
}

/** Time-weighted mean over [fromMs, toMs), or undefined when the interval leaves the series. */
export function seriesMeanOver(series: IntensitySeries, fromMs: number, toMs: number): number | undefined {
  if (!(toMs > fromMs)) return seriesAt(series, fromMs);
  if (fromMs < series.startsAtMs || toMs > seriesEndMs(series)) return undefined;
  let sum = 0;
  let t = fromMs;
  while (t < toMs) {
    const index = Math.floor((t - series.startsAtMs) / series.stepMs);
    const stepEnd = Math.min(toMs, series.startsAtMs + (index + 1) * series.stepMs);
    sum += series.gramsCo2PerKwh[index]! * (stepEnd - t);
    t = stepEnd;
  }
  return sum / (toMs - fromMs);
}

/** The series of one kind, or undefined. */
export function seriesOf(profile: ZoneProfile, kind: IntensityKind): IntensitySeries | undefined {
  return kind === 'average' ? profile.average : profile.marginal;
}

/** A provider forecast (DayProfile, hourly points) as a labelled ZoneProfile. Throws on gaps. */
export function profileFromForecast(forecast: DayProfile): ZoneProfile {
  if (forecast.points.length === 0) throw new IntensityProfileError(`forecast for ${forecast.zone} from ${forecast.source} has no points`);
  const starts = forecast.points.map((p, i) => {
    const ms = Date.parse(p.startsAt);
    if (!Number.isFinite(ms)) throw new IntensityProfileError(`forecast point ${i} of ${forecast.zone}: bad time ${p.startsAt}`);
    return ms;
  });
  const stepMs = starts.length > 1 ? starts[1]! - starts[0]! : 3_600_000;
  starts.forEach((ms, i) => {
    if (i > 0 && ms - starts[i - 1]! !== stepMs) {
      throw new IntensityProfileError(`forecast for ${forecast.zone} is not evenly spaced: point ${i} at ${forecast.points[i]!.startsAt}`);
    }
  });
  const series: IntensitySeries = { startsAtMs: starts[0]!, stepMs, gramsCo2PerKwh: forecast.points.map((p) => p.gramsCo2PerKwh) };
  return {
    zone: forecast.zone,
    origin: 'provider-forecast',
    source: `${forecast.source} forecast`,
    ...(forecast.kind === 'average' ? { average: series } : { marginal: series }),
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function parseSeries(raw: unknown, path: string, startsAtMs: number, stepMs: number): IntensitySeries | undefined {
  if (raw === undefined) return undefined;
  if (!Array.isArray(raw) || raw.length === 0 || raw.length > 10_000) throw new IntensityProfileError(`${path} must be a non-empty array of gCO2/kWh (at most 10000)`);
  const values = raw.map((v, i) => {
    try {
      return validateGramsCo2PerKwh(v, `${path}[${i}]`);
    } catch (error) {
      throw new IntensityProfileError((error as Error).message);
    }
  });
  return { startsAtMs, stepMs, gramsCo2PerKwh: values };
}

/**
 * Parse the `intensityProfiles` object of a scenario file (format in the file comment). Throws
 * IntensityProfileError naming the field (`intensityProfiles.GB.average[3]: ...`).
 */
export function parseIntensityProfiles(raw: unknown, path = 'intensityProfiles'): Record<string, ZoneProfile> {
  if (!isRecord(raw)) throw new IntensityProfileError(`${path} must be an object of zone -> profile`);
  const profiles: Record<string, ZoneProfile> = {};
  for (const [zone, entry] of Object.entries(raw)) {
    const at = `${path}.${zone}`;
    if (!isRecord(entry)) throw new IntensityProfileError(`${at} must be an object`);
    if (typeof entry.source !== 'string' || entry.source.trim() === '') {
      throw new IntensityProfileError(`${at}.source must say where the figures come from (a profile is never invented)`);
    }
    const startsAtMs = typeof entry.startsAt === 'string' ? Date.parse(entry.startsAt) : NaN;
    if (!Number.isFinite(startsAtMs)) throw new IntensityProfileError(`${at}.startsAt must be an ISO 8601 time, got ${JSON.stringify(entry.startsAt)}`);
    const stepMinutes = entry.stepMinutes ?? 60;
    if (typeof stepMinutes !== 'number' || !Number.isInteger(stepMinutes) || stepMinutes < 1 || stepMinutes > 1440) {
      throw new IntensityProfileError(`${at}.stepMinutes must be a whole number of minutes in 1..1440, got ${JSON.stringify(stepMinutes)}`);
    }
    const stepMs = stepMinutes * 60_000;
    const average = parseSeries(entry.average, `${at}.average`, startsAtMs, stepMs);
    const marginal = parseSeries(entry.marginal, `${at}.marginal`, startsAtMs, stepMs);
    if (!average && !marginal) throw new IntensityProfileError(`${at} needs an "average" or a "marginal" series`);
    if (average && marginal && average.gramsCo2PerKwh.length !== marginal.gramsCo2PerKwh.length) {
      throw new IntensityProfileError(`${at}: average has ${average.gramsCo2PerKwh.length} steps, marginal ${marginal.gramsCo2PerKwh.length}`);
    }
    profiles[zone] = {
      zone,
      origin: 'scenario-profile',
      source: `scenario: ${entry.source.trim()}`,
      ...(average ? { average } : {}),
      ...(marginal ? { marginal } : {}),
    };
  }
  return profiles;
}

/** Throw unless every profile has a series of `kind`. */
export function requireKind(profiles: readonly ZoneProfile[], kind: IntensityKind): void {
  const missing = profiles.filter((p) => !seriesOf(p, kind)).map((p) => p.zone);
  if (missing.length > 0) throw new IntensityKindMixError(`no ${kind} series for ${missing.join(', ')}: cannot schedule on ${kind} intensity`);
}
