/**
 * Numbers people read (issue 14, "Numbers people read"): every figure on a page in a unit that fits
 * it, three significant digits, never e-notation. Grams go ug / mg / g / kg (so one inference reads
 * in mg and a run in g), energy mJ / J / kJ / MJ, bytes KB / MB / GB (decimal: 1 KB = 1000 B, as
 * network rates are counted), times ms / s / min. A value that is not a finite number reads `-`.
 *
 * Pure: no DOM, used by the Lit elements and by exports' human-readable columns.
 */

/** Shown for a value that is missing, NaN or infinite. */
export const NO_VALUE = '-';

/** A unit of a scale: its symbol and how many base units it holds. */
export interface ScaleUnit {
  readonly symbol: string;
  readonly factor: number;
}

/** Carbon mass units, gCO2 (the "CO2" is added by the formatters). */
export const MASS_UNITS: readonly ScaleUnit[] = [
  { symbol: 'ug', factor: 1e-6 },
  { symbol: 'mg', factor: 1e-3 },
  { symbol: 'g', factor: 1 },
  { symbol: 'kg', factor: 1e3 },
  { symbol: 't', factor: 1e6 },
];

/** Energy units, J. */
export const ENERGY_UNITS: readonly ScaleUnit[] = [
  { symbol: 'uJ', factor: 1e-6 },
  { symbol: 'mJ', factor: 1e-3 },
  { symbol: 'J', factor: 1 },
  { symbol: 'kJ', factor: 1e3 },
  { symbol: 'MJ', factor: 1e6 },
];

/** Data units, bytes (decimal). */
export const BYTE_UNITS: readonly ScaleUnit[] = [
  { symbol: 'B', factor: 1 },
  { symbol: 'KB', factor: 1e3 },
  { symbol: 'MB', factor: 1e6 },
  { symbol: 'GB', factor: 1e9 },
  { symbol: 'TB', factor: 1e12 },
];

/**
 * `value` with `digits` significant digits in fixed notation, trailing zeros dropped:
 * 0.000123 -> `0.000123`, 1234.5 -> `1,230` (thousands grouped), 12.0 -> `12`. Never `1e-7`.
 */
export function formatSignificant(value: number, digits = 3): string {
  if (!Number.isFinite(value)) return NO_VALUE;
  if (!Number.isInteger(digits) || digits < 1 || digits > 15) throw new RangeError(`digits must be a whole number in 1..15, got ${digits}`);
  if (value === 0) return '0';
  const magnitude = Math.floor(Math.log10(Math.abs(value)));
  const decimals = Math.min(20, Math.max(0, digits - 1 - magnitude));
  // Round to the significant digits first (toFixed alone would keep 1234.5's ".5" digits).
  const rounded = Number(value.toPrecision(digits));
  // toFixed switches to e-notation from 1e21 on; BigInt writes every digit.
  const text = Math.abs(rounded) >= 1e21 ? BigInt(rounded).toString() : rounded.toFixed(decimals);
  const [whole, fraction] = text.split('.');
  const sign = whole!.startsWith('-') ? '-' : '';
  const grouped = whole!.replace('-', '').replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  const trimmed = fraction?.replace(/0+$/, '') ?? '';
  const out = `${sign}${grouped}${trimmed ? `.${trimmed}` : ''}`;
  return out === '-0' ? '0' : out;
}

/**
 * The unit of `units` that shows `value` as 1 <= x < 1000 (the smallest unit below, the largest
 * above); zero takes the base unit (factor 1).
 */
export function unitFor(value: number, units: readonly ScaleUnit[]): ScaleUnit {
  const abs = Math.abs(value);
  const base = units.find((u) => u.factor === 1) ?? units[0]!;
  if (!Number.isFinite(abs) || abs === 0) return base;
  let chosen = units[0]!;
  for (const unit of units) if (abs >= unit.factor * (1 - 5e-4)) chosen = unit;
  return chosen;
}

/**
 * One unit for a whole column (a table or axis reads better in one unit): the unit of the median
 * magnitude of the finite, non-zero values; the base unit when there are none.
 */
export function commonUnit(values: readonly number[], units: readonly ScaleUnit[]): ScaleUnit {
  const xs = values.filter((v) => Number.isFinite(v) && v !== 0).map(Math.abs).sort((a, b) => a - b);
  return unitFor(xs.length ? xs[Math.floor(xs.length / 2)]! : 0, units);
}

function scaled(value: number, units: readonly ScaleUnit[], unit: ScaleUnit | undefined, suffix: string, digits: number): string {
  if (!Number.isFinite(value)) return NO_VALUE;
  const u = unit ?? unitFor(value, units);
  return `${formatSignificant(value / u.factor, digits)} ${u.symbol}${suffix}`;
}

/** Carbon: `340 ugCO2`, `4.12 mgCO2`, `1.5 gCO2`, `2.3 kgCO2`; pass `unit` to fix the unit (tables). */
export function formatGramsCo2(gramsCo2: number, unit?: ScaleUnit, digits = 3): string {
  return scaled(gramsCo2, MASS_UNITS, unit, 'CO2', digits);
}

/** A prediction's error, predicted / measured - 1, signed with one decimal: `+12.3%`, `-4.0%`. */
export function formatError(error: number): string {
  return `${error >= 0 ? '+' : ''}${(error * 100).toFixed(1)}%`;
}

/**
 * A run's grams per inference as planned next to what was measured of its completed inferences:
 * `planned 3.62 ugCO2, measured 5.04 ugCO2 per inference (-28.2%)`; the error is planned /
 * measured - 1, null before anything completed (then only the plan is said).
 */
export function plannedGramsText(plannedPerInference: number, measuredGramsCo2: number, completed: number): { readonly text: string; readonly error: number | null } {
  if (!(completed > 0) || !(measuredGramsCo2 > 0)) return { text: `planned ${formatGramsCo2(plannedPerInference)} per inference`, error: null };
  const measured = measuredGramsCo2 / completed;
  const error = plannedPerInference / measured - 1;
  return { text: `planned ${formatGramsCo2(plannedPerInference)}, measured ${formatGramsCo2(measured)} per inference (${formatError(error)})`, error };
}

/** Energy: `850 mJ`, `12.4 J`, `3.2 kJ`. */
export function formatJoules(energyJoules: number, unit?: ScaleUnit, digits = 3): string {
  return scaled(energyJoules, ENERGY_UNITS, unit, '', digits);
}

/** Data: `512 B`, `150 KB`, `3.01 MB`. */
export function formatBytes(bytes: number, unit?: ScaleUnit, digits = 3): string {
  return scaled(bytes, BYTE_UNITS, unit, '', digits);
}

/** Data rate: `1.2 MB/s`. */
export function formatBytesPerSecond(bytesPerSecond: number, digits = 3): string {
  return scaled(bytesPerSecond, BYTE_UNITS, undefined, '/s', digits);
}

/** A duration: `0.42 ms`, `850 ms`, `12.3 s`, `4 min 05 s`, `2 h 03 min`. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return NO_VALUE;
  const sign = ms < 0 ? '-' : '';
  const abs = Math.abs(ms);
  if (abs < 1000) return `${sign}${formatSignificant(abs, 3)} ms`;
  if (abs < 60_000) return `${sign}${formatSignificant(abs / 1000, 3)} s`;
  const totalSeconds = Math.round(abs / 1000);
  if (totalSeconds < 3600) return `${sign}${Math.floor(totalSeconds / 60)} min ${String(totalSeconds % 60).padStart(2, '0')} s`;
  const totalMinutes = Math.round(totalSeconds / 60);
  return `${sign}${Math.floor(totalMinutes / 60)} h ${String(totalMinutes % 60).padStart(2, '0')} min`;
}

/** A rate of events: `3.4 inferences/s` (`what` names the events). */
export function formatRate(perSecond: number, what = 'inferences', digits = 3): string {
  if (!Number.isFinite(perSecond)) return NO_VALUE;
  return `${formatSignificant(perSecond, digits)} ${what}/s`;
}

/** A share in [0, 1] as a percentage: `12%`, `0.5%`, `100%`. */
export function formatShare(share: number): string {
  if (!Number.isFinite(share)) return NO_VALUE;
  const percent = share * 100;
  return `${Math.abs(percent) < 10 && percent !== 0 ? formatSignificant(percent, 2) : formatSignificant(Math.round(percent), 3)}%`;
}

/** A change against a reference, `1 - value / reference`: `23% less`, `161% more`, `same`. */
export function formatChange(value: number, reference: number): string {
  if (!Number.isFinite(value) || !Number.isFinite(reference) || reference === 0) return NO_VALUE;
  const change = 1 - value / reference;
  if (Math.abs(change) < 5e-4) return 'same';
  return `${formatShare(Math.abs(change))} ${change > 0 ? 'less' : 'more'}`;
}

/** Intensity: `56 gCO2/kWh`. */
export function formatIntensity(gramsCo2PerKwh: number): string {
  if (!Number.isFinite(gramsCo2PerKwh)) return NO_VALUE;
  return `${formatSignificant(gramsCo2PerKwh, 3)} gCO2/kWh`;
}

/** A 95% interval as `12.3 (11.9-12.8)` in the formatter's unit; the mean alone without bounds. */
export function formatInterval(mean: number, low: number | null, high: number | null, format: (x: number, unit?: ScaleUnit) => string, units: readonly ScaleUnit[]): string {
  if (low === null || high === null) return format(mean);
  const unit = unitFor(mean, units);
  const bare = (x: number) => formatSignificant(x / unit.factor, 3);
  return `${format(mean, unit)} (95%: ${bare(low)} to ${bare(high)})`;
}
