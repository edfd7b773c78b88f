/**
 * A placement with a fixed number of slices on distinct nodes: the model is cut into k stages of
 * about equal FLOPs (prefix-FLOPs quantiles) and the stages go to the k-permutation of nodes that
 * scores best for the weights. For classroom demos and experiments that want to see a model split
 * across k devices, whatever the optimiser would prefer; predictions use the planner's own model.
 *
 * Score of an assignment = sum over objectives of weight x value / best value among assignments.
 */
import { combine } from './planner';
import { evaluatePath, type EvaluatedPipeline } from './pipeline-evaluate';
import type { PathStage } from './pipeline-search';
import type { PlanInputs, PlanResult } from './plan-types';
import { planInputsProblem, resolveWeights } from './plan-validate';
import { buildSearchContext } from './search-context';

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
  const chosen = candidates.reduce((a, b) => (score(b) < score(a) ? b : a));
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
