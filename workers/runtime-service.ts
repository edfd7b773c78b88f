/**
 * What the runtime worker does, as a plain class (no worker globals), so tests can drive it
 * directly under Node. onnxruntime-web is reached only through src/runtime/ort-session.ts.
 */
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
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Implements {@link RuntimeWorkerApi}; one instance per worker. */
export class RuntimeService implements RuntimeWorkerApi {
  private readonly sessions = new Map<string, RuntimeSession>();
  private info: WorkerInfo | undefined;
  private slowdown = 1;

  constructor(private readonly fetchBytes: (url: string) => Promise<Uint8Array>) {}

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

  private async benchmarkBackend(backend: WorkerBackend, bytes: Uint8Array, request: BenchmarkRequest): Promise<BackendBenchmark> {
    if (backend === 'webgpu') {
      const gpu = (globalThis as { navigator?: { gpu?: { requestAdapter(): Promise<unknown> } } }).navigator?.gpu;
      if (!gpu) return { backend, available: false, error: 'this browser has no WebGPU' };
      const adapter = await gpu.requestAdapter().catch(() => null);
      if (!adapter) return { backend, available: false, error: 'no WebGPU adapter on this device' };
    }
    let session: RuntimeSession | undefined;
    try {
      session = await createSession(bytes, { backend });
      const feeds = { [request.inputName]: request.input };
      await session.run(feeds); // warm-up: first run compiles kernels
      const times: number[] = [];
      for (let i = 0; i < request.runs; i++) {
        const t0 = performance.now();
        await session.run(feeds);
        const busyMs = performance.now() - t0;
        times.push(busyMs * this.slowdown);
        await this.idle(busyMs);
      }
      const medianMs = median(times);
      return {
        backend,
        available: true,
        medianMs,
        runs: times.length,
        ...(request.flops ? { flopsPerSecond: request.flops / (medianMs / 1000) } : {}),
      };
    } catch (error) {
      return { backend, available: false, error: `${(error as Error).message}`.slice(0, 300) };
    } finally {
      await session?.release();
    }
  }

  async load(modelId: string, source: Uint8Array | string, backend: WorkerBackend, options: { disableOptimizations?: boolean } = {}): Promise<LoadedModel> {
    const t0 = performance.now();
    const bytes = typeof source === 'string' ? await this.fetchBytes(source) : source;
    await this.unload(modelId);
    const session = await createSession(bytes, { backend, ...options });
    this.sessions.set(modelId, session);
    return { modelId, backend, inputNames: session.inputNames, outputNames: session.outputNames, loadMs: performance.now() - t0 };
  }

  async run(modelId: string, feeds: Record<string, TensorData>): Promise<RunResult> {
    const session = this.sessions.get(modelId);
    if (!session) throw new Error(`no model "${modelId}" is loaded in this worker`);
    const t0 = performance.now();
    const outputs = await session.run(feeds);
    const busyMs = performance.now() - t0;
    await this.idle(busyMs);
    return { outputs, busyMs, wallMs: performance.now() - t0 };
  }

  async setSlowdown(slowdown: number): Promise<void> {
    if (!(slowdown >= 1) || !Number.isFinite(slowdown)) throw new RangeError(`slowdown must be >= 1, got ${slowdown}`);
    this.slowdown = slowdown;
  }

  async unload(modelId: string): Promise<void> {
    const session = this.sessions.get(modelId);
    this.sessions.delete(modelId);
    await session?.release();
  }

  /** Quota-style duty cycle: after busy t, stay idle (s - 1) t so the node runs at 1/s speed. */
  private async idle(busyMs: number): Promise<void> {
    if (this.slowdown > 1) await sleep(busyMs * (this.slowdown - 1));
  }
}
