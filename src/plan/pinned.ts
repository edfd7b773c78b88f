/**
 * A forced placement: the caller names the nodes, in slice order, and the model is cut into that
 * many stages of about equal FLOPs (the same cuts as {@link planFixedSplit}: within its slack of the
 * prefix-FLOPs quantiles, where the planner's model predicts the pipeline best).
 * One node = the whole model on that node: the monolithic baseline and the paper's whole-task
 * routing (CarbonEdge, arXiv 2603.27420, routes each inference to one node). Used by the lab
 * (issue 7) to run exactly the configuration a scenario asks for; predictions use the planner's
 * own model (search-context.ts, pipeline-evaluate.ts), so a pinned run can be compared with them.
 */
import { refineCuts } from './fixed-split';
import type { PlanInputs, PlanResult } from './plan-types';
import { planInputsProblem, resolveWeights } from './plan-validate';
import { buildSearchContext } from './search-context';

/**
 * Place `nodeIds.length` balanced slices on the given nodes, slice i on `nodeIds[i]`. Never throws:
 * an unknown or repeated node id, or more slices than graph nodes, returns `{ ok: false, reason }`.
 * The placement's `method` is `exact` (nothing was searched) and its normalisation is the pinned
 * pipeline's own objective vector (ideal = nadir).
 */
export function planPinned(inputs: PlanInputs, nodeIds: readonly string[]): PlanResult {
  const problem = planInputsProblem(inputs);
  if (problem) return { ok: false, reason: problem, binding: 'input' };
  const stages = nodeIds.length;
  if (stages === 0) return { ok: false, reason: 'a pinned placement needs at least one node', binding: 'input' };
  const n = inputs.model.nodeCount;
  if (stages > n) return { ok: false, reason: `${stages} pinned slices need ${stages} graph nodes, the model has ${n}`, binding: 'input' };
  const indexOf = new Map(inputs.nodes.map((node, i) => [node.id, i]));
  const seen = new Set<string>();
  const order: number[] = [];
  for (const id of nodeIds) {
    const index = indexOf.get(id);
    if (index === undefined) return { ok: false, reason: `pinned node "${id}" is not among the ${inputs.nodes.length} ready nodes`, binding: 'input' };
    if (seen.has(id)) return { ok: false, reason: `pinned node "${id}" is named twice: each slice needs its own node`, binding: 'input' };
    seen.add(id);
    order.push(index);
  }
  const ctx = buildSearchContext(inputs, inputs.nodes);
  const evaluated = refineCuts(ctx, order);
  const pipelines = [{ ...evaluated.pipeline, share: 1 }];
  return {
    ok: true,
    placement: {
      pipelines,
      prediction: evaluated.pipeline.prediction,
      weights: resolveWeights(inputs),
      method: 'exact',
      normalisation: { ideal: evaluated.objectives, nadir: evaluated.objectives },
    },
  };
}
