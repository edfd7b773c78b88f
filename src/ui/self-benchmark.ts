/**
 * A node's self-benchmark, run in its runtime worker: the bundled model timed on each backend that
 * works (FLOP/s from its known MACs), then the cost model's micro-benchmark (src/cost: FLOP/s per
 * operator class and the fixed ms of a run) on each; the planner predicts slices from the latter.
 *
 * WASM first, both its figures, then WebGPU within a time bound: a WebGPU adapter can be slow (the
 * software one) or hang, and a node whose WebGPU never answers must still join on WASM, saying why
 * WebGPU is missing. (Until 2026-12-05 the WASM cost measurement came after the WebGPU benchmark, in
 * the same worker and without a bound: a WebGPU call still running past its bound could hold it.)
 * The WASM part is bounded too: past it the worker is taken as stalled, and the node session
 * (`benchmarkOrRestart`) runs the benchmark once more in a fresh worker on one thread.
 * `onPhase` says which part runs, for the page to show.
 */
import { CPU_SHARE_DEFAULTS } from '../cost/cpu-share';
import type { BackendBenchmark, BenchmarkReport } from '../protocol/messages';
import type { TensorData } from '../runtime/tensor';
import { zooInfo } from '../zoo/index';
import { PADDLE_CLS_HEIGHT, PADDLE_CLS_INPUT, PADDLE_CLS_URL, PADDLE_CLS_WIDTH } from '../demo/paddle-cls';
import type { RuntimeClient } from './runtime-client';
import { formatDuration } from './format';
import { cpuShareText } from './node-contribution';
import { settledWithin } from './stall-guard';

/**
 * How long the WebGPU part (its benchmark and its cost measurement) may take before the node goes
 * on without WebGPU. The software adapter took up to ~180 s for the whole benchmark on a loaded
 * 2-core machine (test/e2e/webgpu.test.ts); a real GPU takes seconds.
 */
export const WEBGPU_BENCHMARK_TIMEOUT_MS = 240_000;

/**
 * How long the WASM part (the bundled model's timing and the cost measurement) may take before the
 * worker is taken as stalled. It takes 10-40 s on this 2-core machine, waits for a free core
 * included (each wait is bounded at 15 s); once in CI a node page stayed in "timing the bundled model
 * on WASM" for the whole 420 s of its test (docs/decisions.md, "A node's benchmark that stalls is
 * retried once in a fresh worker on one thread").
 */
export const WASM_BENCHMARK_TIMEOUT_MS = 150_000;

/** The WASM part of the self-benchmark did not answer within its bound: the worker is unusable. */
export class BenchmarkStalledError extends Error {
  constructor(readonly phase: string, readonly timeoutMs: number) {
    super(`${phase} did not finish within ${formatDuration(timeoutMs)}`);
    this.name = 'BenchmarkStalledError';
  }
}

/**
 * Whether the device stayed busy while the worker timed (some backend's `cpuShare` below
 * CPU_SHARE_DEFAULTS.minShare after the whole wait): its figures may read slow, so the page says
 * so and does not keep them in the browser's profile for the next visit.
 */
export function measuredWhileBusy(report: BenchmarkReport): boolean {
  return report.backends.some(timedWhileBusy);
}

/** Whether one backend's worker had less than CPU_SHARE_DEFAULTS.minShare of a core after its whole wait. */
function timedWhileBusy(b: BackendBenchmark): boolean {
  return b.cpuShare !== undefined && b.cpuShare < CPU_SHARE_DEFAULTS.minShare;
}

/**
 * Whether a benchmark kept in the browser's profile can stand for this page's worker with `threads`
 * WASM threads: taken at the same thread count, carrying the cost model's per-class figures (older
 * saved ones do not), and on WASM timed once every thread had a core (`cpuThreads`; a report kept
 * before 2026-12-07 has none: its wait checked one core, whatever the thread count).
 */
export function reusableBenchmark(report: BenchmarkReport, threads: number): boolean {
  if (report.threads !== threads || !report.backends.some((b) => b.flopsPerSecond && b.cost)) return false;
  return report.backends.every((b) => b.backend !== 'wasm' || !b.available || (b.cpuThreads ?? 1) >= threads);
}

/**
 * How a backend's figures were timed, for the coordinator's node table: the share of a core the
 * worker had (per thread with more than one) as a title, and whether the device stayed busy, as
 * the node page itself says (`measuredWhileBusy`). Undefined when the report says nothing of it.
 */
export function timingNote(b: BackendBenchmark): { readonly title: string; readonly busy: boolean } | undefined {
  if (b.cpuShare === undefined) return undefined;
  const busy = timedWhileBusy(b);
  const share = cpuShareText(b.cpuShare, b.cpuThreads);
  return { busy, title: busy ? `timed while the device stayed busy (${share}): its figures may read slow` : `timed when ${share}` };
}

/** Options of {@link runSelfBenchmark}. */
export interface SelfBenchmarkOptions {
  /** Timed runs of the bundled model per backend (default 10). */
  readonly runs?: number;
  /** Whether to try WebGPU (default: whether the browser has `navigator.gpu`). */
  readonly webgpu?: boolean;
  /** Bound of the WebGPU part, ms (default {@link WEBGPU_BENCHMARK_TIMEOUT_MS}). */
  readonly webgpuTimeoutMs?: number;
  /** Bound of the WASM part, ms (default {@link WASM_BENCHMARK_TIMEOUT_MS}); past it the call rejects with {@link BenchmarkStalledError}. */
  readonly wasmTimeoutMs?: number;
  /** Told each part as it starts, e.g. "timing the bundled model on WebGPU". */
  readonly onPhase?: (phase: string) => void;
}

/** A deterministic benchmark input for the bundled model (a smooth pattern in [-1, 1]). */
function benchmarkInput(): TensorData {
  const data = new Float32Array(3 * PADDLE_CLS_HEIGHT * PADDLE_CLS_WIDTH);
  for (let i = 0; i < data.length; i++) data[i] = Math.sin(i * 0.01);
  return { dtype: 'float32', dims: [1, 3, PADDLE_CLS_HEIGHT, PADDLE_CLS_WIDTH], data };
}

/** `promise`'s value, or undefined once `deadline` (performance.now() ms) has passed. */
async function before<T>(promise: Promise<T>, deadline: number): Promise<T | undefined> {
  return (await settledWithin(promise, deadline - performance.now()))?.value;
}

/** Run the self-benchmark in `runtime`'s worker (see the module comment). */
export async function runSelfBenchmark(runtime: RuntimeClient, options: SelfBenchmarkOptions = {}): Promise<BenchmarkReport> {
  const webgpu = options.webgpu ?? (typeof navigator !== 'undefined' && 'gpu' in navigator);
  const timeoutMs = options.webgpuTimeoutMs ?? WEBGPU_BENCHMARK_TIMEOUT_MS;
  const request = {
    modelUrl: PADDLE_CLS_URL,
    modelName: 'paddle-cls',
    flops: zooInfo('paddle-cls').macs * 2,
    inputName: PADDLE_CLS_INPUT,
    input: benchmarkInput(),
    runs: options.runs ?? 10,
  };
  const phase = options.onPhase ?? (() => undefined);
  const label = (backend: string) => (backend === 'webgpu' ? 'WebGPU' : 'WASM');
  const costs = new Map<string, NonNullable<BackendBenchmark['cost']>>();
  const shares = new Map<string, Pick<BackendBenchmark, 'cpuShare' | 'cpuThreads'>>();
  /**
   * The cost micro-benchmark on `b` within `deadline`; a failure keeps the FLOP/s figure. Says
   * whether it answered in time (a WebGPU part past its bound is given up; a WASM one means a stall).
   */
  const measureCost = async (b: BackendBenchmark, deadline: number): Promise<boolean> => {
    if (!b.available) return true;
    phase(`measuring operator costs on ${label(b.backend)}`);
    // WebGPU here may be a slow software adapter: a shorter budget keeps joining quick.
    const measureOptions = b.backend === 'webgpu' ? { budgetMs: 3000, maxWarmupMs: 2000 } : {};
    try {
      const measured = await settledWithin(runtime.api.measureCost({ backends: [b.backend], options: measureOptions }), deadline - performance.now());
      if (!measured) return false;
      const cost = measured.value.backends[0]?.cost;
      if (cost) costs.set(b.backend, { flopsPerSecondByOpClass: cost.flopsPerSecondByOpClass, fixedMsPerRun: cost.fixedMsPerRun });
      const cpu = measured.value.backends[0]?.cpu;
      if (cpu) shares.set(b.backend, { cpuShare: Math.min(cpu.share, b.cpuShare ?? 1), cpuThreads: Math.min(cpu.threads ?? 1, b.cpuThreads ?? 1) });
    } catch {
      // The node stays plannable on its FLOP/s figure; the planner labels that rule.
    }
    return true;
  };
  const wasmTimeoutMs = options.wasmTimeoutMs ?? WASM_BENCHMARK_TIMEOUT_MS;
  const wasmDeadline = performance.now() + wasmTimeoutMs;
  phase('timing the bundled model on WASM');
  const report = await before(runtime.api.benchmark({ ...request, backends: ['wasm'] }), wasmDeadline);
  if (!report) throw new BenchmarkStalledError('timing the bundled model on WASM', wasmTimeoutMs);
  const backends: BackendBenchmark[] = [...report.backends];
  for (const b of report.backends) {
    if (!(await measureCost(b, wasmDeadline))) throw new BenchmarkStalledError(`measuring operator costs on ${label(b.backend)}`, wasmTimeoutMs);
  }
  if (webgpu) {
    const deadline = performance.now() + timeoutMs;
    const late = `the WebGPU benchmark did not finish within ${timeoutMs >= 10_000 ? Math.round(timeoutMs / 1000) : (timeoutMs / 1000).toFixed(1)} s`;
    phase('timing the bundled model on WebGPU');
    const gpu = await before(runtime.api.benchmark({ ...request, backends: ['webgpu'] }), deadline).catch((error: unknown) => ({
      backends: [{ backend: 'webgpu', available: false, error: `the WebGPU benchmark failed: ${(error as Error)?.message ?? String(error)}` }] as BackendBenchmark[],
    }));
    const found = gpu?.backends ?? [{ backend: 'webgpu', available: false, error: late }];
    backends.push(...found);
    for (const b of found) await measureCost(b, deadline);
  }
  return {
    ...report,
    backends: backends.map((b) => ({
      ...b,
      ...(costs.has(b.backend) ? { cost: costs.get(b.backend)! } : {}),
      ...shares.get(b.backend),
    })),
  };
}

/** What {@link benchmarkOrRestart} gives back: the report and the worker that made it. */
export interface BenchmarkOutcome {
  readonly report: BenchmarkReport;
  /** The worker to run slices in: `runtime`, or the fresh one when the first stalled. */
  readonly runtime: RuntimeClient;
}

/**
 * Run `bench` in `runtime`. When its WASM part stalls ({@link BenchmarkStalledError}), the worker is
 * unusable: terminate it, say so through `onRetry`, start a fresh one on one thread with
 * `startSingleThreaded` (a stall seen only with onnxruntime-web's thread pool; one thread avoids it)
 * and benchmark there once more. `onRetry` gets the line to show and what stalled. A second stall, or any other failure, rejects with its reason.
 */
export async function benchmarkOrRestart(
  runtime: RuntimeClient,
  bench: (runtime: RuntimeClient) => Promise<BenchmarkReport>,
  startSingleThreaded: () => Promise<RuntimeClient>,
  onRetry?: (message: string, stalled: string) => void,
): Promise<BenchmarkOutcome> {
  try {
    return { report: await bench(runtime), runtime };
  } catch (error) {
    if (!(error instanceof BenchmarkStalledError)) throw error;
    runtime.terminate();
    onRetry?.(`${error.message}: restarted this device's runtime worker on 1 thread and benchmarking again`, error.message);
  }
  const fresh = await startSingleThreaded();
  try {
    return { report: await bench(fresh), runtime: fresh };
  } catch (error) {
    if (!(error instanceof BenchmarkStalledError)) throw error;
    fresh.terminate();
    throw new Error(`${error.message}, twice (the second time in a fresh runtime worker on 1 thread): reload this page to try again`);
  }
}
