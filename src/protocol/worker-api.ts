/**
 * The contract between pages and the runtime worker (workers/runtime.worker.ts), called through
 * comlink. Big tensors cross by transfer (comlink.transfer), not copy.
 */
import type { CostWorkerApi } from '../cost/cost-report';
import type { BenchmarkReport } from './messages';
import type { TensorData } from '../runtime/tensor';

/** Backends the worker can run on. */
export type WorkerBackend = 'wasm' | 'webgpu';

/** Settings applied once, before any model loads (ORT fixes threads per realm). */
export interface WorkerInit {
  /** Absolute URL prefix of the ORT .wasm/.mjs files, e.g. https://host:8080/ort/ */
  readonly wasmPaths: string;
  /** WASM threads to use (1 unless crossOriginIsolated). */
  readonly numThreads: number;
  /**
   * Quota-style slowdown >= 1: after each run of busy t ms the worker idles (s - 1) t ms, as a
   * cgroup CPU quota would. 1 = full speed. Used by simulated nodes and the lab.
   */
  readonly slowdown?: number;
}

/** What the worker tells about itself after init. */
export interface WorkerInfo {
  readonly threads: number;
  readonly crossOriginIsolated: boolean;
  /** Whether navigator.gpu exists in the worker. */
  readonly webgpu: boolean;
}

/** A self-benchmark request. */
export interface BenchmarkRequest {
  /** Same-origin URL of the model to time. */
  readonly modelUrl: string;
  /** Display name of that model. */
  readonly modelName: string;
  /** The model's FLOPs for one inference at `input`'s shape, when known (gives FLOP/s). */
  readonly flops?: number;
  /** Input name and a tensor to feed. */
  readonly inputName: string;
  readonly input: TensorData;
  /** Timed runs per backend (after one warm-up). */
  readonly runs: number;
  /** Backends to try. */
  readonly backends: readonly WorkerBackend[];
}

/** Outcome of one run. */
export interface RunResult {
  readonly outputs: Record<string, TensorData>;
  /** Time the worker spent computing, ms (excludes the slowdown idle time). */
  readonly busyMs: number;
  /** Wall time inside the worker including slowdown idling, ms. */
  readonly wallMs: number;
}

/** Loaded model summary. */
export interface LoadedModel {
  readonly modelId: string;
  readonly backend: WorkerBackend;
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  readonly loadMs: number;
  /** Time spent warming the session after it loaded (`load` with `warm`), ms. */
  readonly warmMs?: number;
  /** Runs on zeros that warming completed (workers/runtime-service.ts SLICE_WARM_RUNS at most). */
  readonly warmRuns?: number;
}

/** The API the runtime worker exposes. */
/** The runtime worker's API (workers/runtime.worker.ts), the cost micro-benchmark included. */
export interface RuntimeWorkerApi extends CostWorkerApi {
  init(config: WorkerInit): Promise<WorkerInfo>;
  benchmark(request: BenchmarkRequest): Promise<BenchmarkReport>;
  /** Load a model from bytes (transferred) or a same-origin URL under an id. */
  /**
   * Load a model; with `warm`, run it on zeros a few times and wait briefly for a free core before
   * answering, so its kernels are compiled before anything is timed (a deployed slice).
   */
  load(modelId: string, source: Uint8Array | string, backend: WorkerBackend, options?: { disableOptimizations?: boolean; warm?: boolean }): Promise<LoadedModel>;
  run(modelId: string, feeds: Record<string, TensorData>): Promise<RunResult>;
  unload(modelId: string): Promise<void>;
  /** Change the quota-style slowdown (>= 1) for later runs. */
  setSlowdown(slowdown: number): Promise<void>;
}
