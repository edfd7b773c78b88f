/**
 * The node's cost micro-benchmark (issue 11): times the probe models of src/zoo/cost-probes.ts on
 * one backend and turns them into a {@link BackendCost} labelled `measured`.
 *
 * Procedure (defaults in {@link MEASURE_DEFAULTS}; README.md explains the choices):
 * 1. open one session per probe on the backend;
 * 2. warm up: run every probe in turn for at least `minWarmupRounds` rounds and `warmupMs` of
 *    compute, so V8 has tiered the WASM kernels up (cold runs measured 5-17x slower, issue 11);
 *    On WASM in a node's worker (`waitForCpu`), warming goes on until the worker has a core to
 *    itself (src/cost/cpu-share.ts, at most 15 s): a fresh page's compile threads took 1.2-1.35 of
 *    this machine's 2 cores for ~12 s after its first model run;
 * 3. timed rounds, each running every probe once (interleaved, so a burst of load from elsewhere
 *    hits every class alike), until `rounds` rounds are in and every probe's spread (scaled MAD /
 *    median) is under `targetSpread`, or `maxRounds`, or the `budgetMs` is spent (3 rounds at least);
 * 4. per probe, the median after discarding outliers (robust-stats.ts), over the quietest
 *    `quietWindow` consecutive rounds (least total time) once there are twice as many rounds: load
 *    from elsewhere only slows rounds, so a burst while the node joins does not mis-rank it;
 * 5. fixedMsPerRun = the one-element probe's median; rate(class) = FLOPs / (median - fixedMsPerRun).
 *
 * A slowed node (simulated or lab, `slowdown` s >= 1) is timed as it runs slices: each sample is
 * busy ms x s, and `pause(busyMs)` lets the worker idle its duty cycle after every probe run, so
 * a node slowed 4x measures 4x slower rates and a 4x larger fixed cost.
 *
 * Runs anywhere a session factory does: in the node's worker (workers/runtime-service.ts), and
 * under Node for the bench and tests. Not safe to run while the same worker runs slices: timings
 * would interleave; re-measure between runs.
 */
import { OP_CLASSES, type BackendCost, type OpClass } from '../plan/plan-types';
import type { TensorData } from '../runtime/tensor';
import { costProbes, type CostProbe, type CostProbeKind } from '../zoo/cost-probes';
import { waitForCpu, type CpuWait, type CpuWaitOptions } from './cpu-share';
import { CostInputError } from './errors';
import { robustSummary } from './robust-stats';

/** The least a probe session must do. */
export interface ProbeSession {
  run(feeds: Readonly<Record<string, TensorData>>): Promise<unknown>;
  release(): Promise<void>;
}

/** Opens a session for probe bytes on the backend being measured. */
export type ProbeSessionFactory = (model: Uint8Array) => Promise<ProbeSession>;

/** Options of {@link measureBackendCost}. */
export interface MeasureCostOptions {
  /** Probe models (default `costProbes()`); must hold a `fixed` probe and one per op class. */
  readonly probes?: readonly CostProbe[];
  /** Least compute time spent warming up, ms. */
  readonly warmupMs?: number;
  /** Least warm-up rounds. */
  readonly minWarmupRounds?: number;
  /** Most warm-up time, ms (a very slow node stops warming here). */
  readonly maxWarmupMs?: number;
  /** Least timed rounds. */
  readonly rounds?: number;
  /** Most timed rounds. */
  readonly maxRounds?: number;
  /** Stop adding rounds once every probe's spread (scaled MAD / median) is under this. */
  readonly targetSpread?: number;
  /**
   * Time budget of the timed rounds, ms: past it no round is added beyond the first 3 (a slow
   * backend such as a software WebGPU adapter takes seconds per round).
   */
  readonly budgetMs?: number;
  /** The figures come from the quietest this-many consecutive rounds once there are twice as many. */
  readonly quietWindow?: number;
  /** Quota-style slowdown s >= 1 of the node: every sample is busy ms x s. */
  readonly slowdown?: number;
  /** Called after each probe run with its busy ms (the worker idles (s - 1) x busy here). */
  readonly pause?: (busyMs: number) => Promise<void>;
  /** Clock, ms (default performance.now). */
  readonly now?: () => number;
  /** Cancels between probe runs. */
  readonly signal?: AbortSignal;
  /**
   * After the warm-up, wait until this thread has a core to itself, at most
   * `maxWaitMs` (src/cost/cpu-share.ts): a fresh page's compile threads take most of a small
   * machine's CPU for seconds. Off by default; the node's worker turns it on.
   */
  readonly waitForCpu?: boolean | Omit<CpuWaitOptions, 'signal'>;
}

/** Defaults of {@link MeasureCostOptions}. */
export const MEASURE_DEFAULTS = {
  warmupMs: 600,
  minWarmupRounds: 5,
  maxWarmupMs: 6000,
  rounds: 9,
  maxRounds: 25,
  targetSpread: 0.1,
  budgetMs: 10_000,
  quietWindow: 5,
} as const;

/** Timed rounds always taken, whatever the budget. */
export const MIN_ROUNDS = 3;

/** How one probe timed. */
export interface ProbeTiming {
  readonly kind: CostProbeKind;
  /** FLOPs of one run. */
  readonly flops: number;
  /** Robust median, ms (busy x slowdown). */
  readonly medianMs: number;
  /** Samples kept and discarded as outliers. */
  readonly samples: number;
  readonly discarded: number;
  /** Scaled MAD / median of the kept samples. */
  readonly spread: number;
}

/** The outcome of {@link measureBackendCost}. */
export interface MeasuredCost {
  /** The cost the planner consumes. */
  readonly cost: BackendCost;
  /** Per probe. */
  readonly probes: readonly ProbeTiming[];
  /** Warm-up rounds and their compute time, ms. */
  readonly warmupRounds: number;
  readonly warmupMs: number;
  /** Timed rounds. */
  readonly rounds: number;
  /**
   * One FLOP/s figure for displays that show one (the old self-benchmark's): FLOPs of the conv,
   * depthwise and matmul probes over their summed net time. The planner uses `cost`.
   */
  readonly flopsPerSecond: number;
  /** The wait for a free core before the timed rounds, when asked for ({@link MeasureCostOptions.waitForCpu}). */
  readonly cpu?: CpuWait;
}

/** Checks value > 0 (min 0) or value >= min. */
function positive(name: string, value: number, min = 0): void {
  if (!Number.isFinite(value) || value < min || (min === 0 && value <= 0)) throw new CostInputError(`${name} must be a finite number ${min === 0 ? '> 0' : `>= ${min}`}, got ${value}`);
}

/** A deterministic, non-degenerate input (values in [-1, 1)) for a probe's input dims. */
function probeInput(dims: readonly number[]): TensorData {
  const data = new Float32Array(dims.reduce((a, b) => a * b, 1));
  for (let i = 0; i < data.length; i++) data[i] = ((i * 7919) % 2000) / 1000 - 1;
  return { dtype: 'float32', dims: [...dims], data };
}

/**
 * Turn per-probe timings into a BackendCost: fixedMsPerRun = the fixed probe's median; for each
 * class, rate = FLOPs / (median - fixedMsPerRun) in FLOP/s, the net time floored at 5% of the
 * median so a probe barely above the fixed cost cannot give an infinite rate.
 *
 * @throws CostInputError when the fixed probe or a class is missing, or a figure is not positive
 */
export function costFromTimings(timings: readonly Pick<ProbeTiming, 'kind' | 'flops' | 'medianMs'>[], label: BackendCost['label'] = 'measured'): BackendCost {
  const fixed = timings.find((t) => t.kind === 'fixed');
  if (!fixed) throw new CostInputError('no timing of the fixed-cost probe');
  positive('fixed probe median ms', fixed.medianMs);
  const rates = {} as Record<OpClass, number>;
  for (const c of OP_CLASSES) {
    const t = timings.find((x) => x.kind === c);
    if (!t) throw new CostInputError(`no timing of the ${c} probe (have: ${timings.map((x) => x.kind).join(', ')})`);
    positive(`${c} probe median ms`, t.medianMs);
    positive(`${c} probe FLOPs`, t.flops);
    const netMs = Math.max(t.medianMs - fixed.medianMs, 0.05 * t.medianMs);
    rates[c] = t.flops / (netMs / 1000);
  }
  return { flopsPerSecondByOpClass: rates, fixedMsPerRun: fixed.medianMs, label };
}

/**
 * The probe suite opened on one backend, sampled round by round: {@link measureBackendCost} is
 * warm-up + rounds + {@link ProbeSampler.result}; a bench can interleave its own runs between rounds
 * so that both see the same load.
 */
export class ProbeSampler {
  private readonly samples: number[][];
  private warmupRounds = 0;
  private warmupMs = 0;

  private constructor(
    private readonly probes: readonly CostProbe[],
    private readonly sessions: readonly ProbeSession[],
    private readonly feeds: readonly Record<string, TensorData>[],
    private readonly options: MeasureCostOptions & { readonly slowdown: number; readonly now: () => number },
  ) {
    this.samples = probes.map(() => []);
  }

  /**
   * Open one session per probe.
   *
   * @throws CostInputError when the suite lacks the fixed probe or a class, or slowdown < 1
   */
  static async open(createSession: ProbeSessionFactory, options: MeasureCostOptions = {}): Promise<ProbeSampler> {
    const slowdown = options.slowdown ?? 1;
    positive('slowdown', slowdown, 1);
    const probes = options.probes ?? costProbes();
    for (const kind of ['fixed', ...OP_CLASSES] as const) {
      if (!probes.some((p) => p.kind === kind)) throw new CostInputError(`the probe suite has no "${kind}" probe`);
    }
    const sessions: ProbeSession[] = [];
    try {
      for (const p of probes) sessions.push(await createSession(p.bytes));
    } catch (error) {
      for (const s of sessions) await s.release();
      throw error;
    }
    const feeds = probes.map((p) => Object.fromEntries(p.inputs.map((i) => [i.name, probeInput(i.dims)])));
    return new ProbeSampler(probes, sessions, feeds, { ...options, slowdown, now: options.now ?? (() => performance.now()) });
  }

  private async runOnce(i: number): Promise<number> {
    this.options.signal?.throwIfAborted();
    const t0 = this.options.now();
    await this.sessions[i]!.run(this.feeds[i]!);
    const busyMs = this.options.now() - t0;
    if (this.options.pause) await this.options.pause(busyMs);
    return busyMs;
  }

  /** Run every probe in turn until `minRounds` rounds and `minMs` of compute (capped at `maxMs`). */
  async warmUp(minRounds: number, minMs: number, maxMs: number): Promise<void> {
    let rounds = 0, ms = 0;
    while (rounds < minRounds || (ms < minMs && ms < maxMs)) {
      for (let i = 0; i < this.probes.length; i++) ms += await this.runOnce(i);
      rounds++;
    }
    this.warmupRounds += rounds;
    this.warmupMs += ms;
  }

  /** One timed round: every probe once; each sample is busy ms x slowdown. */
  async sampleRound(): Promise<void> {
    for (let i = 0; i < this.probes.length; i++) this.samples[i]!.push((await this.runOnce(i)) * this.options.slowdown);
  }

  /** Timed rounds so far. */
  get rounds(): number {
    return this.samples[0]!.length;
  }

  /** Whether every probe's spread is at most `targetSpread`. */
  settled(targetSpread: number): boolean {
    return this.rounds > 0 && this.samples.every((s) => robustSummary(s).spread <= targetSpread);
  }

  /** Forget the timed samples (keeps the sessions warm), e.g. to measure again later. */
  reset(): void {
    for (const s of this.samples) s.length = 0;
  }

  /**
   * The cost from the samples so far.
   *
   * @throws CostInputError before the first round
   */
  result(quietWindow: number = MEASURE_DEFAULTS.quietWindow, cpu?: CpuWait): MeasuredCost {
    if (this.rounds === 0) throw new CostInputError('no timed round yet');
    const [from, to] = this.quietest(quietWindow);
    const timings: ProbeTiming[] = this.probes.map((p, i) => {
      const r = robustSummary(this.samples[i]!.slice(from, to));
      return { kind: p.kind, flops: p.flops, medianMs: r.median, samples: r.kept, discarded: r.discarded, spread: r.spread };
    });
    const cost = costFromTimings(timings);
    const compute = timings.filter((t) => t.kind === 'conv' || t.kind === 'depthwise' || t.kind === 'matmul');
    const netSeconds = compute.reduce((a, t) => a + t.flops / cost.flopsPerSecondByOpClass[t.kind as OpClass], 0);
    return {
      cost, probes: timings, warmupRounds: this.warmupRounds, warmupMs: this.warmupMs, rounds: this.rounds,
      flopsPerSecond: compute.reduce((a, t) => a + t.flops, 0) / netSeconds,
      ...(cpu ? { cpu } : {}),
    };
  }

  /**
   * The rounds [from, to) to summarise: the `window` consecutive rounds with the least total time
   * (the quietest stretch) once there are at least 2 x window rounds, else all of them. Load from
   * elsewhere only ever slows a round, so the quietest stretch is the node's own speed; a burst
   * while a node joins then does not mis-rank it (issue 11). Run-time load is the calibration's job.
   */
  private quietest(window: number): [number, number] {
    const n = this.rounds;
    if (!Number.isInteger(window) || window < 1) throw new CostInputError(`quietWindow must be a whole number >= 1, got ${window}`);
    if (n < 2 * window) return [0, n];
    const total = Array.from({ length: n }, (_, r) => this.samples.reduce((a, s) => a + s[r]!, 0));
    let best = 0, bestSum = Infinity;
    for (let start = 0; start + window <= n; start++) {
      const sum = total.slice(start, start + window).reduce((a, b) => a + b, 0);
      if (sum < bestSum) [best, bestSum] = [start, sum];
    }
    return [best, best + window];
  }

  /** Release every session. */
  async release(): Promise<void> {
    for (const s of this.sessions) await s.release();
  }
}

/**
 * Measure one backend with the probe suite (see the module comment for the procedure).
 *
 * @throws CostInputError on bad options; whatever the session factory throws (backend unavailable)
 */
export async function measureBackendCost(createSession: ProbeSessionFactory, options: MeasureCostOptions = {}): Promise<MeasuredCost> {
  const o = { ...MEASURE_DEFAULTS, ...options };
  positive('warmupMs', o.warmupMs, 0);
  positive('maxWarmupMs', o.maxWarmupMs, o.warmupMs);
  positive('targetSpread', o.targetSpread);
  positive('budgetMs', o.budgetMs);
  for (const [name, v] of [['minWarmupRounds', o.minWarmupRounds], ['rounds', o.rounds], ['maxRounds', o.maxRounds]] as const) {
    if (!Number.isInteger(v) || v < 1) throw new CostInputError(`${name} must be a whole number >= 1, got ${v}`);
  }
  if (o.maxRounds < o.rounds) throw new CostInputError(`maxRounds (${o.maxRounds}) must be >= rounds (${o.rounds})`);
  const sampler = await ProbeSampler.open(createSession, options);
  try {
    await sampler.warmUp(o.minWarmupRounds, o.warmupMs, o.maxWarmupMs);
    const cpu = options.waitForCpu
      ? await waitForCpu({ ...(options.waitForCpu === true ? {} : options.waitForCpu), ...(options.signal ? { signal: options.signal } : {}) })
      : undefined;
    const now = options.now ?? (() => performance.now());
    const started = now();
    for (;;) {
      const n = sampler.rounds;
      const inBudget = now() - started < o.budgetMs;
      if (n >= MIN_ROUNDS && !inBudget) break;
      if (n >= o.rounds && (n >= o.maxRounds || sampler.settled(o.targetSpread))) break;
      await sampler.sampleRound();
    }
    return sampler.result(o.quietWindow, cpu);
  } finally {
    await sampler.release();
  }
}
