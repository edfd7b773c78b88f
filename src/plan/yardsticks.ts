/**
 * The yardsticks the planner's modes are judged against (issue 12), shared by the plan bench and
 * the tests: the carbon floor (the least gCO2 of the whole model on one node, no transfers) and a
 * lower bound of the fastest achievable latency over every node (no pruning).
 */
import { lowerBound } from './pipeline-search';
import type { PlanInputs } from './plan-types';
import { JOULES_PER_KWH, buildSearchContext, sliceMs } from './search-context';

/** Least gCO2 per inference of the whole model on one node, no transfers. */
export function carbonFloor(inputs: PlanInputs): number {
  const ctx = buildSearchContext(inputs, inputs.nodes);
  let floor = Infinity;
  inputs.nodes.forEach((node, b) => {
    const ms = sliceMs(ctx, b, 0, inputs.model.nodeCount);
    floor = Math.min(floor, ((ctx.runWatts[b]! * ms) / 1000 / JOULES_PER_KWH) * node.gramsCo2PerKwh);
  });
  return floor;
}

/** A lower bound of the fastest achievable latency per inference, ms. */
export function fastestBound(inputs: PlanInputs): number {
  return lowerBound(buildSearchContext(inputs, inputs.nodes), { perMs: 1, perJoule: 0, perGram: 0 });
}
