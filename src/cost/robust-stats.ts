/**
 * Robust summaries of timing samples. A timing sample is spoiled upwards (a GC pause, another tab
 * starting, the OS scheduling someone else), so the estimator must ignore a minority of slow
 * samples without being fooled by a fast cluster either: the median after dropping samples more
 * than {@link OUTLIER_MADS} scaled median absolute deviations from the median.
 */

/** Samples further than this many scaled MADs from the median are outliers (3.5, Iglewicz-Hoaglin). */
export const OUTLIER_MADS = 3.5;

/** Median of a non-empty list. */
export function median(values: readonly number[]): number {
  if (values.length === 0) throw new RangeError('median of an empty list');
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** A robust summary of samples. */
export interface RobustSummary {
  /** Median of the kept samples. */
  readonly median: number;
  /** Samples kept. */
  readonly kept: number;
  /** Samples dropped as outliers. */
  readonly discarded: number;
  /** Relative spread of the kept samples: scaled MAD / median (0 when all equal). */
  readonly spread: number;
}

/**
 * Median after discarding outliers: |x - median| > OUTLIER_MADS x 1.4826 x MAD. With MAD = 0 (half
 * the samples identical) only samples more than 1% away from the median are dropped.
 */
export function robustSummary(samples: readonly number[]): RobustSummary {
  for (const s of samples) if (!Number.isFinite(s) || s < 0) throw new RangeError(`timing sample ${s} is not a finite number >= 0`);
  const m = median(samples);
  const mad = 1.4826 * median(samples.map((s) => Math.abs(s - m)));
  const limit = mad > 0 ? OUTLIER_MADS * mad : 0.01 * m;
  const kept = samples.filter((s) => Math.abs(s - m) <= limit);
  const keptMedian = median(kept);
  const keptMad = 1.4826 * median(kept.map((s) => Math.abs(s - keptMedian)));
  return { median: keptMedian, kept: kept.length, discarded: samples.length - kept.length, spread: keptMedian > 0 ? keptMad / keptMedian : 0 };
}

/** Log values further than this many scaled MADs from their median are clipped to it ({@link geometricCentre}). */
export const CLIP_MADS = 3;

/**
 * Centre of positive samples that vary by factors (timings, ratios of timings): the geometric mean
 * after clipping each log value to within {@link CLIP_MADS} scaled MADs of the logs' median
 * (winsorized). A lone spike (a GC pause, another tab starting) moves it little, like a median;
 * from the few executions a calibration has it scatters less than a median does: on the swarm
 * bench's walls (src/cost/README.md, "Estimator") the first 10 steady inferences predicted the
 * rest with a per-slice median |error| of 10.9% this way and 14.0% by the median, over 42 runs.
 */
export function geometricCentre(values: readonly number[]): number {
  if (values.length === 0) throw new RangeError('centre of an empty list');
  for (const v of values) if (!(v > 0) || !Number.isFinite(v)) throw new RangeError(`sample ${v} is not a finite number > 0`);
  const logs = values.map(Math.log);
  const m = median(logs);
  const limit = CLIP_MADS * 1.4826 * median(logs.map((x) => Math.abs(x - m)));
  return Math.exp(logs.reduce((a, x) => a + Math.min(m + limit, Math.max(m - limit, x)), 0) / logs.length);
}

/** Width of a {@link LogHistogram} bucket in natural log units: 0.5% of the value. */
export const LOG_BUCKET = 0.005;

/**
 * The median of a stream of positive samples in bounded memory: counts per bucket of
 * {@link LOG_BUCKET} in log space, so a run of any length keeps at most a few thousand counts
 * (walls from 1 us to 1000 s span 4,145 buckets) and the median is off by under 0.25%.
 */
export class LogHistogram {
  readonly #counts = new Map<number, number>();
  #count = 0;

  /** Samples added. */
  get count(): number {
    return this.#count;
  }

  /** Add a sample; ignored unless finite and > 0. */
  add(value: number): void {
    if (!(value > 0) || !Number.isFinite(value)) return;
    const bucket = Math.round(Math.log(value) / LOG_BUCKET);
    this.#counts.set(bucket, (this.#counts.get(bucket) ?? 0) + 1);
    this.#count++;
  }

  /** The median (the middle bucket's centre; the lower middle one for an even count), or undefined when empty. */
  median(): number | undefined {
    if (this.#count === 0) return undefined;
    const rank = Math.ceil(this.#count / 2);
    let seen = 0;
    for (const bucket of [...this.#counts.keys()].sort((a, b) => a - b)) {
      seen += this.#counts.get(bucket)!;
      if (seen >= rank) return Math.exp(bucket * LOG_BUCKET);
    }
    return undefined;
  }
}
