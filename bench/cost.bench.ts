/**
 * Cost-model benchmark (issue 11, "before any execution"): the node cost micro-benchmark
 * (src/cost/measure-cost.ts) on WASM under Node with onnxruntime-web, then for each catalogue model
 * and k = 1..4 balanced-FLOPs slices, each slice's predicted compute ms (src/cost/predict.ts)
 * against its measured median. Figures only; nothing is asserted.
 *
 * Two predictions per slice, neither using any slice timing:
 * - `upfront`: from the micro-benchmark measured right before the model's slices, as a node does
 *   when it joins;
 * - `same-load`: from probe rounds interleaved with the slice runs (one probe round after each
 *   round of slice runs), so the prediction and the measurement see the same load. On a shared
 *   machine (6 sessions on 2 cores here) the load swings 2x within a minute; the gap between the two
 *   figures is that drift, the `same-load` error is the model's own.
 * Goal: median |error| <= 30% over slices and models.
 *
 * Then the same in a real headless Chromium node page (bench/cost.html, served by Vite's dev
 * server with the app's config): the node's own runtime worker measures the micro-benchmark on WASM
 * and WebGPU (software adapter, `--enable-unsafe-webgpu`), is re-measured before each model, and runs
 * each slice; the page compares the upfront prediction with the worker's median busy ms.
 *
 * Env: COST_BENCH_MODELS=mobilenetv2,resnet18 limits the models; COST_BENCH_MAX_K (default 4);
 * COST_BENCH_PART=node|browser (default both); COST_BENCH_SLOWDOWN=s slows the page's worker.
 */
import { MEASURE_DEFAULTS, ProbeSampler, type MeasuredCost } from '../src/cost/measure-cost';
import { predictSlice } from '../src/cost/predict';
import { median } from '../src/cost/robust-stats';
import { indexModel } from '../src/graph/model-index';
import { parseModel } from '../src/graph/parse-model';
import { toPlanModel } from '../src/graph/plan-model';
import { defaultSessionFactory, profileModel, randomFeeds } from '../src/graph/profile-model';
import { sliceModel } from '../src/graph/slice-model';
import { balancedFlopsCuts } from '../src/graph/stage-cuts';
import { OP_CLASSES, type BackendCost } from '../src/plan/plan-types';
import type { PageCostResult } from './cost-page';
import type { RuntimeSession } from '../src/runtime/ort-session';
import type { TensorData } from '../src/runtime/tensor';
import { loadZooModel, zooInfo, zooNames } from '../src/zoo/index';

const SLICE_WARMUP_RUNS = 3;
const SLICE_TIMED_RUNS = 9;

const pct = (x: number) => `${x >= 0 ? '+' : ''}${(100 * x).toFixed(0)}%`;
const medianAbs = (xs: number[]) => (100 * median(xs.map(Math.abs))).toFixed(1);

function describeCost(m: MeasuredCost): string {
  const c = m.cost;
  return `fixed ${c.fixedMsPerRun.toFixed(3)} ms; GFLOP/s ${OP_CLASSES.map((k) => `${k} ${(c.flopsPerSecondByOpClass[k] / 1e9).toFixed(2)}`).join(', ')}; one-figure ${(m.flopsPerSecond / 1e9).toFixed(2)}`;
}

/** Run the cost benchmark, printing one line per figure. */
export async function run(out: (line: string) => void): Promise<void> {
  const names = (process.env.COST_BENCH_MODELS?.split(',') ?? zooNames()).map((n) => n.trim()).filter(Boolean);
  const maxK = Number(process.env.COST_BENCH_MAX_K ?? 4);
  const part = process.env.COST_BENCH_PART;
  if (part !== 'browser') await runNode(out, names, maxK);
  if (part !== 'node') await runBrowser(out, names, maxK);
}

function costLine(c: BackendCost): string {
  return `fixed ${c.fixedMsPerRun.toFixed(3)} ms; GFLOP/s ${OP_CLASSES.map((k) => `${k} ${(c.flopsPerSecondByOpClass[k] / 1e9).toFixed(2)}`).join(', ')}`;
}

/** The Chromium part: a node page's worker measures and runs; see the module comment. */
async function runBrowser(out: (line: string) => void, names: readonly string[], maxK: number): Promise<void> {
  const { createServer } = await import('vite');
  const { launchBrowser, watchPageErrors } = await import('../test/helpers/browser');
  const { ROOT } = await import('../test/helpers/app-server');
  let browser: Awaited<ReturnType<typeof launchBrowser>>;
  try {
    browser = await launchBrowser({ webgpu: true });
  } catch (error) {
    out(`chromium: not run (${(error as Error).message.split('\n')[0]})`);
    return;
  }
  const server = await createServer({ root: ROOT, logLevel: 'warn', server: { port: 0, host: '127.0.0.1' } });
  try {
    await server.listen();
    const base = server.resolvedUrls?.local[0] ?? 'http://127.0.0.1/';
    const page = await (await browser.newContext()).newPage();
    const errors = watchPageErrors(page);
    await page.goto(`${base}bench/cost.html`);
    await page.waitForFunction(() => 'carbonedgeCostBench' in window, undefined, { timeout: 120_000 });
    const slowdown = process.env.COST_BENCH_SLOWDOWN ? Number(process.env.COST_BENCH_SLOWDOWN) : undefined;
    const t0 = performance.now();
    const result: PageCostResult = await page.evaluate(
      ([m, k, o]) => window.carbonedgeCostBench.run(m, k, o),
      [names, maxK, { ...(slowdown ? { slowdown } : {}), warmupRuns: SLICE_WARMUP_RUNS, timedRuns: SLICE_TIMED_RUNS }] as const,
    );
    out(`chromium node page (${result.threads} WASM thread(s), crossOriginIsolated ${result.crossOriginIsolated}${slowdown ? `, slowdown ${slowdown}` : ''}): ${((performance.now() - t0) / 1000).toFixed(0)} s`);
    for (const b of result.first.backends) {
      out(`  ${b.backend}: ${b.available ? `${costLine(b.cost!)}; one-figure ${(b.flopsPerSecond! / 1e9).toFixed(2)}; warm-up ${b.warmupRounds} rounds / ${b.warmupMs!.toFixed(0)} ms, ${b.rounds} rounds, ${b.elapsedMs!.toFixed(0)} ms` : `unavailable: ${b.error}`}`);
    }
    const errorsAll: number[] = [];
    for (const name of names) {
      const rows = result.rows.filter((r) => r.model === name);
      out(`  ${name}: upfront wasm ${costLine(result.before[name]!.backends[0]!.cost!)}`);
      const modelErrors: number[] = [];
      for (const r of rows) {
        const e = r.predictedMs / r.busyMs - 1;
        modelErrors.push(e);
        out(`  ${name.padEnd(16)} k=${r.k} slice ${r.stage} [${r.start},${r.end}) ${(r.flops / 1e6).toFixed(1).padStart(7)} MFLOP  worker busy ${r.busyMs.toFixed(2).padStart(8)} ms (wall ${r.wallMs.toFixed(2)})  predicted ${r.predictedMs.toFixed(2).padStart(8)} ms ${pct(e).padStart(5)}`);
      }
      errorsAll.push(...modelErrors);
      out(`  ${name}: median |error| ${medianAbs(modelErrors)}% (signed ${pct(median(modelErrors))}) over ${modelErrors.length} slices`);
    }
    out(`chromium: median |error| over ${errorsAll.length} slices of ${names.length} models: ${medianAbs(errorsAll)}% (goal <= 30% on WASM before any execution)`);
    if (errors.length > 0) out(`page errors: ${errors.join(' | ')}`);
  } finally {
    await browser.close();
    await server.close();
  }
}

/** The Node part: see the module comment. */
async function runNode(out: (line: string) => void, names: readonly string[], maxK: number): Promise<void> {
  const t0 = performance.now();
  const sampler = await ProbeSampler.open((bytes) => defaultSessionFactory(bytes, {}));
  const d = MEASURE_DEFAULTS;
  const upfront = async (): Promise<MeasuredCost> => {
    sampler.reset();
    while (sampler.rounds < d.rounds || (sampler.rounds < d.maxRounds && !sampler.settled(d.targetSpread))) await sampler.sampleRound();
    return sampler.result();
  };
  await sampler.warmUp(d.minWarmupRounds, d.warmupMs, d.maxWarmupMs);
  const first = await upfront();
  out(`micro-benchmark (wasm, Node, 1 thread per session as configured): ${(performance.now() - t0).toFixed(0)} ms wall incl. runtime init; warm-up ${first.warmupRounds} rounds / ${first.warmupMs.toFixed(0)} ms, ${first.rounds} timed rounds`);
  for (const p of first.probes) {
    out(`  probe ${p.kind.padEnd(11)} ${(p.flops / 1e6).toFixed(2).padStart(7)} MFLOP  median ${p.medianMs.toFixed(3).padStart(7)} ms  spread ${(100 * p.spread).toFixed(1).padStart(5)}%  kept ${p.samples} dropped ${p.discarded}`);
  }
  out(`  ${describeCost(first)}`);
  out(`slices: k = 1..${maxK} balanced-FLOPs cuts; measured = median of ${SLICE_TIMED_RUNS} runs after ${SLICE_WARMUP_RUNS} warm-ups; error = predicted / measured - 1`);
  const upfrontErrors: number[] = [], sameLoadErrors: number[] = [];
  for (const name of names) {
    const info = zooInfo(name);
    const index = indexModel(parseModel(await loadZooModel(name)));
    const profile = await profileModel(index, [{ name: info.inputName, dims: info.inputShape }]);
    const model = toPlanModel(profile);
    const before = await upfront();
    out(`  ${name}: upfront ${describeCost(before)}`);
    const modelUpfront: number[] = [], modelSameLoad: number[] = [];
    for (let k = 1; k <= maxK; k++) {
      const slices = await sliceModel(profile, balancedFlopsCuts(profile, k));
      const sessions: RuntimeSession[] = [];
      const feeds: Record<string, TensorData>[] = [];
      let carried: Record<string, TensorData> = randomFeeds(index, profile.inputShapes, 1);
      for (const slice of slices) {
        const session = await defaultSessionFactory(slice.model, {});
        sessions.push(session);
        const f = Object.fromEntries(slice.inputs.map((t) => [t, carried[t]!]));
        feeds.push(f);
        carried = await session.run(f);
        for (let i = 1; i < SLICE_WARMUP_RUNS; i++) await session.run(f);
      }
      sampler.reset();
      const times: number[][] = slices.map(() => []);
      for (let r = 0; r < SLICE_TIMED_RUNS; r++) {
        for (const [i, session] of sessions.entries()) {
          const t = performance.now();
          await session.run(feeds[i]!);
          times[i]!.push(performance.now() - t);
        }
        await sampler.sampleRound();
      }
      for (const s of sessions) await s.release();
      const sameLoad = sampler.result();
      for (const [i, slice] of slices.entries()) {
        const measuredMs = median(times[i]!);
        const pu = predictSlice(before.cost, model, [slice.start, slice.end]).computeMs;
        const ps = predictSlice(sameLoad.cost, model, [slice.start, slice.end]).computeMs;
        const eu = pu / measuredMs - 1, es = ps / measuredMs - 1;
        modelUpfront.push(eu); modelSameLoad.push(es);
        out(`  ${name.padEnd(16)} k=${k} slice ${slice.stage} [${slice.start},${slice.end}) ${(slice.flops / 1e6).toFixed(1).padStart(7)} MFLOP  measured ${measuredMs.toFixed(2).padStart(8)} ms  upfront ${pu.toFixed(2).padStart(8)} ms ${pct(eu).padStart(5)}  same-load ${ps.toFixed(2).padStart(8)} ms ${pct(es).padStart(5)}`);
      }
    }
    upfrontErrors.push(...modelUpfront); sameLoadErrors.push(...modelSameLoad);
    out(`  ${name}: median |error| upfront ${medianAbs(modelUpfront)}% (signed ${pct(median(modelUpfront))}), same-load ${medianAbs(modelSameLoad)}% (signed ${pct(median(modelSameLoad))}) over ${modelUpfront.length} slices`);
  }
  await sampler.release();
  out(`median |error| over ${upfrontErrors.length} slices of ${names.length} models: upfront ${medianAbs(upfrontErrors)}%, same-load ${medianAbs(sameLoadErrors)}% (goal <= 30% on WASM before any execution)`);
}
