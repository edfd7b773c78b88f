/**
 * Weight sweep and Pareto front of (latency, gCO2 per inference) for our planner. Point k of K sets
 * wC = k / (K - 1) and shares the rest between latency and energy in the base mode's proportions:
 * wL = (1 - wC) bL / (bL + bE), wE = (1 - wC) bE / (bL + bE). One prepared decision (tables,
 * anchors, normalisation) serves every point, so a sweep costs one DP per point.
 */
import { decide, memoryReason, prepareDecision } from './plan-decision';
import { PLANNER_MODES, type BindingConstraint, type PlanInputs, type PlanWeights } from './plan-types';
import { evaluatePath } from './pipeline-evaluate';
import { carbonCapGrams, planInputsProblem } from './plan-validate';
import { sliceMemoryBytes } from './search-context';

/** One point of a sweep. */
export interface SweepPoint {
  /** Weights of the sweep point; absent for the whole-model-on-one-node candidates. */
  readonly weights?: PlanWeights;
  readonly latencyMs: number;
  readonly energyJoules: number;
  readonly gramsCo2: number;
  /** `[start,end)@node` per slice, e.g. `[0,152)@node-green`. */
  readonly placement: string;
}

/** Outcome of {@link planSweep}. */
export type SweepResult =
  | { readonly ok: true; readonly points: readonly SweepPoint[]; readonly front: readonly SweepPoint[] }
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

/** Sweep wC over `points` values in [0, 1] (default 21) on one pipeline; infeasible points are skipped. */
export function planSweep(inputs: PlanInputs, points = 21, base: PlanWeights = PLANNER_MODES.performance): SweepResult {
  const problem = planInputsProblem(inputs);
  if (problem) return { ok: false, reason: problem, binding: 'input' };
  const prepared = prepareDecision(inputs, inputs.nodes);
  if (!prepared) return { ok: false, reason: memoryReason(inputs, inputs.nodes), binding: 'memory' };
  const result: SweepPoint[] = [];
  const rest = base.latency + base.energy;
  const extra: SweepPoint[] = [];
  let lastFailure: { reason: string; binding: BindingConstraint } | undefined;
  for (let k = 0; k < points; k++) {
    const carbon = points === 1 ? 1 : k / (points - 1);
    const weights = rest > 0
      ? { latency: ((1 - carbon) * base.latency) / rest, energy: ((1 - carbon) * base.energy) / rest, carbon }
      : { latency: 1 - carbon, energy: 0, carbon };
    const outcome = decide({ ...inputs, options: { ...inputs.options, reportGap: false } }, prepared, weights);
    if (!outcome.ok) {
      lastFailure = outcome;
      continue;
    }
    const x = outcome.chosen;
    result.push({
      weights,
      ...x.objectives,
      placement: x.pipeline.slices.map((s) => `[${s.sliceRange[0]},${s.sliceRange[1]})@${s.nodeId}`).join(' '),
    });
  }
  if (result.length === 0 && lastFailure) return { ok: false, ...lastFailure };
  // Weighted sums only reach the convex hull of the front; whole-model-on-one-node placements are
  // cheap to add and often sit in its non-convex dents (e.g. a mid-speed, mid-carbon node).
  const budgetMs = inputs.constraints?.latencyBudgetMs ?? Infinity;
  const capGrams = carbonCapGrams(inputs);
  const n = inputs.model.nodeCount;
  prepared.ctx.nodes.forEach((node, b) => {
    if (sliceMemoryBytes(prepared.ctx, 0, n) > prepared.ctx.memoryBytes[b]!) return;
    const x = evaluatePath(prepared.ctx, [{ start: 0, end: n, node: b }]).objectives;
    if (x.latencyMs > budgetMs || x.gramsCo2 > capGrams) return;
    extra.push({ ...x, placement: `[0,${n})@${node.id}` });
  });
  return { ok: true, points: result, front: paretoFront([...result, ...extra]) };
}
