/**
 * The page behind the Chromium part of bench/cost.bench.ts: a node's runtime worker (the same
 * workers/runtime.worker.ts and startRuntimeWorker the node page uses) measures the cost
 * micro-benchmark (`measureCost`), then runs catalogue slices; the page predicts each slice from the
 * measured cost and reports the worker's busy and wall ms beside it. Driven through
 * `window.carbonedgeCostBench`.
 */
import { transfer, type Remote } from 'comlink';
import type { CostMeasureReport, CostWorkerApi } from '../src/cost/cost-report';
import { predictSlice } from '../src/cost/predict';
import { median } from '../src/cost/robust-stats';
import { indexModel, parseModel, profileModel, randomFeeds, sliceModel, balancedFlopsCuts, toPlanModel } from '../src/graph/index';
import type { RuntimeWorkerApi } from '../src/protocol/worker-api';
import type { TensorData } from '../src/runtime/tensor';
import { startRuntimeWorker } from '../src/ui/runtime-client';
import { workerSessionFactory } from '../src/ui/worker-session';
import { loadZooModel, zooInfo } from '../src/zoo/index';

/** One slice's figures. */
export interface PageSliceRow {
  readonly model: string;
  readonly k: number;
  readonly stage: number;
  readonly start: number;
  readonly end: number;
  readonly flops: number;
  readonly predictedMs: number;
  readonly busyMs: number;
  readonly wallMs: number;
}

/** What one bench run in the page returns. */
export interface PageCostResult {
  readonly threads: number;
  readonly crossOriginIsolated: boolean;
  /** The first measurement (both backends). */
  readonly first: CostMeasureReport;
  /** The wasm re-measurement before each model, by model. */
  readonly before: Record<string, CostMeasureReport>;
  readonly rows: readonly PageSliceRow[];
}

/** What the bench calls. */
export interface CostBenchApi {
  run(models: readonly string[], maxK: number, options: { slowdown?: number; numThreads?: number; webgpu: boolean; warmupRuns: number; timedRuns: number }): Promise<PageCostResult>;
}

declare global {
  interface Window {
    carbonedgeCostBench: CostBenchApi;
  }
}

let ids = 0;

window.carbonedgeCostBench = {
  async run(models, maxK, options) {
    const client = await startRuntimeWorker({ ...(options.slowdown ? { slowdown: options.slowdown } : {}), ...(options.numThreads ? { numThreads: options.numThreads } : {}) });
    const api = client.api as unknown as Remote<RuntimeWorkerApi & CostWorkerApi>;
    try {
      const wasmFirst = await api.measureCost({ backends: ['wasm'] });
      // The software WebGPU adapter takes seconds per probe round: a shorter measurement.
      const gpu = options.webgpu ? (await api.measureCost({ backends: ['webgpu'], options: { minWarmupRounds: 2, warmupMs: 100, rounds: 3, budgetMs: 1 } })).backends : [];
      const first: CostMeasureReport = { ...wasmFirst, backends: [...wasmFirst.backends, ...gpu] };
      const before: Record<string, CostMeasureReport> = {};
      const rows: PageSliceRow[] = [];
      for (const name of models) {
        const info = zooInfo(name);
        const index = indexModel(parseModel(await loadZooModel(name)));
        const profile = await profileModel(index, [{ name: info.inputName, dims: info.inputShape }], { createSession: workerSessionFactory(client) });
        const model = toPlanModel(profile);
        // Cut every k first: profiling and slicing keep the page busy (big tensors, hashing), which
        // would slow the worker's measurement on a 2-core machine. Then measure, then run.
        const cuts: { k: number; slices: Awaited<ReturnType<typeof sliceModel>> }[] = [];
        for (let k = 1; k <= maxK; k++) cuts.push({ k, slices: await sliceModel(profile, balancedFlopsCuts(profile, k)) });
        const measured = await api.measureCost({ backends: ['wasm'] });
        before[name] = measured;
        const cost = measured.backends[0]!.cost!;
        for (const { k, slices } of cuts) {
          let carried: Record<string, TensorData> = randomFeeds(index, profile.inputShapes, 1);
          for (const slice of slices) {
            const id = `cost-bench-${++ids}`;
            const copy = slice.model.slice();
            await api.load(id, transfer(copy, [copy.buffer]), 'wasm');
            const feeds = Object.fromEntries(slice.inputs.map((t) => [t, carried[t]!]));
            let outputs: Record<string, TensorData> = {};
            for (let i = 0; i < options.warmupRuns; i++) outputs = (await api.run(id, feeds)).outputs;
            const busy: number[] = [], wall: number[] = [];
            for (let i = 0; i < options.timedRuns; i++) {
              const r = await api.run(id, feeds);
              busy.push(r.busyMs);
              wall.push(r.wallMs);
            }
            await api.unload(id);
            carried = outputs;
            rows.push({
              model: name, k, stage: slice.stage, start: slice.start, end: slice.end, flops: slice.flops,
              predictedMs: predictSlice(cost, model, [slice.start, slice.end]).computeMs, busyMs: median(busy), wallMs: median(wall),
            });
          }
        }
      }
      return { threads: client.info.threads, crossOriginIsolated: globalThis.crossOriginIsolated === true, first, before, rows };
    } finally {
      client.terminate();
    }
  },
};
