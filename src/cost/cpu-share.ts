/**
 * How much of a core the calling thread gets right now, seen from inside it (issue 11, "benchmarks
 * a run can trust"). A browser gives a worker no CPU clock, but a thread that is descheduled sees
 * the wall clock jump: spin for a short window reading `performance.now()` and count the gaps
 * longer than `gapMs` as time the thread did not run. share = 1 - lost / window.
 *
 * Why the self-benchmark needs it (measured per thread from /proc, one lab node page alone on this
 * 2-core machine, src/cost/README.md): for ~12 s after a fresh page first runs a model, Chromium's
 * background compile threads (the WebAssembly kernels being optimised) use 1.2-1.35 cores and the
 * node's worker gets 0.4-0.7 of one, so a benchmark taken then read the page 1.5-7x slower than
 * the same page a few seconds later, and nodes that joined at different moments were mis-ranked.
 *
 * Coarse clocks are fine: a page that is not cross-origin isolated reads `performance.now()` in
 * steps of 0.1 ms with jitter, far below the scheduler's slices (ms), and `gapMs` sits above them.
 */

/** Defaults of {@link sampleCpuShare} and {@link waitForCpu}. */
export const CPU_SHARE_DEFAULTS = {
  /** Length of one spin window, ms. */
  windowMs: 100,
  /** A clock step longer than this is time the thread did not run, ms. */
  gapMs: 1,
  /** The thread has the core to itself when it gets at least this share. */
  minShare: 0.85,
  /** Consecutive windows at or above `minShare` that make the core free. */
  windows: 2,
  /**
   * Rest between windows, ms. Resting, not working: the compile threads finish sooner, and pages
   * opened together do not keep each other busy with their own waiting.
   */
  restMs: 200,
  /** Give up waiting after this long, ms (the benchmark then goes on and says so). */
  maxWaitMs: 15_000,
} as const;

/**
 * Spin for `windowMs` and return the share of it this thread ran, in [0, 1].
 *
 * @param now the clock (default `performance.now`)
 */
export function sampleCpuShare(windowMs: number = CPU_SHARE_DEFAULTS.windowMs, gapMs: number = CPU_SHARE_DEFAULTS.gapMs, now: () => number = () => performance.now()): number {
  if (!(windowMs > 0) || !(gapMs > 0)) throw new RangeError(`windowMs and gapMs must be > 0, got ${windowMs} and ${gapMs}`);
  const start = now();
  let last = start;
  let lost = 0;
  for (;;) {
    const t = now();
    if (t - last > gapMs) lost += t - last;
    last = t;
    if (t - start >= windowMs) break;
  }
  const total = last - start;
  return total > 0 ? Math.min(1, Math.max(0, 1 - lost / total)) : 1;
}

/** What {@link waitForCpu} saw. */
export interface CpuWait {
  /** Whether the thread got `minShare` for `windows` windows in a row before `maxWaitMs`. */
  readonly free: boolean;
  /** The share of the last window. */
  readonly share: number;
  /** How long it waited, ms (spinning and resting). */
  readonly waitedMs: number;
}

/** Options of {@link waitForCpu}. */
export interface CpuWaitOptions {
  readonly minShare?: number;
  readonly windows?: number;
  readonly maxWaitMs?: number;
  /** One share sample (default {@link sampleCpuShare}). */
  readonly sample?: () => number;
  readonly restMs?: number;
  /** Waits `ms` between samples (default a timer). */
  readonly sleep?: (ms: number) => Promise<void>;
  readonly now?: () => number;
  readonly signal?: AbortSignal;
}

/**
 * Sample the thread's share of a core until it is at least `minShare` for `windows` windows in a
 * row, or `maxWaitMs` has passed, resting `restMs` between samples. Never throws for a busy core:
 * the caller goes on and reports the share it got.
 */
export async function waitForCpu(options: CpuWaitOptions = {}): Promise<CpuWait> {
  const minShare = options.minShare ?? CPU_SHARE_DEFAULTS.minShare;
  const windows = options.windows ?? CPU_SHARE_DEFAULTS.windows;
  const maxWaitMs = options.maxWaitMs ?? CPU_SHARE_DEFAULTS.maxWaitMs;
  const sample = options.sample ?? (() => sampleCpuShare());
  const now = options.now ?? (() => performance.now());
  const restMs = options.restMs ?? CPU_SHARE_DEFAULTS.restMs;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  if (!(restMs >= 0)) throw new RangeError(`restMs must be >= 0, got ${restMs}`);
  if (!(minShare > 0 && minShare <= 1)) throw new RangeError(`minShare must be in (0, 1], got ${minShare}`);
  if (!Number.isInteger(windows) || windows < 1) throw new RangeError(`windows must be a whole number >= 1, got ${windows}`);
  if (!(maxWaitMs >= 0)) throw new RangeError(`maxWaitMs must be >= 0, got ${maxWaitMs}`);
  const start = now();
  let run = 0;
  let share = 0;
  for (;;) {
    options.signal?.throwIfAborted();
    share = sample();
    run = share >= minShare ? run + 1 : 0;
    if (run >= windows) return { free: true, share, waitedMs: now() - start };
    if (now() - start >= maxWaitMs) return { free: false, share, waitedMs: now() - start };
    await sleep(restMs);
  }
}
