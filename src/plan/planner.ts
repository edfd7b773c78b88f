/**
 * Our planner: place slices of a model on nodes as one or more pipelines (see README.md).
 *
 * Replication for throughput: with an expected rate r (req/s), pipelines are added on the nodes not
 * yet used, each the best for the same weights, until sum c_k >= r. Pipeline k's usable capacity
 * x_k is its own throughput, further bounded by what earlier pipelines left of each shared host:
 *
 *     x_k = min(throughput_k, min over hosts h of pipeline k: (1000 cores_h - used_h) / load_{k,h})
 *     used_h += x_k load_{k,h}           (load = processor ms per inference, pipeline-evaluate.ts)
 *
 * and c_k = x_k x targetUtilisation. When replicating (the rate exceeds the first pipeline, or
 * `max`), a pipeline below `replicaEfficiency` (0.9) x the standalone capacity of its nodes is
 * replaced by the best whole-model pipeline on one of its nodes ({@link efficientReplica}). A pipeline that adds no capacity (its host is saturated) is
 * dropped and its nodes are not offered again. Shares fill the preferred pipeline first:
 * share_k = min(c_k, r - sum of earlier assignments) / r. With r = `max` the target is as fast as
 * possible: targetUtilisation 1, pipelines are added until no node is left (or `maxPipelines`,
 * default the node count), and shares are proportional to x_k.
 */
import { decide, memoryReason, modeLimits, prepareDecision, type PreparedDecision } from './plan-decision';
import { hostKey, type EvaluatedPipeline } from './pipeline-evaluate';
import type { Pipeline, Placement, PlacementLayout, PlanInputs, PlanNode, PlanResult, PlanWeights, Prediction } from './plan-types';
import { evaluatePath } from './pipeline-evaluate';
import { carbonCapGrams, planInputsProblem, resolveWeights } from './plan-validate';
import { buildSearchContext, sliceMs, type SearchContext } from './search-context';

/**
 * Plan a placement. Never throws on bad input: it returns `{ ok: false, reason, binding }` naming the
 * input or the binding constraint (memory, latency, carbon, both, or rate).
 */
export function plan(inputs: PlanInputs): PlanResult {
  const problem = planInputsProblem(inputs);
  if (problem) return { ok: false, reason: problem, binding: 'input' };
  const weights = resolveWeights(inputs);
  const asFastAsPossible = inputs.requestsPerSecond === 'max';
  const rate = asFastAsPossible ? Infinity : (inputs.requestsPerSecond as number | undefined) ?? 0;
  const targetUtilisation = asFastAsPossible ? 1 : inputs.options?.targetUtilisation ?? 0.8;
  const maxPipelines = inputs.options?.maxPipelines ?? (asFastAsPossible ? inputs.nodes.length : 8);
  let remaining: PlanNode[] = [...inputs.nodes];
  const chosen: Array<{ x: EvaluatedPipeline; capacity: number }> = [];
  let normalisation: { ideal: EvaluatedPipeline['objectives']; nadir: EvaluatedPipeline['objectives'] } | undefined;
  let exact = true;
  let gap: number | undefined;
  let adjustedFor: 'latency' | 'carbon' | undefined;
  let capacity = 0;
  const usedMsPerSecond = new Map<string, number>();
  const replicaEfficiency = inputs.options?.replicaEfficiency ?? 0.9;
  while (remaining.length > 0 && chosen.length < maxPipelines) {
    const prepared = prepareDecision(inputs, remaining);
    if (!prepared) {
      if (chosen.length === 0) return { ok: false, reason: memoryReason(inputs, remaining), binding: 'memory' };
      break;
    }
    // Only the first pipeline's gap is reported: replicas skip the lower bound.
    const round = chosen.length === 0 ? inputs : { ...inputs, options: { ...inputs.options, reportGap: false } };
    const outcome = decide(round, prepared, weights, modeLimits(inputs, prepared));
    if (!outcome.ok) {
      if (chosen.length === 0) return outcome;
      break;
    }
    let x = outcome.chosen;
    const replicating = asFastAsPossible || chosen.length > 0 || x.pipeline.prediction.throughputPerSecond * targetUtilisation < rate;
    if (replicating) x = efficientReplica(inputs, prepared, weights, x, replicaEfficiency);
    const used = new Set(x.nodeIndices.map((i) => prepared.ctx.nodes[i]!.id));
    remaining = remaining.filter((n) => !used.has(n.id));
    const usable = usableCapacity(x, usedMsPerSecond);
    if (chosen.length > 0 && !(usable > 1e-9 * x.pipeline.prediction.throughputPerSecond)) continue;
    for (const [host, loadMs] of x.hostLoadMs) usedMsPerSecond.set(host, (usedMsPerSecond.get(host) ?? 0) + usable * loadMs);
    if (chosen.length === 0) {
      normalisation = { ideal: prepared.ideal, nadir: prepared.nadir };
      exact = prepared.exact;
      gap = outcome.gap;
      adjustedFor = outcome.adjustedFor;
    }
    chosen.push({ x, capacity: usable });
    capacity += usable * targetUtilisation;
    if (!asFastAsPossible && capacity >= rate) break;
  }
  if (!normalisation) return { ok: false, reason: memoryReason(inputs, inputs.nodes), binding: 'memory' };
  if (!asFastAsPossible && capacity < rate) {
    return {
      ok: false,
      binding: 'rate',
      reason: `request rate ${rate} req/s exceeds the capacity of ${chosen.length} pipeline(s): ${capacity.toFixed(2)} req/s at ${Math.round(targetUtilisation * 100)}% utilisation`,
    };
  }
  const pipelines = assignShares(chosen, asFastAsPossible ? 'max' : rate, targetUtilisation);
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

/**
 * Standalone capacity of a pipeline's nodes, inferences per second: each node's 1000 / whole-model
 * ms, a host counting only its `cores` fastest nodes (the yardstick of
 * {@link standaloneCapacityPerSecond}, within one decision's tables).
 */
function pipelineStandaloneCapacity(ctx: SearchContext, x: EvaluatedPipeline): number {
  const byHost = new Map<string, { cores: number; capacities: number[] }>();
  for (const b of new Set(x.nodeIndices)) {
    const key = hostKey(ctx, b);
    const g = ctx.groupOf[b]!;
    const entry = byHost.get(key) ?? { cores: g >= 0 ? ctx.groupCores[g]! : 1, capacities: [] };
    entry.capacities.push(1000 / sliceMs(ctx, b, 0, ctx.positionCount));
    byHost.set(key, entry);
  }
  return sumTopCores(byHost.values());
}

function sumTopCores(hosts: Iterable<{ cores: number; capacities: number[] }>): number {
  let total = 0;
  for (const { cores, capacities } of hosts) {
    capacities.sort((a, b) => b - a);
    let left = cores;
    for (const c of capacities) {
      if (left <= 0) break;
      total += c * Math.min(1, left);
      left -= 1;
    }
  }
  return total;
}

/**
 * When replicating, a pipeline whose throughput is below `efficiency` x the standalone capacity of
 * its nodes (a split whose stages do not balance) is replaced by the best-scoring whole-model
 * pipeline on one of its nodes that fits and meets the user's limits; its other nodes stay free for
 * further replicas. A split that nothing replaces (no node holds the model) is kept.
 */
function efficientReplica(inputs: PlanInputs, prepared: PreparedDecision, weights: PlanWeights, x: EvaluatedPipeline, efficiency: number): EvaluatedPipeline {
  if (x.nodeIndices.length < 2) return x;
  const standalone = pipelineStandaloneCapacity(prepared.ctx, x);
  if (x.pipeline.prediction.throughputPerSecond >= efficiency * standalone) return x;
  const budgetMs = inputs.constraints?.latencyBudgetMs ?? Infinity;
  const capGrams = carbonCapGrams(inputs);
  const own = new Set(x.nodeIndices);
  let best: EvaluatedPipeline | undefined;
  for (const w of prepared.wholeModel()) {
    if (!own.has(w.nodeIndices[0]!)) continue;
    if (w.objectives.latencyMs > budgetMs * (1 + 1e-12) || w.objectives.gramsCo2 > capGrams * (1 + 1e-12)) continue;
    if (!best || prepared.score(weights, w.objectives) < prepared.score(weights, best.objectives)) best = w;
  }
  return best ?? x;
}

/** Shares and usable capacities (module comment); a pipeline's throughput becomes its usable x_k. */
function assignShares(chosen: ReadonlyArray<{ x: EvaluatedPipeline; capacity: number }>, rate: number | 'max', targetUtilisation: number): Pipeline[] {
  const withCapacity = (k: number, share: number): Pipeline => {
    const p = chosen[k]!.x.pipeline;
    return { ...p, share, prediction: { ...p.prediction, throughputPerSecond: chosen[k]!.capacity } };
  };
  if (rate === 'max') {
    const total = chosen.reduce((a, c) => a + c.capacity, 0);
    return chosen.map((c, k) => withCapacity(k, total > 0 ? c.capacity / total : k === 0 ? 1 : 0));
  }
  if (rate <= 0 || chosen.length === 1) return chosen.map((_, k) => withCapacity(k, k === 0 ? 1 : 0));
  let left = rate;
  return chosen.map((c, k) => {
    const assigned = Math.min(left, c.capacity * targetUtilisation);
    left -= assigned;
    return withCapacity(k, assigned / rate);
  });
}

/** x_k of the module comment: a pipeline's throughput, bounded by what earlier pipelines left of each host it uses. */
function usableCapacity(x: EvaluatedPipeline, usedMsPerSecond: ReadonlyMap<string, number>): number {
  let usable = x.pipeline.prediction.throughputPerSecond;
  for (const [host, loadMs] of x.hostLoadMs) {
    if (loadMs <= 0) continue;
    const left = 1000 * x.hostCores.get(host)! - (usedMsPerSecond.get(host) ?? 0);
    usable = Math.min(usable, Math.max(0, left) / loadMs);
  }
  return usable;
}

/**
 * A placement made earlier, predicted again with `inputs` (e.g. nodes and slice corrections
 * calibrated by the run that deployed it): every slice stays where it is, on its node's fastest
 * backend now; replicas are bounded by what earlier pipelines left of each shared host, as when
 * planning; the placement's shares are kept. What the lab puts next to a configuration's measured
 * figures, so that a prediction is always of the placement that ran. Never throws: a node of the
 * placement that is not among `inputs.nodes` returns a reason.
 */
export function evaluatePlacement(inputs: PlanInputs, placement: Omit<Placement, 'pipelines' | 'prediction'> & PlacementLayout): PlanResult {
  const problem = planInputsProblem(inputs);
  if (problem) return { ok: false, reason: problem, binding: 'input' };
  const ctx = buildSearchContext(inputs, inputs.nodes);
  const index = new Map(inputs.nodes.map((n, b) => [n.id, b]));
  const usedMsPerSecond = new Map<string, number>();
  const pipelines: Pipeline[] = [];
  for (const p of placement.pipelines) {
    const stages = [];
    for (const s of p.slices) {
      const node = index.get(s.nodeId);
      if (node === undefined) return { ok: false, reason: `node ${s.nodeId} of the placement is not among the nodes given`, binding: 'input' };
      stages.push({ start: s.sliceRange[0], end: s.sliceRange[1], node });
    }
    const x = evaluatePath(ctx, stages);
    const usable = usableCapacity(x, usedMsPerSecond);
    for (const [host, loadMs] of x.hostLoadMs) usedMsPerSecond.set(host, (usedMsPerSecond.get(host) ?? 0) + usable * loadMs);
    pipelines.push({ ...x.pipeline, share: p.share, prediction: { ...x.pipeline.prediction, throughputPerSecond: usable } });
  }
  return { ok: true, placement: { ...placement, pipelines, prediction: combine(pipelines) } };
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

/**
 * The summed standalone capacity of `nodeIds`, inferences per second: each node's 1000 / (whole
 * model ms on its fastest backend, memory ignored); a shared host group counts only its `cores`
 * fastest nodes (a fractional core adds that fraction of the next one). The yardstick replication
 * is measured against (issue 12: ">= 0.9x the summed standalone capacity of the nodes it uses").
 */
export function standaloneCapacityPerSecond(inputs: PlanInputs, nodeIds: readonly string[]): number {
  const wanted = new Set(nodeIds);
  const nodes = inputs.nodes.filter((n) => wanted.has(n.id));
  if (nodes.length === 0) return 0;
  const ctx = buildSearchContext(inputs, nodes);
  const byHost = new Map<string, { cores: number; capacities: number[] }>();
  nodes.forEach((_node, b) => {
    const g = ctx.groupOf[b]!;
    const key = hostKey(ctx, b);
    const entry = byHost.get(key) ?? { cores: g >= 0 ? ctx.groupCores[g]! : 1, capacities: [] };
    entry.capacities.push(1000 / sliceMs(ctx, b, 0, inputs.model.nodeCount));
    byHost.set(key, entry);
  });
  return sumTopCores(byHost.values());
}
