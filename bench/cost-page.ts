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
  /** The page warm-up before any slice was timed: the first model whole, run for `pageWarmupMs`. */
  readonly warmup?: { readonly model: string; readonly runs: number; readonly ms: number; readonly firstMs: number; readonly firstTenMedianMs: number; readonly lastTenMedianMs: number };
}

/** What the bench calls. */
export interface CostBenchApi {
  run(models: readonly string[], maxK: number, options: { slowdown?: number; numThreads?: number; webgpu: boolean; warmupRuns: number; timedRuns: number; pageWarmupMs: number }): Promise<PageCostResult>;
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
      // A fresh page runs its first real model 2-5x slower for its first ~20 runs (~2 s; measured
      // with MobileNetV2 whole: 152, 226, 110 ... 52, 57, then 30-33 ms), whichever model comes
      // first: the slices' own 3 warm-up runs do not cover it, so the first model's slices were timed
      // in it. Run the first model whole for pageWarmupMs first; the report prints what it saw.
      let warmup: PageCostResult['warmup'];
      if (models.length > 0 && options.pageWarmupMs > 0) {
        const name = models[0]!;
        const info = zooInfo(name);
        const bytes = await loadZooModel(name);
        const index = indexModel(parseModel(bytes));
        const feeds = randomFeeds(index, new Map([[info.inputName, info.inputShape]]), 1);
        const id = `cost-bench-warmup-${++ids}`;
        const copy = bytes.slice();
        await api.load(id, transfer(copy, [copy.buffer]), 'wasm');
        const walls: number[] = [];
        const t0 = performance.now();
        while (performance.now() - t0 < options.pageWarmupMs) walls.push((await api.run(id, feeds)).wallMs);
        await api.unload(id);
        warmup = { model: name, runs: walls.length, ms: performance.now() - t0, firstMs: walls[0]!, firstTenMedianMs: median(walls.slice(0, 10)), lastTenMedianMs: median(walls.slice(-10)) };
      }
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
            // Loaded as a node page loads a deployed slice (workers/runtime-service.ts SLICE_WARM_RUNS
            // runs on zeros, then at most 3 s for a free core). Loaded cold, MobileNetV2's first
            // slices were timed at 2-4x their later walls while Chromium's pool threads were still
            // busy (per-thread /proc: ThreadPoolForeground threads at 20-90% of a core).
            await api.load(id, transfer(copy, [copy.buffer]), 'wasm', { warm: true });
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
      return { threads: client.info.threads, crossOriginIsolated: globalThis.crossOriginIsolated === true, first, before, rows, ...(warmup ? { warmup } : {}) };
    } finally {
      client.terminate();
    }
  },
};
