/**
 * A placement with a fixed number of slices on distinct nodes: the model is cut into k stages of
 * about equal FLOPs (prefix-FLOPs quantiles) and the stages go to the k-permutation of nodes that
 * scores best for the weights. For classroom demos and experiments that want to see a model split
 * across k devices, whatever the optimiser would prefer; predictions use the planner's own model.
 *
 * Score of an assignment = sum over objectives of weight x value / best value among assignments.
 *
 * "About equal" leaves room ({@link CUT_BALANCE_SLACK}): the even FLOPs quantile of a CNN often
 * falls inside an expanded block, where the tensor crossing the cut is several times the block's
 * output (MobileNetV2 in 3: 686 and 514.5 KB at the even cuts, 98 and 73.5 KB a few ops away).
 * Every byte costs wire time and CPU at both ends, on the cores that compute when nodes share a
 * machine, so once the nodes are assigned the cuts move within the slack to where the planner's
 * own model predicts the pipeline best: least bottleneck, then least latency ({@link refineCuts}).
 */
import { combine } from './planner';
import { evaluatePath, type EvaluatedPipeline } from './pipeline-evaluate';
import type { PathStage } from './pipeline-search';
import type { PlanInputs, PlanResult } from './plan-types';
import { planInputsProblem, resolveWeights } from './plan-validate';
import { buildSearchContext, type SearchContext } from './search-context';

/** Most assignments tried (k-permutations of n nodes); beyond it the fastest nodes are kept. */
const MAX_ASSIGNMENTS = 50_000;

/** Balanced cut positions for k stages over prefix FLOPs (strictly increasing, in 1..n-1). */
export function balancedCutPositions(prefixFlops: ArrayLike<number>, stages: number): number[] {
  const n = prefixFlops.length - 1;
  const total = prefixFlops[n]!;
  const cuts: number[] = [];
  let pos = 1;
  for (let s = 1; s < stages; s++) {
    const target = (total * s) / stages;
    while (pos < n - (stages - s) && prefixFlops[pos]! < target) pos++;
    cuts.push(pos);
    pos++;
  }
  return cuts;
}

/** How far a stage's FLOPs may be from an even share (as a fraction of it) for a cheaper cut. */
export const CUT_BALANCE_SLACK = 0.2;

/** Most cut combinations {@link refineCuts} evaluates; beyond it the even cuts stand. */
const MAX_CUT_COMBINATIONS = 4096;

/** Bottlenecks within this fraction of the least count as equal; latency decides between them. */
const BOTTLENECK_TIE = 0.02;

/**
 * The positions each of the k-1 cuts may take: those whose prefix FLOPs lie within `slack` of a
 * stage's share around the cut's even target, plus the even cut itself, thinned to the ones no
 * other beats on both distance from the target and crossing bytes (nearest first).
 */
export function cutChoices(prefixFlops: ArrayLike<number>, crossingBytes: ArrayLike<number>, stages: number, slack = CUT_BALANCE_SLACK): number[][] {
  const n = prefixFlops.length - 1;
  const share = prefixFlops[n]! / stages;
  return balancedCutPositions(prefixFlops, stages).map((even, i) => {
    const target = share * (i + 1);
    const distance = (p: number): number => Math.abs(prefixFlops[p]! - target);
    const window = [even];
    for (let p = 1; p < n; p++) if (p !== even && distance(p) <= slack * share) window.push(p);
    window.sort((a, b) => distance(a) - distance(b) || crossingBytes[a]! - crossingBytes[b]! || a - b);
    const kept: number[] = [];
    for (const p of window) if (!kept.length || crossingBytes[p]! < crossingBytes[kept[kept.length - 1]!]!) kept.push(p);
    return kept;
  });
}

/**
 * The best cuts for nodes already assigned in slice order (`order[i]` computes slice i): every
 * increasing combination of {@link cutChoices}, judged by the planner's own prediction (least
 * bottleneck, then least latency). The even cuts when there are too many combinations.
 */
export function refineCuts(ctx: SearchContext, order: readonly number[]): EvaluatedPipeline {
  const n = ctx.positionCount;
  const choices = cutChoices(ctx.prefixFlops, ctx.crossingBytes, order.length);
  const evaluate = (cuts: readonly number[]): EvaluatedPipeline => {
    const bounds = [0, ...cuts, n];
    return evaluatePath(ctx, order.map((node, i) => ({ start: bounds[i]!, end: bounds[i + 1]!, node })));
  };
  const even = choices.map((c) => c[0]!);
  const count = choices.reduce((a, c) => a * c.length, 1);
  if (count <= 1 || count > MAX_CUT_COMBINATIONS) return evaluate(even);
  const candidates: EvaluatedPipeline[] = [];
  const walk = (i: number, cuts: number[]): void => {
    if (i === choices.length) {
      candidates.push(evaluate(cuts));
      return;
    }
    for (const p of choices[i]!) if (!cuts.length || p > cuts[cuts.length - 1]!) walk(i + 1, [...cuts, p]);
  };
  walk(0, []);
  const bottleneck = (x: EvaluatedPipeline): number => 1 / x.pipeline.prediction.throughputPerSecond;
  const least = Math.min(...candidates.map(bottleneck));
  return candidates
    .filter((x) => bottleneck(x) <= least * (1 + BOTTLENECK_TIE))
    .reduce((a, b) => (b.objectives.latencyMs < a.objectives.latencyMs ? b : a));
}

function* permutations(n: number, k: number, prefix: number[] = []): Generator<number[]> {
  if (prefix.length === k) {
    yield prefix;
    return;
  }
  for (let i = 0; i < n; i++) if (!prefix.includes(i)) yield* permutations(n, k, [...prefix, i]);
}

/** Plan `stages` slices on `stages` distinct nodes. Never throws: bad requests return a reason. */
export function planFixedSplit(inputs: PlanInputs, stages: number): PlanResult {
  const problem = planInputsProblem(inputs);
  if (problem) return { ok: false, reason: problem, binding: 'input' };
  const n = inputs.model.nodeCount;
  if (!Number.isInteger(stages) || stages < 1) return { ok: false, reason: `stages must be a whole number >= 1, got ${stages}`, binding: 'input' };
  if (stages > n) return { ok: false, reason: `${stages} stages need at least ${stages} graph nodes, the model has ${n}`, binding: 'input' };
  if (stages > inputs.nodes.length) return { ok: false, reason: `${stages} stages need ${stages} nodes, only ${inputs.nodes.length} are ready`, binding: 'input' };
  const ctx = buildSearchContext(inputs, inputs.nodes);
  const cuts = balancedCutPositions(ctx.prefixFlops, stages);
  const bounds = [0, ...cuts, n];
  const weights = resolveWeights(inputs);
  const candidates: EvaluatedPipeline[] = [];
  let tried = 0;
  for (const perm of permutations(inputs.nodes.length, stages)) {
    if (++tried > MAX_ASSIGNMENTS) break;
    const path: PathStage[] = perm.map((node, i) => ({ start: bounds[i]!, end: bounds[i + 1]!, node }));
    candidates.push(evaluatePath(ctx, path));
  }
  const best = (key: 'latencyMs' | 'energyJoules' | 'gramsCo2') => Math.max(1e-30, Math.min(...candidates.map((c) => c.objectives[key])));
  const [l, e, c] = [best('latencyMs'), best('energyJoules'), best('gramsCo2')];
  const score = (x: EvaluatedPipeline) =>
    weights.latency * (x.objectives.latencyMs / l) + weights.energy * (x.objectives.energyJoules / e) + weights.carbon * (x.objectives.gramsCo2 / c);
  const chosen = refineCuts(ctx, candidates.reduce((a, b) => (score(b) < score(a) ? b : a)).nodeIndices);
  const pipelines = [{ ...chosen.pipeline, share: 1 }];
  const ideal = { latencyMs: l, energyJoules: e, gramsCo2: c };
  return {
    ok: true,
    placement: {
      pipelines,
      prediction: combine(pipelines),
      weights,
      method: tried > MAX_ASSIGNMENTS ? 'heuristic' : 'exact',
      normalisation: { ideal, nadir: ideal },
    },
  };
}
