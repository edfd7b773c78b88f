/**
 * Predicting a slice's compute time on a node before it ever ran there (issue 11), from what the
 * node measured (a {@link BackendCost}) and what the profiler knows of the model (per-node FLOPs and
 * operator classes, src/graph/op-class.ts). The planner uses the same formula.
 */
import { OP_CLASSES, type BackendCost, type OpClass } from '../plan/plan-types';
import type { PlanModel } from '../plan/plan-model';
import { CostInputError } from './errors';

/** A predicted compute time split by where it goes. */
export interface SlicePrediction {
  /** Total, ms: fixedMs + the sum of `byClassMs`. */
  readonly computeMs: number;
  /** The backend's fixed cost of one run, ms. */
  readonly fixedMs: number;
  /** Time per operator class, ms. */
  readonly byClassMs: Readonly<Record<OpClass, number>>;
  /** FLOPs of the slice. */
  readonly flops: number;
}

function checkCost(cost: BackendCost): void {
  if (!Number.isFinite(cost.fixedMsPerRun) || cost.fixedMsPerRun < 0) throw new CostInputError(`fixedMsPerRun must be a finite number >= 0, got ${cost.fixedMsPerRun}`);
  for (const c of OP_CLASSES) {
    const r = cost.flopsPerSecondByOpClass[c];
    if (!(r! > 0) || !Number.isFinite(r)) throw new CostInputError(`rate of ${c} must be a finite FLOP/s > 0, got ${r}`);
  }
}

/**
 * Predicted compute ms of the nodes at positions [start, end) of `model` on a node with `cost`:
 *
 *     computeMs = fixedMsPerRun + sum over i in [start, end) of 1000 x nodeFlops[i] / rate(nodeOpClass[i])
 *
 * @throws CostInputError when the model has no `nodeOpClass`, the range is not inside
 *   [0, nodeCount] with start < end, or the cost has a non-positive rate
 */
export function predictSlice(cost: BackendCost, model: PlanModel, range: readonly [start: number, end: number]): SlicePrediction {
  checkCost(cost);
  const classes = model.nodeOpClass;
  if (!classes) throw new CostInputError(`model "${model.name}" has no nodeOpClass (profile it and use toPlanModel)`);
  if (classes.length !== model.nodeCount) throw new CostInputError(`model "${model.name}": nodeOpClass has length ${classes.length}, expected ${model.nodeCount}`);
  const [start, end] = range;
  if (!Number.isInteger(start) || !Number.isInteger(end) || start < 0 || end > model.nodeCount || start >= end) {
    throw new CostInputError(`slice [${start}, ${end}) is not a non-empty range inside [0, ${model.nodeCount})`);
  }
  const byClassMs = Object.fromEntries(OP_CLASSES.map((c) => [c, 0])) as Record<OpClass, number>;
  let flops = 0;
  for (let i = start; i < end; i++) {
    const c = classes[i]!;
    const f = model.nodeFlops[i]!;
    byClassMs[c] += (1000 * f) / cost.flopsPerSecondByOpClass[c];
    flops += f;
  }
  const computeMs = cost.fixedMsPerRun + OP_CLASSES.reduce((a, c) => a + byClassMs[c], 0);
  return { computeMs, fixedMs: cost.fixedMsPerRun, byClassMs, flops };
}

/** {@link predictSlice}'s total only. */
export function predictSliceMs(cost: BackendCost, model: PlanModel, range: readonly [start: number, end: number]): number {
  return predictSlice(cost, model, range).computeMs;
}

/**
 * One FLOP/s figure of a cost for a given model: its FLOPs over the predicted time of running it
 * whole, fixed cost included. Fills `PlanNode.flopsPerSecondByBackend` and one-number displays.
 */
export function equivalentFlopsPerSecond(cost: BackendCost, model: PlanModel): number {
  const p = predictSlice(cost, model, [0, model.nodeCount]);
  return p.flops / (p.computeMs / 1000);
}
