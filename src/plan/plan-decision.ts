/**
 * One placement decision over a node set: normalise the three objectives, pick the pipeline that
 * minimises the weighted normalised sum, and honour the latency and carbon limits.
 *
 * Normalisation: ratio to the ideal point. The anchors are the best pipelines for latency alone,
 * energy alone and carbon alone (each with a 1e-6 tie-break on the others, and never worse than the
 * best whole-model node); ideal_k = min over anchors and
 *
 *     score(x) = sum_k w_k (x_k - ideal_k) / ideal_k      (= sum_k w_k x_k / ideal_k - 1)
 *
 * (ideal_k = 0 falls back to the anchors' spread, then 1). Unlike min-max over the payoff table, the
 * scale does not stretch when outlier nodes join: a mode means the same over 3 or 10,000 nodes.
 * `nadir` (max over anchors) is still reported. The score is linear in the objectives, so its
 * minimiser is one more DP with coefficients w_k / ideal_k - exact where the DP is.
 *
 * Modes also bound their primary objective (`modeLimits`): Performance keeps latency within
 * `modeTolerance` (5%) of the fastest anchor, Green keeps gCO2 within 5% of the lowest-carbon anchor;
 * they act like the user's limits below and yield to them when both cannot hold.
 *
 * Limits: if the weighted optimum breaks the latency budget or the carbon cap, the coefficients are
 * blended toward the broken objective in 20 steps, two-slice splits are scored too
 * (split-candidates.ts), and the feasible candidate with the best score wins; if even the anchor of
 * that objective breaks it, that limit is the binding one.
 *
 * Big swarms (more than `exactMaxNodes` nodes): dominated nodes are pruned first (node-pruning.ts).
 */
import { bestTwoSlice, wholeModelCandidates } from './split-candidates';
import type { BindingConstraint, ObjectiveVector, PlanInputs, PlanNode, PlanWeights } from './plan-types';
import { evaluatePath, type EvaluatedPipeline } from './pipeline-evaluate';
import { lowerBound, pathMemoryOk, searchPipeline, type ObjectiveCoefficients } from './pipeline-search';
import { buildSearchContext, type SearchContext } from './search-context';
import { carbonCapGrams } from './plan-validate';
import { keptNodeIndices } from './node-pruning';

/** A prepared decision: tables, anchors and normalisation, ready for any weights. */
export interface PreparedDecision {
  readonly ctx: SearchContext;
  readonly exact: boolean;
  /** Nodes offered to the decision before pruning. */
  readonly offeredNodes: number;
  readonly ideal: ObjectiveVector;
  readonly nadir: ObjectiveVector;
  readonly anchors: { readonly latency: EvaluatedPipeline; readonly energy: EvaluatedPipeline; readonly carbon: EvaluatedPipeline };
  /** Optimal pipeline for raw coefficients (undefined when nothing fits in memory). */
  solve(c: ObjectiveCoefficients): EvaluatedPipeline | undefined;
  /** Coefficients that minimise the normalised weighted score. */
  coefficients(w: PlanWeights): ObjectiveCoefficients;
  /** Normalised weighted score of an objective vector (0 = ideal on every weighted objective). */
  score(w: PlanWeights, x: ObjectiveVector): number;
  /** Candidates from blending `base` toward `target` in 20 steps (memoised per pair). */
  blendPath(base: ObjectiveCoefficients, target: ObjectiveCoefficients): readonly EvaluatedPipeline[];
  /** Every whole-model-on-one-node pipeline (memoised). */
  wholeModel(): readonly EvaluatedPipeline[];
}

/** Extra limits a decision must meet (a mode's tolerance), on top of the user's constraints. */
export interface DecisionLimits {
  readonly latencyMs?: number;
  readonly gramsCo2?: number;
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

/** The nodes a decision searches: all of them up to `exactMaxNodes`, else the undominated ones. */
export function decisionContext(inputs: PlanInputs, nodes: readonly PlanNode[]): SearchContext {
  const exactMaxNodes = inputs.options?.exactMaxNodes ?? 6;
  const full = buildSearchContext(inputs, nodes);
  if (nodes.length <= exactMaxNodes) return full;
  const kept = keptNodeIndices(full, inputs.options?.pruneDepth ?? 4);
  if (kept.length === nodes.length) return full;
  return buildSearchContext(inputs, kept.map((b) => nodes[b]!));
}

/**
 * Build the tables for `nodes` and compute the anchors; undefined when no pipeline fits in memory.
 */
export function prepareDecision(inputs: PlanInputs, nodes: readonly PlanNode[]): PreparedDecision | undefined {
  const ctx = decisionContext(inputs, nodes);
  const exactMaxNodes = inputs.options?.exactMaxNodes ?? 6;
  const exact = ctx.allCuts && nodes.length <= exactMaxNodes;
  const solve = (c: ObjectiveCoefficients): EvaluatedPipeline | undefined => {
    const found = searchPipeline(ctx, c, exactMaxNodes);
    if (!found || !pathMemoryOk(ctx, found.stages)) return undefined;
    return evaluatePath(ctx, found.stages);
  };
  let whole: EvaluatedPipeline[] | undefined;
  const wholeModel = (): EvaluatedPipeline[] => (whole ??= wholeModelCandidates(ctx));
  const value = (c: ObjectiveCoefficients, x: ObjectiveVector): number => c.perMs * x.latencyMs + c.perJoule * x.energyJoules + c.perGram * x.gramsCo2;
  const bestOf = (c: ObjectiveCoefficients, found: EvaluatedPipeline | undefined): EvaluatedPipeline | undefined => {
    let best = found;
    // The relaxed search can miss a single node (cut candidates, or a repeat that breaks memory).
    if (!exact) for (const x of wholeModel()) if (!best || value(c, x.objectives) < value(c, best.objectives)) best = x;
    return best;
  };
  const first = bestOf({ perMs: 1, perJoule: 0, perGram: 0 }, solve({ perMs: 1, perJoule: 0, perGram: 0 }));
  if (!first) return undefined;
  const scale = KEYS.map((k) => (first.objectives[k] > 0 ? first.objectives[k] : 1));
  const anchorFor = (k: number): EvaluatedPipeline => {
    const f = KEYS.map((_, i) => (i === k ? 1 : 1e-6) / scale[i]!);
    const c = { perMs: f[0]!, perJoule: f[1]!, perGram: f[2]! };
    return bestOf(c, solve(c)) ?? first;
  };
  const latency = anchorFor(0);
  const energy = anchorFor(1);
  const carbon = anchorFor(2);
  const all = [latency, energy, carbon];
  const pick = (reduce: (...values: number[]) => number): ObjectiveVector => ({
    latencyMs: reduce(...all.map((x) => x.objectives.latencyMs)),
    energyJoules: reduce(...all.map((x) => x.objectives.energyJoules)),
    gramsCo2: reduce(...all.map((x) => x.objectives.gramsCo2)),
  });
  const ideal = pick(Math.min);
  const nadir = pick(Math.max);
  const range = KEYS.map((k) => {
    if (ideal[k] > 0) return ideal[k];
    const spread = nadir[k] - ideal[k];
    return spread > 0 ? spread : 1;
  });
  const blends = new Map<string, EvaluatedPipeline[]>();
  return {
    ctx,
    exact,
    offeredNodes: nodes.length,
    ideal,
    nadir,
    anchors: { latency, energy, carbon },
    solve: (c) => bestOf(c, solve(c)),
    coefficients: (w) => ({ perMs: w.latency / range[0]!, perJoule: w.energy / range[1]!, perGram: w.carbon / range[2]! }),
    score: (w, x) =>
      (w.latency * (x.latencyMs - ideal.latencyMs)) / range[0]! +
      (w.energy * (x.energyJoules - ideal.energyJoules)) / range[1]! +
      (w.carbon * (x.gramsCo2 - ideal.gramsCo2)) / range[2]!,
    blendPath(base, target) {
      const key = `${base.perMs},${base.perJoule},${base.perGram}>${target.perMs},${target.perJoule},${target.perGram}`;
      let path = blends.get(key);
      if (!path) {
        path = [];
        for (let step = 1; step <= 20; step++) {
          const t = step / 20;
          const c = {
            perMs: (1 - t) * base.perMs + t * target.perMs,
            perJoule: (1 - t) * base.perJoule + t * target.perJoule,
            perGram: (1 - t) * base.perGram + t * target.perGram,
          };
          const found = bestOf(c, solve(c));
          if (found) path.push(found);
        }
        blends.set(key, path);
      }
      return path;
    },
    wholeModel,
  };
}

/** Why nothing fits in memory, with the numbers. */
export function memoryReason(inputs: PlanInputs, nodes: readonly PlanNode[]): string {
  const weights = inputs.model.nodeWeightBytes.reduce((a, b) => a + b, 0);
  const total = nodes.reduce((a, n) => a + n.memoryBytes, 0);
  const largest = Math.max(...nodes.map((n) => n.memoryBytes));
  return `no placement fits in memory: the model holds ${MB(weights)} of weights (plus activations), the largest node offers ${MB(largest)}, all ${nodes.length} together ${MB(total)}`;
}

/**
 * The limits a mode adds (module comment): Performance bounds latency, Green bounds gCO2, each at
 * (1 + modeTolerance) x the anchor; none for Balanced or explicit weights.
 */
export function modeLimits(inputs: PlanInputs, prepared: PreparedDecision): DecisionLimits {
  if (inputs.weights) return {};
  const tolerance = 1 + (inputs.options?.modeTolerance ?? 0.05);
  if (inputs.mode === 'performance') return { latencyMs: prepared.anchors.latency.objectives.latencyMs * tolerance };
  if (inputs.mode === 'green') return { gramsCo2: prepared.anchors.carbon.objectives.gramsCo2 * tolerance };
  return {};
}

/** Choose the pipeline for weights `w` under the limits of `inputs` and `extra` (module comment). */
export function decide(inputs: PlanInputs, prepared: PreparedDecision, w: PlanWeights, extra: DecisionLimits = {}): DecisionOutcome {
  const userBudgetMs = inputs.constraints?.latencyBudgetMs ?? Infinity;
  const userCapGrams = carbonCapGrams(inputs);
  const budgetMs = Math.min(userBudgetMs, extra.latencyMs ?? Infinity);
  const capGrams = Math.min(userCapGrams, extra.gramsCo2 ?? Infinity);
  const latencyOk = (x: ObjectiveVector) => x.latencyMs <= budgetMs * (1 + 1e-12);
  const carbonOk = (x: ObjectiveVector) => x.gramsCo2 <= capGrams * (1 + 1e-12);
  const base = prepared.coefficients(w);
  const chosen = prepared.solve(base);
  if (!chosen) return { ok: false, reason: memoryReason(inputs, prepared.ctx.nodes), binding: 'memory' };
  const gap = prepared.exact || inputs.options?.reportGap === false ? undefined : relativeGap(prepared, base, chosen);
  if (latencyOk(chosen.objectives) && carbonOk(chosen.objectives)) return gap === undefined ? { ok: true, chosen } : { ok: true, chosen, gap };
  const { latency: fastest, carbon: cleanest } = prepared.anchors;
  const hasExtra = extra.latencyMs !== undefined || extra.gramsCo2 !== undefined;
  if (!latencyOk(fastest.objectives)) {
    if (hasExtra) return decide(inputs, prepared, w);
    return { ok: false, binding: 'latency', reason: `latency budget ${fmt(budgetMs)} ms cannot be met: the fastest placement needs ${fmt(fastest.objectives.latencyMs)} ms (${describe(fastest)})` };
  }
  if (!carbonOk(cleanest.objectives)) {
    if (hasExtra) return decide(inputs, prepared, w);
    return { ok: false, binding: 'carbon', reason: `carbon limit ${fmt(capGrams)} gCO2 per inference cannot be met: the lowest-carbon placement emits ${fmt(cleanest.objectives.gramsCo2)} g (${describe(cleanest)})` };
  }
  const towardLatency = !latencyOk(chosen.objectives);
  const target = prepared.coefficients(towardLatency ? { latency: 1, energy: 0, carbon: 0 } : { latency: 0, energy: 0, carbon: 1 });
  const feasible = (x: ObjectiveVector) => latencyOk(x) && carbonOk(x);
  const candidates: EvaluatedPipeline[] = [fastest, cleanest, ...prepared.blendPath(base, target), ...prepared.wholeModel()];
  // Blended weights only reach hull vertices; the constrained optimum often splits the model.
  const split = bestTwoSlice(prepared.ctx, feasible, (x) => prepared.score(w, x));
  if (split) candidates.push(split);
  let best: EvaluatedPipeline | undefined;
  for (const x of candidates) {
    if (feasible(x.objectives) && (!best || prepared.score(w, x.objectives) < prepared.score(w, best.objectives))) best = x;
  }
  if (!best) {
    if (hasExtra) return decide(inputs, prepared, w);
    return {
      ok: false,
      binding: 'latency+carbon',
      reason: `no placement meets both the ${fmt(budgetMs)} ms latency budget and ${fmt(capGrams)} gCO2 per inference: the fastest needs ${fmt(fastest.objectives.latencyMs)} ms at ${fmt(fastest.objectives.gramsCo2)} g, the lowest-carbon ${fmt(cleanest.objectives.latencyMs)} ms at ${fmt(cleanest.objectives.gramsCo2)} g`,
    };
  }
  // A mode's own tolerance is not a user constraint: only report an adjustment the user asked for.
  const userBound = towardLatency ? userBudgetMs < Infinity && chosen.objectives.latencyMs > userBudgetMs : userCapGrams < Infinity && chosen.objectives.gramsCo2 > userCapGrams;
  const bestGap = gap === undefined ? undefined : relativeGap(prepared, base, best);
  return {
    ok: true,
    chosen: best,
    ...(userBound ? { adjustedFor: towardLatency ? 'latency' as const : 'carbon' as const } : {}),
    ...(bestGap === undefined ? {} : { gap: bestGap }),
  };
}

/**
 * Gap of a heuristic choice: (weighted objective - LB) / LB with LB from {@link lowerBound} (every
 * cut position, nodes may repeat) of the unconstrained weighted optimum - an upper bound on the true
 * optimality gap (when a limit moved the choice, it also counts what the limit costs).
 */
function relativeGap(prepared: PreparedDecision, c: ObjectiveCoefficients, chosen: EvaluatedPipeline): number {
  const bound = lowerBound(prepared.ctx, c);
  const value = c.perMs * chosen.objectives.latencyMs + c.perJoule * chosen.objectives.energyJoules + c.perGram * chosen.objectives.gramsCo2;
  if (!(bound > 0) || bound === Infinity) return 0;
  return Math.max(0, (value - bound) / bound);
}
