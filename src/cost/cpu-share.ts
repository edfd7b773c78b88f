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
  return spinShare(windowMs, gapMs, now);
}

/**
 * The spin of {@link sampleCpuShare}, unchecked. Self-contained (it reads nothing but its
 * arguments and `Math`) because {@link CoreSampler} sends its source to helper workers.
 */
export function spinShare(windowMs: number, gapMs: number, now: () => number): number {
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
  /** How many threads each sample checked at once (see {@link CoreSampler}); absent means 1. */
  readonly threads?: number;
}

/** Options of {@link waitForCpu}. */
export interface CpuWaitOptions {
  readonly minShare?: number;
  readonly windows?: number;
  readonly maxWaitMs?: number;
  /**
   * Free cores to wait for: this many threads spin at once and the least share counts
   * ({@link CoreSampler}; default 1). Ignored when `sample` is given.
   */
  readonly threads?: number;
  /** One share sample (default {@link sampleCpuShare}, or a {@link CoreSampler} for `threads` > 1). */
  readonly sample?: () => number | Promise<number>;
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
  const threads = options.threads ?? 1;
  if (!Number.isInteger(threads) || threads < 1) throw new RangeError(`threads must be a whole number >= 1, got ${threads}`);
  const now = options.now ?? (() => performance.now());
  const restMs = options.restMs ?? CPU_SHARE_DEFAULTS.restMs;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  if (!(restMs >= 0)) throw new RangeError(`restMs must be >= 0, got ${restMs}`);
  if (!(minShare > 0 && minShare <= 1)) throw new RangeError(`minShare must be in (0, 1], got ${minShare}`);
  if (!Number.isInteger(windows) || windows < 1) throw new RangeError(`windows must be a whole number >= 1, got ${windows}`);
  if (!(maxWaitMs >= 0)) throw new RangeError(`maxWaitMs must be >= 0, got ${maxWaitMs}`);
  const sampler = !options.sample && threads > 1 ? new CoreSampler(threads) : undefined;
  const sample = options.sample ?? (sampler ? () => sampler.sample() : () => sampleCpuShare());
  const checked = () => (sampler ? { threads: sampler.sampledThreads } : {});
  try {
    const start = now();
    let run = 0;
    let share = 0;
    for (;;) {
      options.signal?.throwIfAborted();
      share = await sample();
      run = share >= minShare ? run + 1 : 0;
      if (run >= windows) return { free: true, share, waitedMs: now() - start, ...checked() };
      if (now() - start >= maxWaitMs) return { free: false, share, waitedMs: now() - start, ...checked() };
      await sleep(restMs);
    }
  } finally {
    sampler?.close();
  }
}

/**
 * The least share of a core that any of `threads` threads gets, spinning at the same moment: this
 * one and `threads - 1` helper workers. A WASM worker with n threads needs n free cores, not one:
 * per thread from /proc, a node page's compile threads (`ThreadPoolForegroundWorker`) used 0.4-1.5
 * of this machine's 2 cores for most of a cost-bench page's life while the worker's own thread
 * still got a whole core, so a 2-thread measurement passed the one-thread wait and read the first
 * model's convolutions at 0.58-1.32x the same run's later models (0.90-1.00x checking both
 * cores; src/cost/README.md, "A free core per thread").
 *
 * Helpers are `blob:` workers (the CSP allows them as worker-src) running {@link spinShare}'s own
 * source. Where there is no `Worker` (Node) or `threads` is 1, it samples this thread alone. A
 * helper that does not answer within `replyMs` counts as share 0 (it never got a core); each
 * request carries a sequence number, so a late answer is not taken for the next sample's.
 */
export class CoreSampler {
  private readonly helpers: Worker[];
  private readonly url: string | undefined;
  private readonly pending = new Map<Worker, { readonly seq: number; readonly resolve: (share: number) => void }>();
  private seq = 0;

  constructor(
    threads: number,
    private readonly windowMs: number = CPU_SHARE_DEFAULTS.windowMs,
    private readonly gapMs: number = CPU_SHARE_DEFAULTS.gapMs,
    private readonly replyMs = 2000,
  ) {
    if (!Number.isInteger(threads) || threads < 1) throw new RangeError(`threads must be a whole number >= 1, got ${threads}`);
    const canSpawn = typeof Worker === 'function' && typeof Blob === 'function' && typeof URL.createObjectURL === 'function';
    this.url = threads > 1 && canSpawn ? URL.createObjectURL(new Blob([helperSource()], { type: 'text/javascript' })) : undefined;
    this.helpers = [];
    if (!this.url) return;
    for (let i = 1; i < threads; i++) {
      let w: Worker;
      try {
        w = new Worker(this.url);
      } catch {
        break; // Not allowed here (a stricter CSP): fewer threads are checked, and the result says so.
      }
      w.onmessage = (e: MessageEvent) => {
        const [seq, share] = Array.isArray(e.data) ? (e.data as unknown[]) : [];
        const waiting = this.pending.get(w);
        if (!waiting || seq !== waiting.seq) return;
        this.pending.delete(w);
        waiting.resolve(typeof share === 'number' && Number.isFinite(share) ? share : 0);
      };
      w.onerror = (e: Event) => {
        e.preventDefault();
        this.drop(w);
      };
      this.helpers.push(w);
    }
  }

  /**
   * A helper that failed (its script did not load or threw) is ended and no longer checked: the
   * samples cover fewer threads, and {@link sampledThreads} says so, rather than reading a failed
   * helper as a thread that never got a core.
   */
  private drop(w: Worker): void {
    const i = this.helpers.indexOf(w);
    if (i >= 0) this.helpers.splice(i, 1);
    w.terminate();
    const waiting = this.pending.get(w);
    this.pending.delete(w);
    waiting?.resolve(Number.NaN);
  }

  /** How many threads one sample covers (1 where helpers cannot run; fewer once one failed). */
  get sampledThreads(): number {
    return 1 + this.helpers.length;
  }

  /** Spin on every thread at once for one window; the least share any of them got. */
  async sample(): Promise<number> {
    const seq = ++this.seq;
    const replies = this.helpers.map((w) => new Promise<number>((resolve) => {
      const timer = setTimeout(() => { this.pending.delete(w); resolve(0); }, this.replyMs);
      this.pending.set(w, { seq, resolve: (share) => { clearTimeout(timer); resolve(share); } });
      w.postMessage([this.windowMs, this.gapMs, seq]);
    }));
    const own = spinShare(this.windowMs, this.gapMs, () => performance.now());
    return Math.min(own, ...(await Promise.all(replies)).filter((share) => !Number.isNaN(share)));
  }

  /** End the helpers. */
  close(): void {
    for (const w of this.helpers) w.terminate();
    this.helpers.length = 0;
    this.pending.clear();
    if (this.url) URL.revokeObjectURL(this.url);
  }
}

/** The script of one {@link CoreSampler} helper: answers [windowMs, gapMs, seq] with [seq, its share]. */
export function helperSource(): string {
  return `const spin = (${spinShare.toString()});\nonmessage = (e) => postMessage([e.data[2], spin(e.data[0], e.data[1], () => performance.now())]);\n`;
}
