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
