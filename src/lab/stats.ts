/**
 * Mean and 95% confidence interval over repetitions (Student's t, two-sided): for n values with
 * sample standard deviation s, the interval is mean +- t(0.975, n - 1) x s / sqrt(n). With one value
 * there is no interval (low = high = null).
 */

/** t(0.975, df) for df = 1..30; beyond 30 the normal 1.96 is close enough (within 2%). */
const T_975 = [12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131, 2.12, 2.11, 2.101, 2.093, 2.086, 2.08, 2.074, 2.069, 2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042];

/** A mean with its 95% interval (null bounds with a single value). */
export interface Estimate {
  readonly mean: number;
  readonly low: number | null;
  readonly high: number | null;
  /** Number of values. */
  readonly n: number;
}

/** Arithmetic mean (NaN for no values). */
export function mean(values: readonly number[]): number {
  return values.length === 0 ? NaN : values.reduce((a, b) => a + b, 0) / values.length;
}

/** Sample standard deviation (n - 1 in the denominator; 0 for fewer than two values). */
export function sampleStdDev(values: readonly number[]): number {
  if (values.length < 2) return 0;
  const m = mean(values);
  return Math.sqrt(values.reduce((a, v) => a + (v - m) ** 2, 0) / (values.length - 1));
}

/** t quantile for a two-sided 95% interval with `df` degrees of freedom. */
export function tQuantile975(df: number): number {
  if (!Number.isInteger(df) || df < 1) throw new RangeError(`degrees of freedom must be a whole number >= 1, got ${df}`);
  return df <= T_975.length ? T_975[df - 1]! : 1.96;
}

/** Mean and 95% interval of `values` (non-finite values are dropped first). */
export function estimate(values: readonly number[]): Estimate {
  const xs = values.filter((v) => Number.isFinite(v));
  const m = mean(xs);
  if (xs.length < 2) return { mean: m, low: null, high: null, n: xs.length };
  const half = (tQuantile975(xs.length - 1) * sampleStdDev(xs)) / Math.sqrt(xs.length);
  return { mean: m, low: m - half, high: m + half, n: xs.length };
}
