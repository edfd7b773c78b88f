/**
 * Pareto front of (latency, gCO2 per inference) for our planner, from two families of points:
 *
 * - weight sweep: point k of K sets wC = k / (K - 1) and shares the rest between latency and energy
 *   in the base mode's proportions: wL = (1 - wC) bL / (bL + bE), wE = (1 - wC) bE / (bL + bE).
 *   Weighted sums reach only the convex hull of the front.
 * - latency budgets (epsilon-constraint): budget k of K runs from the fastest placement's latency
 *   to the lowest-carbon placement's, and each point is the lowest-gCO2 candidate within it (ties:
 *   lower latency). Candidates: the anchors, the pipelines met while blending carbon toward latency
 *   (20 steps), every whole-model node and the best two-slice split within the budget
 *   (split-candidates.ts) - so non-convex points (a split between two hull vertices, a mid node)
 *   are reached, which no weight vector can.
 *
 * One prepared decision (tables, anchors, normalisation, candidate pools) serves every point.
 */
import { decide, memoryReason, prepareDecision } from './plan-decision';
import type { EvaluatedPipeline } from './pipeline-evaluate';
import { PLANNER_MODES, type BindingConstraint, type PlanInputs, type PlanWeights } from './plan-types';
import { carbonCapGrams, planInputsProblem } from './plan-validate';
import { lowestTwoSlicePerBudget } from './split-candidates';

/** One point of a sweep. */
export interface SweepPoint {
  /** Weights of a weight-sweep point. */
  readonly weights?: PlanWeights;
  /** Latency budget of an epsilon-constraint point, ms. */
  readonly latencyBudgetMs?: number;
  readonly latencyMs: number;
  readonly energyJoules: number;
  readonly gramsCo2: number;
  /** `[start,end)@node` per slice, e.g. `[0,152)@node-green`. */
  readonly placement: string;
}

/** Outcome of {@link planSweep}. */
export type SweepResult =
  | {
    readonly ok: true;
    /** Weight-sweep points. */
    readonly points: readonly SweepPoint[];
    /** Latency-budget points. */
    readonly budgetPoints: readonly SweepPoint[];
    readonly front: readonly SweepPoint[];
  }
  | { readonly ok: false; readonly reason: string; readonly binding: BindingConstraint };

/**
 * The non-dominated points in (latency, gCO2): p is dropped when some q has latency <= and
 * gCO2 <= with one strictly smaller. Sorted by latency; duplicates kept once.
 */
export function paretoFront<T extends { readonly latencyMs: number; readonly gramsCo2: number }>(points: readonly T[]): T[] {
  const sorted = [...points].sort((a, b) => a.latencyMs - b.latencyMs || a.gramsCo2 - b.gramsCo2);
  const front: T[] = [];
  let bestGrams = Infinity;
  for (const p of sorted) {
    if (p.gramsCo2 < bestGrams) {
      front.push(p);
      bestGrams = p.gramsCo2;
    }
  }
  return front;
}

/** The `[start,end)@node` description of a pipeline. */
export function placementLabel(x: EvaluatedPipeline): string {
  return x.pipeline.slices.map((s) => `[${s.sliceRange[0]},${s.sliceRange[1]})@${s.nodeId}`).join(' ');
}

/**
 * Sweep wC over `points` values in [0, 1] (default 21) and the latency budget over `budgets` values
 * (default = points) on one pipeline; infeasible points are skipped.
 */
export function planSweep(inputs: PlanInputs, points = 21, base: PlanWeights = PLANNER_MODES.performance, budgets = points): SweepResult {
  const problem = planInputsProblem(inputs);
  if (problem) return { ok: false, reason: problem, binding: 'input' };
  const prepared = prepareDecision(inputs, inputs.nodes);
  if (!prepared) return { ok: false, reason: memoryReason(inputs, inputs.nodes), binding: 'memory' };
  const result: SweepPoint[] = [];
  const rest = base.latency + base.energy;
  let lastFailure: { reason: string; binding: BindingConstraint } | undefined;
  const quiet = { ...inputs, options: { ...inputs.options, reportGap: false } };
  for (let k = 0; k < points; k++) {
    const carbon = points === 1 ? 1 : k / (points - 1);
    const weights = rest > 0
      ? { latency: ((1 - carbon) * base.latency) / rest, energy: ((1 - carbon) * base.energy) / rest, carbon }
      : { latency: 1 - carbon, energy: 0, carbon };
    const outcome = decide(quiet, prepared, weights);
    if (!outcome.ok) {
      lastFailure = outcome;
      continue;
    }
    result.push({ weights, ...outcome.chosen.objectives, placement: placementLabel(outcome.chosen) });
  }
  if (result.length === 0 && lastFailure) return { ok: false, ...lastFailure };
  const userBudgetMs = inputs.constraints?.latencyBudgetMs ?? Infinity;
  const capGrams = carbonCapGrams(inputs);
  const { latency: fastest, carbon: cleanest } = prepared.anchors;
  const carbonOnly = prepared.coefficients({ latency: 0, energy: 0, carbon: 1 });
  const latencyOnly = prepared.coefficients({ latency: 1, energy: 0, carbon: 0 });
  const pool: EvaluatedPipeline[] = [fastest, cleanest, ...prepared.blendPath(carbonOnly, latencyOnly), ...prepared.wholeModel()];
  const budgetPoints: SweepPoint[] = [];
  const low = fastest.objectives.latencyMs;
  const high = Math.min(userBudgetMs, Math.max(low, cleanest.objectives.latencyMs));
  const lexicographic = (x: { latencyMs: number; gramsCo2: number }) => x.gramsCo2 / Math.max(cleanest.objectives.gramsCo2, 1e-30) + 1e-9 * (x.latencyMs / Math.max(low, 1e-30));
  const budgetList: number[] = [];
  for (let k = 0; k < budgets && low <= high; k++) budgetList.push(budgets === 1 ? high : low + ((high - low) * k) / (budgets - 1));
  const splits = lowestTwoSlicePerBudget(prepared.ctx, budgetList, capGrams);
  for (let k = 0; k < budgetList.length; k++) {
    const budgetMs = budgetList[k]!;
    const feasible = (x: { latencyMs: number; gramsCo2: number }) => x.latencyMs <= budgetMs * (1 + 1e-12) && x.gramsCo2 <= capGrams * (1 + 1e-12);
    let best: EvaluatedPipeline | undefined;
    for (const x of pool) if (feasible(x.objectives) && (!best || lexicographic(x.objectives) < lexicographic(best.objectives))) best = x;
    const split = splits[k];
    if (split && (!best || lexicographic(split.objectives) < lexicographic(best.objectives))) best = split;
    if (best) budgetPoints.push({ latencyBudgetMs: budgetMs, ...best.objectives, placement: placementLabel(best) });
  }
  // Whole-model nodes often sit in the front's non-convex dents; they are cheap to add directly.
  const wholePoints: SweepPoint[] = prepared.wholeModel()
    .filter((x) => x.objectives.latencyMs <= userBudgetMs * (1 + 1e-12) && x.objectives.gramsCo2 <= capGrams * (1 + 1e-12))
    .map((x) => ({ ...x.objectives, placement: placementLabel(x) }));
  return { ok: true, points: result, budgetPoints, front: paretoFront([...result, ...budgetPoints, ...wholePoints]) };
}

/** How one of our front points relates to a reference point (e.g. a paper mode). */
export type FrontVerdict =
  | { readonly verdict: 'matches'; readonly point: SweepPoint }
  | { readonly verdict: 'dominates'; readonly point: SweepPoint }
  | { readonly verdict: 'neither' };

/**
 * Compare a front with a reference point: `matches` when a front point has the same placement and
 * is no worse on both (within `relative` 1e-9); else `dominates` when a front point is strictly
 * better on one of latency and gCO2 and no worse on the other; else `neither`.
 */
export function compareWithFront(
  front: readonly SweepPoint[],
  reference: { readonly latencyMs: number; readonly gramsCo2: number; readonly placement?: string },
  relative = 1e-9,
): FrontVerdict {
  const noWorse = (p: SweepPoint) => p.latencyMs <= reference.latencyMs * (1 + relative) && p.gramsCo2 <= reference.gramsCo2 * (1 + relative);
  const same = front.find((p) => reference.placement !== undefined && p.placement === reference.placement && noWorse(p));
  if (same) return { verdict: 'matches', point: same };
  const better = front.find((p) => noWorse(p) && (p.latencyMs < reference.latencyMs * (1 - relative) || p.gramsCo2 < reference.gramsCo2 * (1 - relative)));
  if (better) return { verdict: 'dominates', point: better };
  return { verdict: 'neither' };
}
