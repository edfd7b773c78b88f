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
 *   re-benchmarked starts afresh: its factors are relative to the old benchmark). Benchmarks are
 *   compared by content ({@link benchmarkFingerprint}): a node that comes back with the benchmark it
 *   kept (after a reload of either tab) is the same node to the learning.
 * Nodes that joined since are planned from their benchmarks; nodes that left are not planned.
 * Pure apart from the objects it is given: the caller keeps the learning (the Run panel keeps the
 * last one, also across a reload of its tab through {@link storeLearning} / {@link restoreLearning};
 * the lab keeps none, so a configuration's plan never depends on the ones run before it).
 */
import { Calibration, type CalibrationSnapshot } from '../cost/calibration';
import { CostInputError } from '../cost/errors';
import type { ModelProfile } from '../graph/index';
import type { PlacementLayout, PlanResult, Prediction } from '../plan/plan-types';
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
  /** The {@link benchmarkFingerprint} of the benchmark each node it measured had then. */
  readonly benchmarks: ReadonlyMap<string, string>;
  /** How the page names the run, e.g. "run 2". */
  readonly label: string;
  /** The placement it ran last (the next run keeps it when the best plan is hardly better: {@link keepsUp}). */
  readonly placement?: PlacementLayout;
}

/** A benchmark as the learning compares it: by content (a node's report is plain JSON). */
export function benchmarkFingerprint(benchmark: unknown): string {
  return JSON.stringify(benchmark) ?? '';
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
export function sameShape(a: PlacementLayout, b: PlacementLayout): boolean {
  return a.pipelines.length === b.pipelines.length && a.pipelines.every((p, i) => p.slices.length === b.pipelines[i]!.slices.length);
}

/** The same slices on the same nodes. */
function sameSlices(a: PlacementLayout, b: PlacementLayout): boolean {
  const key = (p: PlacementLayout) => p.pipelines.map((q) => q.slices.map((s) => `${s.nodeId}|${s.sliceRange[0]}|${s.sliceRange[1]}`).join(',')).join(';');
  return key(a) === key(b);
}

/**
 * The first plan of a run made with an earlier run's figures: `best` (the new plan), or the
 * earlier run's `previous` placement predicted again (`again`, on the same figures) when it has
 * the same shape and {@link keepsUp} with `best`; then with the new plan's weights and
 * normalisation (what the run was asked for) and a note saying so. `best` as it is when it is
 * the same placement, failed, or `previous` cannot be predicted on the nodes now.
 */
export function preferKept(best: PlanResult & { readonly note?: string }, previous: PlacementLayout, again: () => PlanResult, label: string, latencyBudgetMs?: number): PlanResult & { readonly note?: string } {
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
    if (then !== undefined && benchmarkFingerprint(node.benchmark) !== then) return { reason: `${node.name} benchmarked again since ${learning.label}` };
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

/** A {@link RunLearning} as plain JSON (what the Run panel keeps in its tab's sessionStorage). */
export interface StoredLearning {
  readonly version: 1;
  readonly key: string;
  readonly label: string;
  readonly calibration: CalibrationSnapshot;
  readonly hostCores: readonly (readonly [string, number])[];
  readonly hopScale?: number;
  readonly benchmarks: readonly (readonly [string, string])[];
  readonly placement?: PlacementLayout;
}

/** The learning as plain JSON; {@link restoreLearning} reads it back. */
export function storeLearning(l: RunLearning): StoredLearning {
  return {
    version: 1, key: l.key, label: l.label, calibration: l.calibration.snapshot(),
    hostCores: [...l.hostCores], benchmarks: [...l.benchmarks],
    ...(l.hopScale !== undefined ? { hopScale: l.hopScale } : {}),
    ...(l.placement ? { placement: { pipelines: l.placement.pipelines.map((p) => ({ share: p.share, slices: p.slices.map((s) => ({ nodeId: s.nodeId, sliceRange: [s.sliceRange[0], s.sliceRange[1]] as const, backend: s.backend })) })) } } : {}),
  };
}

/** At most this many entries in a stored learning's maps, pipelines or slices of a pipeline. */
const STORED_MAX_ENTRIES = 4096;

/**
 * The learning {@link storeLearning} wrote: it plans the next run exactly as the one stored.
 *
 * @throws CostInputError naming the first field that is missing or wrong
 */
export function restoreLearning(value: unknown): RunLearning {
  const fail = (path: string, what: string): never => {
    throw new CostInputError(`stored run learning: ${path} ${what}`);
  };
  const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
  const list = (v: unknown, path: string): unknown[] => (Array.isArray(v) && v.length <= STORED_MAX_ENTRIES ? v : fail(path, `must be an array of at most ${STORED_MAX_ENTRIES} entries`));
  const text = (v: unknown, path: string): string => (typeof v === 'string' && v.length > 0 ? v : fail(path, 'must be a non-empty text'));
  const positive = (v: unknown, path: string): number => (typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : fail(path, `must be a finite number > 0, got ${JSON.stringify(v)}`));
  const pairs = <T>(v: unknown, path: string, second: (x: unknown, at: string) => T): Map<string, T> =>
    new Map(list(v, path).map((e, i) => (Array.isArray(e) && e.length === 2 ? [text(e[0], `${path}[${i}][0]`), second(e[1], `${path}[${i}][1]`)] as const : fail(`${path}[${i}]`, 'must be a [key, value] pair'))));
  if (!isObject(value)) return fail('the value', 'must be an object');
  if (value.version !== 1) fail('version', `must be 1, got ${JSON.stringify(value.version)}`);
  let placement: PlacementLayout | undefined;
  if (value.placement !== undefined) {
    const p = isObject(value.placement) ? value.placement : fail('placement', 'must be an object');
    const pipelines = list(p.pipelines, 'placement.pipelines').map((x, i) => {
      const at = `placement.pipelines[${i}]`;
      const q = isObject(x) ? x : fail(at, 'must be an object');
      const share = positive(q.share, `${at}.share`);
      if (share > 1) fail(`${at}.share`, `must be at most 1, got ${share}`);
      const slices = list(q.slices, `${at}.slices`).map((y, k) => {
        const sat = `${at}.slices[${k}]`;
        const s = isObject(y) ? y : fail(sat, 'must be an object');
        const r: unknown = s.sliceRange;
        const range = Array.isArray(r) && r.length === 2 && r.every((n) => Number.isInteger(n) && n >= 0) && (r[0] as number) < (r[1] as number) ? ([r[0], r[1]] as [number, number]) : undefined;
        if (!range) return fail(`${sat}.sliceRange`, `must be [start, end) with whole numbers 0 <= start < end, got ${JSON.stringify(r)}`);
        return { nodeId: text(s.nodeId, `${sat}.nodeId`), sliceRange: range, backend: text(s.backend, `${sat}.backend`) };
      });
      if (slices.length === 0) fail(`${at}.slices`, 'must not be empty');
      return { share, slices };
    });
    if (pipelines.length === 0) fail('placement.pipelines', 'must not be empty');
    placement = { pipelines };
  }
  return {
    key: text(value.key, 'key'),
    label: text(value.label, 'label'),
    calibration: Calibration.restore(value.calibration, 'stored run learning: calibration'),
    hostCores: pairs(value.hostCores, 'hostCores', positive),
    benchmarks: pairs(value.benchmarks, 'benchmarks', text),
    ...(value.hopScale !== undefined ? { hopScale: positive(value.hopScale, 'hopScale') } : {}),
    ...(placement ? { placement } : {}),
  };
}
