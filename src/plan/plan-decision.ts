/**
 * One placement decision over a node set: normalise the three objectives, pick the pipeline that
 * minimises the weighted normalised sum, and honour the latency and carbon limits.
 *
 * Normalisation (per decision, ideal/nadir from the payoff table): the anchors are the optimal
 * pipelines for latency alone, energy alone and carbon alone (each with a 1e-6 tie-break on the
 * others); ideal_k = min over anchors, nadir_k = max over anchors, and
 *
 *     score(x) = sum_k w_k (x_k - ideal_k) / (nadir_k - ideal_k)
 *
 * (range falls back to |ideal_k| when the anchors agree on k). Because score is linear in the
 * objectives, its minimiser is one more DP with coefficients w_k / range_k - exact where the DP is.
 * Limits: if the weighted optimum breaks the latency budget or the carbon cap, the coefficients are
 * blended toward the broken objective in 20 steps and the feasible candidate with the best score
 * wins; if even the anchor of that objective breaks it, that limit is the binding one.
 */
import { twoSliceCandidates, wholeModelCandidates } from './split-candidates';
import type { BindingConstraint, ObjectiveVector, PlanInputs, PlanNode, PlanWeights } from './plan-types';
import { evaluatePath, type EvaluatedPipeline } from './pipeline-evaluate';
import { lowerBound, pathMemoryOk, searchPipeline, type ObjectiveCoefficients } from './pipeline-search';
import { buildSearchContext, type SearchContext } from './search-context';
import { carbonCapGrams } from './plan-validate';

/** A prepared decision: tables, anchors and normalisation, ready for any weights. */
export interface PreparedDecision {
  readonly ctx: SearchContext;
  readonly exact: boolean;
  readonly ideal: ObjectiveVector;
  readonly nadir: ObjectiveVector;
  readonly anchors: { readonly latency: EvaluatedPipeline; readonly energy: EvaluatedPipeline; readonly carbon: EvaluatedPipeline };
  /** Optimal pipeline for raw coefficients (undefined when nothing fits in memory). */
  solve(c: ObjectiveCoefficients): EvaluatedPipeline | undefined;
  /** Coefficients that minimise the normalised weighted score. */
  coefficients(w: PlanWeights): ObjectiveCoefficients;
  /** Normalised weighted score of an objective vector (0 = ideal on every weighted objective). */
  score(w: PlanWeights, x: ObjectiveVector): number;
}

/** Outcome of {@link decide}. */
export type DecisionOutcome =
  | { readonly ok: true; readonly chosen: EvaluatedPipeline; readonly adjustedFor?: 'latency' | 'carbon'; readonly gap?: number }
  | { readonly ok: false; readonly reason: string; readonly binding: BindingConstraint };

const KEYS = ['latencyMs', 'energyJoules', 'gramsCo2'] as const;
const fmt = (v: number, digits = 4): string => (Math.abs(v) >= 100 ? v.toFixed(1) : v.toPrecision(digits));
const MB = (bytes: number): string => `${(bytes / 1e6).toFixed(1)} MB`;

function describe(x: EvaluatedPipeline): string {
  return x.pipeline.slices.map((s) => `[${s.sliceRange[0]},${s.sliceRange[1]}) on ${s.nodeId}`).join(' -> ');
}

/**
 * Build the tables for `nodes` and compute the anchors; undefined when no pipeline fits in memory.
 */
export function prepareDecision(inputs: PlanInputs, nodes: readonly PlanNode[]): PreparedDecision | undefined {
  const ctx = buildSearchContext(inputs, nodes);
  const exactMaxNodes = inputs.options?.exactMaxNodes ?? 6;
  const exact = ctx.allCuts && nodes.length <= exactMaxNodes;
  const solve = (c: ObjectiveCoefficients): EvaluatedPipeline | undefined => {
    const found = searchPipeline(ctx, c, exactMaxNodes);
    if (!found || !pathMemoryOk(ctx, found.stages)) return undefined;
    return evaluatePath(ctx, found.stages);
  };
  const first = solve({ perMs: 1, perJoule: 0, perGram: 0 });
  if (!first) return undefined;
  const scale = KEYS.map((k) => (first.objectives[k] > 0 ? first.objectives[k] : 1));
  const anchorFor = (k: number): EvaluatedPipeline | undefined => {
    const f = KEYS.map((_, i) => (i === k ? 1 : 1e-6) / scale[i]!);
    return solve({ perMs: f[0]!, perJoule: f[1]!, perGram: f[2]! });
  };
  const latency = anchorFor(0) ?? first;
  const energy = anchorFor(1) ?? first;
  const carbon = anchorFor(2) ?? first;
  const all = [latency, energy, carbon];
  const pick = (reduce: (...values: number[]) => number): ObjectiveVector => ({
    latencyMs: reduce(...all.map((x) => x.objectives.latencyMs)),
    energyJoules: reduce(...all.map((x) => x.objectives.energyJoules)),
    gramsCo2: reduce(...all.map((x) => x.objectives.gramsCo2)),
  });
  const ideal = pick(Math.min);
  const nadir = pick(Math.max);
  const range = KEYS.map((k) => {
    const spread = nadir[k] - ideal[k];
    if (spread > 1e-9 * Math.abs(ideal[k])) return spread;
    return Math.abs(ideal[k]) > 0 ? Math.abs(ideal[k]) : 1;
  });
  return {
    ctx,
    exact,
    ideal,
    nadir,
    anchors: { latency, energy, carbon },
    solve,
    coefficients: (w) => ({ perMs: w.latency / range[0]!, perJoule: w.energy / range[1]!, perGram: w.carbon / range[2]! }),
    score: (w, x) =>
      (w.latency * (x.latencyMs - ideal.latencyMs)) / range[0]! +
      (w.energy * (x.energyJoules - ideal.energyJoules)) / range[1]! +
      (w.carbon * (x.gramsCo2 - ideal.gramsCo2)) / range[2]!,
  };
}

/** Why nothing fits in memory, with the numbers. */
export function memoryReason(inputs: PlanInputs, nodes: readonly PlanNode[]): string {
  const weights = inputs.model.nodeWeightBytes.reduce((a, b) => a + b, 0);
  const total = nodes.reduce((a, n) => a + n.memoryBytes, 0);
  const largest = Math.max(...nodes.map((n) => n.memoryBytes));
  return `no placement fits in memory: the model holds ${MB(weights)} of weights (plus activations), the largest node offers ${MB(largest)}, all ${nodes.length} together ${MB(total)}`;
}

/** Choose the pipeline for weights `w` under the limits of `inputs` (see the module comment). */
export function decide(inputs: PlanInputs, prepared: PreparedDecision, w: PlanWeights): DecisionOutcome {
  const budgetMs = inputs.constraints?.latencyBudgetMs ?? Infinity;
  const capGrams = carbonCapGrams(inputs);
  const latencyOk = (x: EvaluatedPipeline) => x.objectives.latencyMs <= budgetMs * (1 + 1e-12);
  const carbonOk = (x: EvaluatedPipeline) => x.objectives.gramsCo2 <= capGrams * (1 + 1e-12);
  const base = prepared.coefficients(w);
  let chosen = prepared.solve(base);
  if (!prepared.exact) {
    // The heuristic searches cut candidates over relaxed nodes and can miss the best single node
    // (seen at 1000 nodes); never do worse than whole-task routing for the same weights.
    for (const x of wholeModelCandidates(prepared.ctx)) {
      if (!chosen || prepared.score(w, x.objectives) < prepared.score(w, chosen.objectives)) chosen = x;
    }
  }
  if (!chosen) return { ok: false, reason: memoryReason(inputs, prepared.ctx.nodes), binding: 'memory' };
  const gap = prepared.exact || inputs.options?.reportGap === false ? undefined : relativeGap(prepared, base, chosen);
  if (latencyOk(chosen) && carbonOk(chosen)) return gap === undefined ? { ok: true, chosen } : { ok: true, chosen, gap };
  const { latency: fastest, carbon: cleanest } = prepared.anchors;
  if (!latencyOk(fastest)) {
    return { ok: false, binding: 'latency', reason: `latency budget ${fmt(budgetMs)} ms cannot be met: the fastest placement needs ${fmt(fastest.objectives.latencyMs)} ms (${describe(fastest)})` };
  }
  if (!carbonOk(cleanest)) {
    return { ok: false, binding: 'carbon', reason: `carbon limit ${fmt(capGrams)} gCO2 per inference cannot be met: the lowest-carbon placement emits ${fmt(cleanest.objectives.gramsCo2)} g (${describe(cleanest)})` };
  }
  const towardLatency = !latencyOk(chosen);
  const target = prepared.coefficients(towardLatency ? { latency: 1, energy: 0, carbon: 0 } : { latency: 0, energy: 0, carbon: 1 });
  const candidates: EvaluatedPipeline[] = [fastest, cleanest];
  for (let step = 1; step <= 20; step++) {
    const t = step / 20;
    const blended = {
      perMs: (1 - t) * base.perMs + t * target.perMs,
      perJoule: (1 - t) * base.perJoule + t * target.perJoule,
      perGram: (1 - t) * base.perGram + t * target.perGram,
    };
    const x = prepared.solve(blended);
    if (x) candidates.push(x);
  }
  // Blended weights only reach hull vertices; the constrained optimum often splits the model.
  candidates.push(...twoSliceCandidates(prepared.ctx));
  let best: EvaluatedPipeline | undefined;
  for (const x of candidates) {
    if (latencyOk(x) && carbonOk(x) && (!best || prepared.score(w, x.objectives) < prepared.score(w, best.objectives))) best = x;
  }
  if (!best) {
    return {
      ok: false,
      binding: 'latency+carbon',
      reason: `no placement meets both the ${fmt(budgetMs)} ms latency budget and ${fmt(capGrams)} gCO2 per inference: the fastest needs ${fmt(fastest.objectives.latencyMs)} ms at ${fmt(fastest.objectives.gramsCo2)} g, the lowest-carbon ${fmt(cleanest.objectives.latencyMs)} ms at ${fmt(cleanest.objectives.gramsCo2)} g`,
    };
  }
  return { ok: true, chosen: best, adjustedFor: towardLatency ? 'latency' : 'carbon' };
}

/**
 * Gap of a heuristic choice: (objective - LB) / LB with LB from {@link lowerBound} (every cut
 * position, nodes may repeat, memory relaxed) - an upper bound on the true optimality gap.
 */
function relativeGap(prepared: PreparedDecision, c: ObjectiveCoefficients, chosen: EvaluatedPipeline): number {
  const bound = lowerBound(prepared.ctx, c);
  const value = c.perMs * chosen.objectives.latencyMs + c.perJoule * chosen.objectives.energyJoules + c.perGram * chosen.objectives.gramsCo2;
  if (!(bound > 0) || bound === Infinity) return 0;
  return Math.max(0, (value - bound) / bound);
}
