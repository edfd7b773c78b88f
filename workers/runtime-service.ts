/**
 * What the runtime worker does, as a plain class (no worker globals), so tests can drive it
 * directly under Node. onnxruntime-web is reached only through src/runtime/ort-session.ts.
 */
import type { BackendCostReport, CostMeasureReport, CostMeasureRequest, CostWorkerApi } from '../src/cost/cost-report';
import { waitForCpu } from '../src/cost/cpu-share';
import { measureBackendCost } from '../src/cost/measure-cost';
import { median as robustMedianOf, robustSummary } from '../src/cost/robust-stats';
import type { BackendBenchmark, BenchmarkReport } from '../src/protocol/messages';
import type {
  BenchmarkRequest,
  LoadedModel,
  RunResult,
  RuntimeWorkerApi,
  WorkerBackend,
  WorkerInfo,
  WorkerInit,
} from '../src/protocol/worker-api';
import { configureRuntime, createSession, type RuntimeSession } from '../src/runtime/ort-session';
import type { TensorData } from '../src/runtime/tensor';

/** Median of a non-empty list. */
export const median = robustMedianOf;

/**
 * Warm-up of the one-model self-benchmark: at least this many runs and this much compute, ms
 * (capped at BENCH_WARMUP_MAX_MS): one warm-up run left the WASM kernels cold and the figure 5-17x
 * low (issue 11).
 */
export const BENCH_WARMUP_RUNS = 5;
export const BENCH_WARMUP_MS = 500;
export const BENCH_WARMUP_MAX_MS = 5000;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Warming a deployed slice (`load` with `warm`): this many runs on zeros (fewer when they pass
 * SLICE_WARM_MAX_MS, never fewer than SLICE_WARM_MIN_RUNS), then on WASM a wait of at most SLICE_WARM_WAIT_MS for a
 * free core (src/cost/cpu-share.ts). Per thread from /proc, a run's first 2-3 s had the pages'
 * compile threads at 0.7-1.3 of 2 cores, optimising the kernels the slices use and the benchmark
 * did not, inside the inferences that calibrate the cost model. With 2 runs the first 6 executions
 * of a run still took 1.18-1.36x the run's median wall (15 runs of `bench --only swarm`'s setup),
 * so the calibration predicted every slice 18% slow; with 8 runs 0.84-1.03x after the first
 * (6 runs; docs/decisions.md).
 */
export const SLICE_WARM_RUNS = 8;
export const SLICE_WARM_MIN_RUNS = 2;
export const SLICE_WARM_MAX_MS = 1500;
export const SLICE_WARM_WAIT_MS = 3000;

/** Zeros for every input of a session, or undefined when an input is not float32 or its shape is unknown. */
function zeroFeeds(session: RuntimeSession): Record<string, TensorData> | undefined {
  const feeds: Record<string, TensorData> = {};
  for (const input of session.inputs) {
    if (input.dtype !== 'float32' || !input.shape.length) return undefined;
    const dims = input.shape.map((d) => (typeof d === 'number' && d > 0 ? d : 1));
    feeds[input.name] = { dtype: 'float32', dims, data: new Float32Array(dims.reduce((a, b) => a * b, 1)) };
  }
  return feeds;
}

/** Implements {@link RuntimeWorkerApi} and {@link CostWorkerApi}; one instance per worker. */
export class RuntimeService implements RuntimeWorkerApi, CostWorkerApi {
  private readonly sessions = new Map<string, RuntimeSession>();
  private info: WorkerInfo | undefined;
  private slowdown = 1;
  /** Per loaded model: its last two busy times and the idle already paid ahead (see {@link run}). */
  private readonly duty = new Map<string, { recentBusyMs: number[]; creditMs: number }>();

  constructor(private readonly fetchBytes: (url: string) => Promise<Uint8Array>) {}

  /** This worker's WASM threads (1 before init). */
  private get threads(): number {
    return this.info?.threads ?? 1;
  }

  async init(config: WorkerInit): Promise<WorkerInfo> {
    if (config.slowdown !== undefined) await this.setSlowdown(config.slowdown);
    if (this.info) return this.info;
    configureRuntime({ wasmPaths: config.wasmPaths, numThreads: config.numThreads });
    const g = globalThis as { crossOriginIsolated?: boolean; navigator?: { gpu?: unknown } };
    this.info = {
      threads: config.numThreads,
      crossOriginIsolated: g.crossOriginIsolated === true,
      webgpu: Boolean(g.navigator?.gpu),
    };
    return this.info;
  }

  async benchmark(request: BenchmarkRequest): Promise<BenchmarkReport> {
    const bytes = await this.fetchBytes(request.modelUrl);
    const backends: BackendBenchmark[] = [];
    for (const backend of request.backends) backends.push(await this.benchmarkBackend(backend, bytes, request));
    return {
      model: request.modelName,
      backends,
      threads: this.info?.threads ?? 1,
      crossOriginIsolated: this.info?.crossOriginIsolated ?? false,
    };
  }

  /** Why a backend cannot run here, or undefined when it can. */
  private async unavailable(backend: WorkerBackend): Promise<string | undefined> {
    if (backend !== 'webgpu') return undefined;
    const gpu = (globalThis as { navigator?: { gpu?: { requestAdapter(): Promise<unknown> } } }).navigator?.gpu;
    if (!gpu) return 'this browser has no WebGPU';
    const adapter = await gpu.requestAdapter().catch(() => null);
    return adapter ? undefined : 'no WebGPU adapter on this device';
  }

  private async benchmarkBackend(backend: WorkerBackend, bytes: Uint8Array, request: BenchmarkRequest): Promise<BackendBenchmark> {
    const reason = await this.unavailable(backend);
    if (reason) return { backend, available: false, error: reason };
    let session: RuntimeSession | undefined;
    try {
      session = await createSession(bytes, { backend });
      const feeds = { [request.inputName]: request.input };
      // Warm-up until the kernels are hot (see BENCH_WARMUP_*), idling the duty cycle as usual.
      let warmRuns = 0, warmMs = 0;
      while (warmRuns < BENCH_WARMUP_RUNS || (warmMs < BENCH_WARMUP_MS && warmMs < BENCH_WARMUP_MAX_MS)) {
        const t0 = performance.now();
        await session.run(feeds);
        const busyMs = performance.now() - t0;
        warmMs += busyMs;
        warmRuns++;
        await this.idle(busyMs);
      }
      // On WASM, time the runs once this worker has a core per thread (src/cost/cpu-share.ts).
      const cpu = backend === 'wasm' ? await waitForCpu({ threads: this.threads }) : undefined;
      const times: number[] = [];
      for (let i = 0; i < request.runs; i++) {
        const t0 = performance.now();
        await session.run(feeds);
        const busyMs = performance.now() - t0;
        times.push(busyMs * this.slowdown);
        await this.idle(busyMs);
      }
      const medianMs = robustSummary(times).median;
      return {
        backend,
        available: true,
        medianMs,
        runs: times.length,
        ...(request.flops ? { flopsPerSecond: request.flops / (medianMs / 1000) } : {}),
        ...(cpu ? { cpuShare: cpu.share, cpuThreads: cpu.threads ?? 1 } : {}),
      };
    } catch (error) {
      return { backend, available: false, error: `${(error as Error).message}`.slice(0, 300) };
    } finally {
      await session?.release();
    }
  }

  /**
   * The cost micro-benchmark (src/cost/measure-cost.ts) on each backend: warm, median of robust
   * rounds, with this worker's slowdown applied to every sample and its duty cycle idled. Do not
   * call while this worker runs slices (the timings would interleave).
   */
  async measureCost(request: CostMeasureRequest): Promise<CostMeasureReport> {
    const backends: BackendCostReport[] = [];
    for (const backend of request.backends) {
      const reason = await this.unavailable(backend);
      if (reason) {
        backends.push({ backend, available: false, error: reason });
        continue;
      }
      const t0 = performance.now();
      try {
        const m = await measureBackendCost((bytes) => createSession(bytes, { backend }), {
          // On WASM the timed rounds wait for a free core per thread (src/cost/cpu-share.ts).
          waitForCpu: backend === 'wasm' && { threads: this.threads }, ...request.options, slowdown: this.slowdown, pause: (busyMs) => this.idle(busyMs),
        });
        backends.push({
          backend, available: true, cost: m.cost, flopsPerSecond: m.flopsPerSecond, probes: m.probes,
          warmupRounds: m.warmupRounds, warmupMs: m.warmupMs, rounds: m.rounds, elapsedMs: performance.now() - t0,
          ...(m.cpu ? { cpu: m.cpu } : {}),
        });
      } catch (error) {
        backends.push({ backend, available: false, error: `${(error as Error).message}`.slice(0, 300) });
      }
    }
    return { backends, slowdown: this.slowdown, threads: this.info?.threads ?? 1 };
  }

  async load(modelId: string, source: Uint8Array | string, backend: WorkerBackend, options: { disableOptimizations?: boolean; warm?: boolean } = {}): Promise<LoadedModel> {
    const t0 = performance.now();
    const bytes = typeof source === 'string' ? await this.fetchBytes(source) : source;
    await this.unload(modelId);
    const { warm, ...sessionOptions } = options;
    const session = await createSession(bytes, { backend, ...sessionOptions });
    this.sessions.set(modelId, session);
    const loadMs = performance.now() - t0;
    const warmed = warm ? await this.warmSlice(session, backend) : undefined;
    return { modelId, backend, inputNames: session.inputNames, outputNames: session.outputNames, loadMs, ...(warmed ? { warmMs: warmed.ms, warmRuns: warmed.runs } : {}) };
  }

  /**
   * Run a freshly loaded slice on zeros (see SLICE_WARM_RUNS), untimed and unidled; returns the ms
   * it took and the runs that completed. Best effort: a slice that cannot run on zeros says so when
   * it runs for real.
   */
  private async warmSlice(session: RuntimeSession, backend: WorkerBackend): Promise<{ readonly ms: number; readonly runs: number }> {
    const t0 = performance.now();
    const feeds = zeroFeeds(session);
    let runs = 0;
    if (!feeds) return { ms: 0, runs };
    try {
      while (runs < SLICE_WARM_RUNS && (runs < SLICE_WARM_MIN_RUNS || performance.now() - t0 < SLICE_WARM_MAX_MS)) {
        await session.run(feeds);
        runs++;
      }
      if (backend === 'wasm') await waitForCpu({ maxWaitMs: SLICE_WARM_WAIT_MS });
    } catch {
      // The real run reports the error.
    }
    return { ms: performance.now() - t0, runs };
  }

  /**
   * Run a loaded model. With a slowdown s > 1 the run takes s x its busy time, the (s - 1) x busy
   * idle spent *before* the compute, sized by the shorter of this model's last two runs (one slow
   * run, such as the first, does not make the next over-idle), and settled after it (any
   * shortfall idled at once, any excess credited to the next run), so the idle time over a run is
   * exactly (s - 1) x the busy time. Why before: the coordinator sends the next input as a result
   * leaves, and on one host the sender's and receiver's WebRTC threads run at a higher priority than
   * this worker; idled after, that transfer landed on the next compute and slowed it 15-70% (lab
   * pages measured 55 ms busy for a 32 ms MobileNetV2 run; see docs/decisions.md).
   */
  async run(modelId: string, feeds: Record<string, TensorData>): Promise<RunResult> {
    const session = this.sessions.get(modelId);
    if (!session) throw new Error(`no model "${modelId}" is loaded in this worker`);
    const t0 = performance.now();
    const duty = this.duty.get(modelId) ?? { recentBusyMs: [], creditMs: 0 };
    const expectedMs = duty.recentBusyMs.length ? Math.min(...duty.recentBusyMs) : 0;
    const before = Math.max(0, (this.slowdown - 1) * expectedMs - duty.creditMs);
    if (before > 0) await sleep(before);
    const t1 = performance.now();
    const outputs = await session.run(feeds);
    const busyMs = performance.now() - t1;
    // What this run still owes (> 0: idle it now) or over-paid (< 0: credit it to the next run).
    const owed = (this.slowdown - 1) * busyMs - before - duty.creditMs;
    if (owed > 0) await sleep(owed);
    this.duty.set(modelId, { recentBusyMs: [...duty.recentBusyMs.slice(-1), busyMs], creditMs: Math.max(0, -owed) });
    return { outputs, busyMs, wallMs: performance.now() - t0 };
  }

  async setSlowdown(slowdown: number): Promise<void> {
    if (!(slowdown >= 1) || !Number.isFinite(slowdown)) throw new RangeError(`slowdown must be >= 1, got ${slowdown}`);
    this.slowdown = slowdown;
  }

  async unload(modelId: string): Promise<void> {
    const session = this.sessions.get(modelId);
    this.sessions.delete(modelId);
    this.duty.delete(modelId);
    await session?.release();
  }

  /** Quota-style duty cycle: after busy t, stay idle (s - 1) t so the node runs at 1/s speed. */
  private async idle(busyMs: number): Promise<void> {
    if (this.slowdown > 1) await sleep(busyMs * (this.slowdown - 1));
  }
}
