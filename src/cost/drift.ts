/**
 * Drift detection with hysteresis on a stream of positive figures (a node's measured/predicted
 * ratio, a link's bandwidth): fires once when the level moves for good, never for one outlier.
 *
 * Rule: the detector holds a reference level (the level the current plan was made with). It looks
 * at the median of the last `window` samples; when that median differs from the reference by more
 * than `margin` (relative, in log space: |ln(median / reference)| > ln(1 + margin)), it fires one
 * event and takes the median as the new reference. A single outlier cannot move a median of
 * `window` >= 3 samples, so it never fires; a lasting step moves the median after
 * floor(window / 2) + 1 samples, fires once, and the new reference then matches the new level so
 * it stays quiet (the hysteresis: to fire again the level must move by the margin from where it
 * settled, not from where it started).
 */

/** Settings of a {@link DriftDetector}. */
export interface DriftOptions {
  /** Relative change that counts as drift (default 0.25 = 25%). */
  readonly margin?: number;
  /** Samples whose median is compared (default 5; >= 3). */
  readonly window?: number;
}

/** Defaults of {@link DriftOptions}. */
export const DRIFT_DEFAULTS = { margin: 0.25, window: 5 } as const;

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
  private readonly recent: number[] = [];
  private ref: number | undefined;

  /**
   * @param reference initial reference level; when omitted, the median of the first full window
   * @throws RangeError on a margin <= 0 or a window < 3
   */
  constructor(options: DriftOptions = {}, reference?: number) {
    this.margin = options.margin ?? DRIFT_DEFAULTS.margin;
    this.window = options.window ?? DRIFT_DEFAULTS.window;
    if (!(this.margin > 0) || !Number.isFinite(this.margin)) throw new RangeError(`drift margin must be a finite number > 0, got ${this.margin}`);
    if (!Number.isInteger(this.window) || this.window < 3) throw new RangeError(`drift window must be a whole number >= 3, got ${this.window}`);
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
  }

  /**
   * Forget the recent samples and scale the reference by `factor` (another stream of the same
   * source drifted by it, so this one is expected to have moved alike).
   */
  rebase(factor: number): void {
    if (!(factor > 0) || !Number.isFinite(factor)) throw new RangeError(`drift rebase factor must be a finite number > 0, got ${factor}`);
    this.recent.length = 0;
    if (this.ref !== undefined) this.ref *= factor;
  }

  /**
   * Add one sample; returns the drift when this sample makes the level move by more than the margin.
   *
   * @throws RangeError on a sample that is not a finite number > 0
   */
  add(sample: number): Drift | undefined {
    if (!(sample > 0) || !Number.isFinite(sample)) throw new RangeError(`drift sample must be a finite number > 0, got ${sample}`);
    this.recent.push(sample);
    if (this.recent.length > this.window) this.recent.shift();
    if (this.recent.length < this.window) return undefined;
    const sorted = [...this.recent].sort((a, b) => a - b);
    const mid = sorted.length >> 1;
    const level = sorted.length % 2 ? sorted[mid]! : Math.sqrt(sorted[mid - 1]! * sorted[mid]!);
    if (this.ref === undefined) {
      this.ref = level;
      return undefined;
    }
    if (Math.abs(Math.log(level / this.ref)) <= Math.log(1 + this.margin)) return undefined;
    const drift = { from: this.ref, to: level, change: level / this.ref - 1 };
    this.ref = level;
    return drift;
  }
}
