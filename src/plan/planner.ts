/**
 * Our planner: place slices of a model on nodes as one or more pipelines (see README.md).
 *
 * Replication for throughput: with an expected rate r (req/s), pipeline k can carry
 * c_k = throughput_k x targetUtilisation. Pipelines are added on the nodes not yet used, each the
 * best for the same weights, until sum c_k >= r; shares fill the preferred pipeline first:
 * share_k = min(c_k, r - sum of earlier assignments) / r.
 */
import { decide, memoryReason, prepareDecision } from './plan-decision';
import type { EvaluatedPipeline } from './pipeline-evaluate';
import type { Pipeline, PlanInputs, PlanResult, Prediction } from './plan-types';
import { planInputsProblem, resolveWeights } from './plan-validate';

/**
 * Plan a placement. Never throws on bad input: it returns `{ ok: false, reason, binding }` naming the
 * input or the binding constraint (memory, latency, carbon, both, or rate).
 */
export function plan(inputs: PlanInputs): PlanResult {
  const problem = planInputsProblem(inputs);
  if (problem) return { ok: false, reason: problem, binding: 'input' };
  const weights = resolveWeights(inputs);
  const rate = inputs.requestsPerSecond ?? 0;
  const targetUtilisation = inputs.options?.targetUtilisation ?? 0.8;
  const maxPipelines = inputs.options?.maxPipelines ?? 8;
  let remaining = [...inputs.nodes];
  const chosen: EvaluatedPipeline[] = [];
  let normalisation: { ideal: EvaluatedPipeline['objectives']; nadir: EvaluatedPipeline['objectives'] } | undefined;
  let exact = true;
  let gap: number | undefined;
  let adjustedFor: 'latency' | 'carbon' | undefined;
  let capacity = 0;
  while (remaining.length > 0 && chosen.length < maxPipelines) {
    const prepared = prepareDecision(inputs, remaining);
    if (!prepared) {
      if (chosen.length === 0) return { ok: false, reason: memoryReason(inputs, remaining), binding: 'memory' };
      break;
    }
    const outcome = decide(inputs, prepared, weights);
    if (!outcome.ok) {
      if (chosen.length === 0) return outcome;
      break;
    }
    if (chosen.length === 0) {
      normalisation = { ideal: prepared.ideal, nadir: prepared.nadir };
      exact = prepared.exact;
      gap = outcome.gap;
      adjustedFor = outcome.adjustedFor;
    }
    chosen.push(outcome.chosen);
    capacity += outcome.chosen.pipeline.prediction.throughputPerSecond * targetUtilisation;
    if (capacity >= rate) break;
    const used = new Set(outcome.chosen.nodeIndices.map((i) => prepared.ctx.nodes[i]!.id));
    remaining = remaining.filter((n) => !used.has(n.id));
  }
  if (!normalisation) return { ok: false, reason: memoryReason(inputs, inputs.nodes), binding: 'memory' };
  if (capacity < rate) {
    return {
      ok: false,
      binding: 'rate',
      reason: `request rate ${rate} req/s exceeds the capacity of ${chosen.length} pipeline(s): ${capacity.toFixed(2)} req/s at ${Math.round(targetUtilisation * 100)}% utilisation`,
    };
  }
  const pipelines = assignShares(chosen, rate, targetUtilisation);
  return {
    ok: true,
    placement: {
      pipelines,
      prediction: combine(pipelines),
      weights,
      method: exact ? 'exact' : 'heuristic',
      ...(gap === undefined ? {} : { gap }),
      normalisation,
      ...(adjustedFor ? { adjustedFor } : {}),
    },
  };
}

function assignShares(chosen: readonly EvaluatedPipeline[], rate: number, targetUtilisation: number): Pipeline[] {
  if (rate <= 0 || chosen.length === 1) return chosen.map((x, k) => ({ ...x.pipeline, share: k === 0 ? 1 : 0 }));
  let left = rate;
  return chosen.map((x) => {
    const assigned = Math.min(left, x.pipeline.prediction.throughputPerSecond * targetUtilisation);
    left -= assigned;
    return { ...x.pipeline, share: assigned / rate };
  });
}

/** Share-weighted means of the pipelines' predictions; throughput is the sum of capacities. */
export function combine(pipelines: readonly Pipeline[]): Prediction {
  const mean = (key: 'latencyMs' | 'energyJoules' | 'gramsCo2' | 'transferMs' | 'transferBytes'): number =>
    pipelines.reduce((acc, p) => acc + p.share * p.prediction[key], 0);
  return {
    latencyMs: mean('latencyMs'),
    throughputPerSecond: pipelines.reduce((acc, p) => acc + p.prediction.throughputPerSecond, 0),
    energyJoules: mean('energyJoules'),
    gramsCo2: mean('gramsCo2'),
    transferMs: mean('transferMs'),
    transferBytes: mean('transferBytes'),
  };
}
