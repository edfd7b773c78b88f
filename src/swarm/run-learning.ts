/**
 * What a finished run measured, carried to the next run's first plan (issue 11: "predictions
 * converge on what the swarm does"). A run calibrates its own cost model from its executions
 * (src/cost/calibration.ts), its shared hosts' concurrency (src/cost/host-concurrency.ts) and its
 * hops (run-controller.ts `hopScale`), but each run used to start from the nodes' benchmarks alone:
 * on the Run panel, 3 node pages sharing the coordinator's 2-core machine were planned at 20.8
 * inferences/s before every run and measured 6-11/s in every run, the second and third included.
 *
 * A run's learning is used for the next run's first plan (and its predictions until the run has
 * executions of its own; from then on the run's own figures replace it as a whole) only when:
 * - the model is the same (same graph and input shapes: slice keys name graph steps), and the load
 *   is the same: requests in flight and the rate (a slice's wall on a shared host depends on what
 *   else runs, so factors measured at 3 in flight do not hold at 1);
 * - no node it measured is in the room with another benchmark than it had then (a node that
 *   re-benchmarked or rejoined starts afresh: its factors are relative to the old benchmark).
 * Nodes that joined since are planned from their benchmarks; nodes that left are not planned.
 * Pure apart from the objects it is given: the caller keeps the learning (the Run panel keeps the
 * last one; the lab keeps none, so a configuration's plan never depends on the ones run before it).
 */
import type { Calibration } from '../cost/calibration';
import type { ModelProfile } from '../graph/index';
import type { Placement, PlanResult, Prediction } from '../plan/plan-types';
import type { NodeRecord } from './coordinator';
import type { PlanContext } from './run-types';

/** What one run measured (run-controller.ts `learning`). */
export interface RunLearning {
  /** {@link learningKey} of the run. */
  readonly key: string;
  /** The run's calibration, no longer fed. */
  readonly calibration: Calibration;
  /** Effective cores of each shared host the run planned (key: {@link membersKey}), measured while it was saturated. */
  readonly hostCores: ReadonlyMap<string, number>;
  /** The run's hop scale, when it measured one. */
  readonly hopScale?: number;
  /** The benchmark each node it measured had then (compared by identity: a new report is a new object). */
  readonly benchmarks: ReadonlyMap<string, unknown>;
  /** How the page names the run, e.g. "run 2". */
  readonly label: string;
  /** The placement it ran last (the next run keeps it when the best plan is hardly better: {@link keepsUp}). */
  readonly placement?: Placement;
}

/**
 * How much better on some figure a new plan must be predicted than the earlier run's placement
 * (both on the learned figures) to replace it. Twice a drift re-plan's margin: the kept placement
 * is predicted from its own slices' measurements, another one from node-level factors, and a
 * slice's calibrated prediction on a shared host is 6-22% off (the swarm bench's sampling floor);
 * with 10%, a Run panel bench batch moved its cuts after run 3 and ran 6-7 inferences/s from then
 * on against 10 before (docs/decisions.md).
 */
export const KEEP_PLACEMENT_MARGIN = 0.2;

/**
 * Whether `kept` (the earlier run's placement, predicted again) does as well as `best` (the new
 * plan) within {@link KEEP_PLACEMENT_MARGIN} on latency, energy and grams alike, and meets the
 * latency budget when there is one and `best` meets it. Moving slices costs a redeployment of new
 * slices, on pages that then compile new sessions: on the Run panel bench, learned factors moved a
 * cut by one or two graph steps from run to run, for gains the predictions cannot resolve.
 */
export function keepsUp(kept: Prediction, best: Prediction, latencyBudgetMs?: number): boolean {
  const within = (a: number, b: number) => a <= b * (1 + KEEP_PLACEMENT_MARGIN) + 1e-12;
  if (latencyBudgetMs !== undefined && best.latencyMs <= latencyBudgetMs && kept.latencyMs > latencyBudgetMs) return false;
  return within(kept.latencyMs, best.latencyMs) && within(kept.energyJoules, best.energyJoules) && within(kept.gramsCo2, best.gramsCo2);
}

/** The same shape: as many pipelines, each with as many slices (a k-way split stays k-way). */
export function sameShape(a: Placement, b: Placement): boolean {
  return a.pipelines.length === b.pipelines.length && a.pipelines.every((p, i) => p.slices.length === b.pipelines[i]!.slices.length);
}

/** The same slices on the same nodes. */
function sameSlices(a: Placement, b: Placement): boolean {
  const key = (p: Placement) => p.pipelines.map((q) => q.slices.map((s) => `${s.nodeId}|${s.sliceRange[0]}|${s.sliceRange[1]}`).join(',')).join(';');
  return key(a) === key(b);
}

/**
 * The first plan of a run made with an earlier run's figures: `best` (the new plan), or the
 * earlier run's `previous` placement predicted again (`again`, on the same figures) when it has
 * the same shape and {@link keepsUp} with `best`; then with the new plan's weights and
 * normalisation (what the run was asked for) and a note saying so. `best` as it is when it is
 * the same placement, failed, or `previous` cannot be predicted on the nodes now.
 */
export function preferKept(best: PlanResult & { readonly note?: string }, previous: Placement, again: () => PlanResult, label: string, latencyBudgetMs?: number): PlanResult & { readonly note?: string } {
  if (!best.ok || !sameShape(previous, best.placement) || sameSlices(previous, best.placement)) return best;
  const kept = again();
  if (!kept.ok || !keepsUp(kept.placement.prediction, best.placement.prediction, latencyBudgetMs)) return best;
  const { weights, normalisation, method, gap, adjustedFor } = best.placement;
  const { gap: _gap, adjustedFor: _adjusted, ...rest } = kept.placement;
  return {
    ok: true,
    placement: { ...rest, weights, normalisation, method, ...(gap !== undefined ? { gap } : {}), ...(adjustedFor ? { adjustedFor } : {}) },
    note: `kept ${label}'s placement: the best plan is predicted less than ${Math.round(KEEP_PLACEMENT_MARGIN * 100)}% better`,
  };
}

/** The part of a plan's context a learning stands in for. */
export type LearnedContext = Pick<PlanContext, 'calibration' | 'hostConcurrency' | 'hopScale'> & { readonly from: string };

/** The identity of the model and load a learning holds for. */
export function learningKey(profile: Pick<ModelProfile, 'name' | 'nodes' | 'totalFlops' | 'totalWeightBytes' | 'inputShapes'>, load: { readonly window: number; readonly ratePerSecond: number }): string {
  const shapes = [...profile.inputShapes].map(([name, dims]) => `${name}:${dims.join('x')}`).sort().join(',');
  return JSON.stringify([profile.name, profile.nodes.length, profile.totalFlops, profile.totalWeightBytes, shapes, load.window, load.ratePerSecond]);
}

/** The key of a set of node ids (order-free). */
export function membersKey(nodeIds: readonly string[]): string {
  return [...nodeIds].sort().join('\u0000');
}

/**
 * The context a run with `key` may plan with from `learning`, on the nodes in the room now, or
 * the reason it may not (see the file comment).
 */
export function learnedContext(learning: RunLearning | undefined, key: string, nodes: readonly NodeRecord[]): { readonly context: LearnedContext } | { readonly reason: string } {
  if (!learning) return { reason: 'no earlier run' };
  if (learning.key !== key) return { reason: `${learning.label} ran another model or load` };
  for (const node of nodes) {
    const then = learning.benchmarks.get(node.nodeId);
    if (then !== undefined && node.benchmark !== then) return { reason: `${node.name} benchmarked again since ${learning.label}` };
  }
  const cores = learning.hostCores;
  return {
    context: {
      calibration: learning.calibration,
      hostConcurrency: (ids) => cores.get(membersKey(ids)),
      ...(learning.hopScale !== undefined ? { hopScale: learning.hopScale } : {}),
      from: learning.label,
    },
  };
}
