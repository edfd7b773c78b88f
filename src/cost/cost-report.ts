/**
 * What a node's worker returns when asked to measure its cost (workers/runtime-service.ts
 * `measureCost`), per backend. Crosses the worker boundary by structured clone: plain data only.
 */
import type { BackendCost } from '../plan/plan-types';
import type { WorkerBackend } from '../protocol/worker-api';
import type { CpuWait } from './cpu-share';
import type { MeasureCostOptions, ProbeTiming } from './measure-cost';

/** Which backends to measure, and optional tuning of the procedure (defaults: MEASURE_DEFAULTS). */
export interface CostMeasureRequest {
  readonly backends: readonly WorkerBackend[];
  readonly options?: Pick<MeasureCostOptions, 'warmupMs' | 'minWarmupRounds' | 'maxWarmupMs' | 'rounds' | 'maxRounds' | 'targetSpread' | 'budgetMs' | 'quietWindow' | 'waitForCpu'>;
}

/** One backend's outcome. */
export interface BackendCostReport {
  readonly backend: WorkerBackend;
  /** False when the backend could not run here (then `error` says why). */
  readonly available: boolean;
  /** The measured cost (label `measured`), when available. */
  readonly cost?: BackendCost;
  /** One FLOP/s figure for displays (conv, depthwise and matmul probes), when available. */
  readonly flopsPerSecond?: number;
  /** Per-probe timings behind `cost`. */
  readonly probes?: readonly ProbeTiming[];
  /** Warm-up rounds and compute ms, timed rounds. */
  readonly warmupRounds?: number;
  readonly warmupMs?: number;
  readonly rounds?: number;
  /** The wait for a free core before the timed rounds (WASM), when there was one. */
  readonly cpu?: CpuWait;
  /** Wall time the whole measurement took, ms (slowdown idling included). */
  readonly elapsedMs?: number;
  /** Why the backend is unavailable. */
  readonly error?: string;
}

/** A node's cost measurement. */
export interface CostMeasureReport {
  readonly backends: readonly BackendCostReport[];
  /** The quota-style slowdown the worker applied (1 = full speed). */
  readonly slowdown: number;
  /** WASM threads of the worker. */
  readonly threads: number;
}

/** The worker method (to be added to RuntimeWorkerApi in src/protocol/worker-api.ts). */
export interface CostWorkerApi {
  /** Measure the cost micro-benchmark on each backend, warm, with the worker's slowdown applied. */
  measureCost(request: CostMeasureRequest): Promise<CostMeasureReport>;
}
