/**
 * Drift detection with hysteresis on a stream of positive figures (a node's measured/predicted
 * ratio, a link's bandwidth): fires once when the level moves for good, never for one outlier.
 *
 * Rule: the detector holds a reference level (the first window's median or a given one, then the
 * median of the samples at that level before the window). It looks at the median of the last
 * `window` samples; when that median differs from the reference by more than `margin` (relative,
 * in log space: |ln(median / reference)| > ln(1 + margin)), it fires one event and takes the median
 * as the new reference. A single outlier cannot move a median of `window` >= 3 samples, so it
 * never fires; a lasting step moves the median after floor(window / 2) + 1 samples, fires once,
 * and the new reference then matches the new level so it stays quiet (the hysteresis: to fire again the level must move by the margin from where it
 * settled, not from where it started).
 *
 * Noise gate: on a stream whose samples scatter widely (slice walls on a host shared by several
 * pages vary 3x, a log standard deviation sigma of 0.4-0.5), two medians of 5 samples differ by
 * more than 25% about half the time with no change at all; each such false firing dropped the
 * calibration's samples and could re-plan a run (a swarm bench run lost 8 of one slice's 11 samples
 * so). So when `z` standard errors of the compared medians exceed the margin, the level is the
 * median of the last 2 x window - 1 samples and the move must exceed `z` (4) standard errors:
 *
 *     |ln(level / reference)| > max(ln(1 + margin), z x 1.2533 x sigma x sqrt(1/w + 1/n))
 *
 * where w is the level's window, n the samples behind the reference, and sigma the spread of the
 * log samples at the current level before the window (the larger of the scaled MAD and the
 * standard deviation without the farthest outlier; z widened as a Student t quantile is for a
 * spread judged on few samples; the longer window is judged only with 2 x window - 1 samples
 * before it, so that a step in progress is not read as noise, and until then a stream whose
 * reference was not given is not judged). Measured on seeded streams (300 seeds; the unit tests
 * in test/unit/cost/calibration.test.ts check 100 of them): a clean stream (sigma 0.08) keeps the
 * 25% margin and window and fires on every 1.6x step; at sigma 0.45 ~5% of 200-sample streams fire with no
 * change (all of them do with the plain margin) and a lasting 3x step fires once within 12
 * samples in ~70% of them: on a host that noisy only a large change can be told from noise soon.
 */
import { median, OUTLIER_MADS } from './robust-stats';

/** z widened for a spread judged on n samples (as a Student t quantile is): x sqrt((n - 1) / (n - 3)). */
const tail = (z: number, n: number) => z * Math.sqrt((n - 1) / Math.max(1, n - 3));

/** Settings of a {@link DriftDetector}. */
export interface DriftOptions {
  /** Relative change that counts as drift (default 0.25 = 25%). */
  readonly margin?: number;
  /** Samples whose median is compared (default 5; >= 3). */
  readonly window?: number;
  /** Standard errors a move must exceed besides the margin (default 4; 0 = the margin alone). */
  readonly z?: number;
}

/** Defaults of {@link DriftOptions}. */
export const DRIFT_DEFAULTS = { margin: 0.25, window: 5, z: 4 } as const;

/** Log samples kept to judge the noise of a stream. */
const NOISE_HISTORY = 32;

/** What a firing reports. */
export interface Drift {
  /** Reference level before the change. */
  readonly from: number;
  /** New reference level (median of the window). */
  readonly to: number;
  /** Relative change to / from - 1. */
  readonly change: number;
}

/** One stream's detector. */
export class DriftDetector {
  private readonly margin: number;
  private readonly window: number;
  private readonly z: number;
  private ref: number | undefined;
  /** The reference was given (constructor, setReference) and no samples have judged its noise yet. */
  private given = false;
  /** Log samples at the current level (since the last firing), the last NOISE_HISTORY. */
  private history: number[] = [];
  /** Samples since the last firing or rebase: a level is only taken over fresh samples. */
  private fresh = 0;

  /**
   * @param reference initial reference level; when omitted, the median of the first full window
   * @throws RangeError on a margin <= 0, a window < 3 or a z < 0
   */
  constructor(options: DriftOptions = {}, reference?: number) {
    this.margin = options.margin ?? DRIFT_DEFAULTS.margin;
    this.window = options.window ?? DRIFT_DEFAULTS.window;
    this.z = options.z ?? DRIFT_DEFAULTS.z;
    if (!(this.margin > 0) || !Number.isFinite(this.margin)) throw new RangeError(`drift margin must be a finite number > 0, got ${this.margin}`);
    if (!Number.isInteger(this.window) || this.window < 3) throw new RangeError(`drift window must be a whole number >= 3, got ${this.window}`);
    if (!(this.z >= 0) || !Number.isFinite(this.z)) throw new RangeError(`drift z must be a finite number >= 0, got ${this.z}`);
    if (reference !== undefined) this.setReference(reference);
  }

  /** The current reference level, once known. */
  get reference(): number | undefined {
    return this.ref;
  }

  /** Set the reference (e.g. after a re-plan on other grounds); keeps the recent samples. */
  setReference(level: number): void {
    if (!(level > 0) || !Number.isFinite(level)) throw new RangeError(`drift reference must be a finite number > 0, got ${level}`);
    this.ref = level;
    this.given = true;
  }

  /**
   * Scale the reference by `factor` (another stream of the same source drifted by it, so this one
   * is expected to have moved alike) and wait for a fresh window before judging again.
   */
  rebase(factor: number): void {
    if (!(factor > 0) || !Number.isFinite(factor)) throw new RangeError(`drift rebase factor must be a finite number > 0, got ${factor}`);
    if (this.ref !== undefined) this.ref *= factor;
    // The spread is unchanged by a common factor: the samples stay, moved to the new level.
    this.history = this.history.map((x) => x + Math.log(factor));
    this.fresh = 0;
  }

  /**
   * Over how many of the last samples the level is taken now, and the log-space move that counts
   * as drift: the plain window and margin on a clean stream, a window of 2 x window - 1 and a
   * noise-sized margin on a noisy one (see the file comment); undefined while the level's noise is
   * not known yet (fewer than w samples before the last w, for the window w it needs), unless the
   * reference was given, which is judged on the plain margin until then.
   */
  gate(): { readonly window: number; readonly threshold: number } | undefined {
    const plain = { window: this.window, threshold: Math.log(1 + this.margin) };
    if (this.z === 0) return plain;
    // z standard errors of a median of w samples against the median of the n - w before them.
    const margin = (spread: { sigma: number; n: number }, w: number) => tail(this.z, spread.n) * 1.2533 * spread.sigma * Math.sqrt(1 / w + 1 / spread.n);
    // Judged on the samples before the window, so that a step in progress is not read as noise.
    const short = this.spread(this.window);
    if (!short) return this.given ? plain : undefined;
    if (margin(short, this.window) <= plain.threshold) return plain;
    const long = 2 * this.window - 1;
    const wide = this.spread(long);
    if (!wide) return undefined;
    return { window: long, threshold: Math.max(plain.threshold, margin(wide, long)) };
  }

  /**
   * Spread of the log samples before the last `w`: the larger of the scaled MAD and the standard
   * deviation without the farthest outlier (a MAD of a few samples can come out far too small, a
   * standard deviation is blown up by one outlier); undefined with fewer than `w` of them.
   */
  private spread(w: number): { readonly sigma: number; readonly n: number } | undefined {
    const basis = this.history.slice(0, Math.max(0, this.history.length - w));
    if (basis.length < w) return undefined;
    const m = median(basis);
    const mad = 1.4826 * median(basis.map((x) => Math.abs(x - m)));
    // At most the one farthest sample is left out, when it is beyond OUTLIER_MADS scaled MADs:
    // leaving out every such sample of a few would cut real spread.
    const far = basis.reduce((k, x, i) => (Math.abs(x - m) > Math.abs(basis[k]! - m) ? i : k), 0);
    const kept = Math.abs(basis[far]! - m) > OUTLIER_MADS * mad ? basis.filter((_, i) => i !== far) : basis;
    const mean = kept.reduce((a, x) => a + x, 0) / kept.length;
    const sd = kept.length > 1 ? Math.sqrt(kept.reduce((a, x) => a + (x - mean) ** 2, 0) / (kept.length - 1)) : 0;
    return { sigma: Math.max(mad, sd), n: basis.length };
  }

  /**
   * Add one sample; returns the drift when this sample makes the level move by more than the margin.
   *
   * @throws RangeError on a sample that is not a finite number > 0
   */
  add(sample: number): Drift | undefined {
    if (!(sample > 0) || !Number.isFinite(sample)) throw new RangeError(`drift sample must be a finite number > 0, got ${sample}`);
    this.history.push(Math.log(sample));
    if (this.history.length > NOISE_HISTORY) this.history.shift();
    this.fresh++;
    if (this.ref === undefined) {
      if (this.history.length >= this.window) this.ref = Math.exp(median(this.history));
      return undefined;
    }
    const gate = this.gate();
    if (!gate || this.fresh < gate.window) return undefined;
    const level = Math.exp(median(this.history.slice(-gate.window)));
    // The reference follows its level: the median of the samples before the window, once there
    // are a window of them (a better estimate than the window that first set it).
    const before = this.history.slice(0, this.history.length - gate.window);
    if (before.length >= this.window) this.ref = Math.exp(median(before));
    if (Math.abs(Math.log(level / this.ref)) <= gate.threshold) return undefined;
    const drift = { from: this.ref, to: level, change: level / this.ref - 1 };
    this.ref = level;
    // The new level's noise is judged on its own samples, from the next one on.
    this.history = [];
    this.given = false;
    this.fresh = 0;
    return drift;
  }
}
