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
 * Env: COST_BENCH_MODELS=mobilenetv2,resnet18 limits the models; COST_BENCH_MAX_K (default 4).
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
import { OP_CLASSES } from '../src/plan/plan-types';
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
