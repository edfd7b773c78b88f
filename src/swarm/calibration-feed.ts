/**
 * The run loop's side of the cost model's calibration (src/cost/calibration.ts): the prediction an
 * execution is compared with, and what the planner is given back. Pure.
 *
 * - Base prediction of a slice on a node = the node's measured cost model (per-class rates, fixed
 *   ms per run) when it has one, else the slice's FLOPs / the node's FLOP/s + its fixed overhead:
 *   the same rules the planner uses before any execution.
 * - Back to the planner: a node's costs and FLOP/s corrected by its measured/predicted factor
 *   (labelled `calibrated`), and, for slices run often enough, a per-slice correction relative to
 *   that node-level prediction (so the two never apply twice).
 */
import type { Calibration } from '../cost/calibration';
import { predictSliceMs } from '../cost/predict';
import type { PlanModel } from '../plan/plan-model';
import { sliceKey } from '../plan/search-context';
import { OP_CLASSES, type BackendCost, type PlanNode } from '../plan/plan-types';

/** The uncalibrated prediction of slice [start, end) of `model` on `node` with `backend`, ms. */
export function basePredictionMs(node: PlanNode, backend: string, model: PlanModel, range: readonly [number, number]): number {
  const cost = node.costByBackend?.[backend];
  if (cost && model.nodeOpClass) return predictSliceMs(cost, model, range);
  let flops = 0;
  for (let i = range[0]; i < range[1]; i++) flops += model.nodeFlops[i]!;
  const rates = Object.values(node.flopsPerSecondByBackend);
  const rate = node.flopsPerSecondByBackend[backend] ?? Math.max(0, ...rates);
  return rate > 0 ? (flops / rate) * 1000 + (node.sliceOverheadMs ?? 0) : NaN;
}

/**
 * `node` with its costs corrected by the calibration's node factor (unchanged before any execution).
 * A backend known only by its FLOP/s (no measured cost model: simulated and test nodes) becomes a
 * cost with every class at FLOP/s / factor and the fixed ms per slice x factor, so the factor scales
 * the whole prediction as it does a measured cost (scaling only the FLOP/s would leave the fixed
 * part, which dominates small slices, uncorrected).
 */
export function calibratedNode(node: PlanNode, calibration: Calibration): PlanNode {
  const backends = new Set([...Object.keys(node.flopsPerSecondByBackend), ...Object.keys(node.costByBackend ?? {})]);
  let changed = false;
  const rates: Record<string, number> = { ...node.flopsPerSecondByBackend };
  const costs: Record<string, BackendCost> = { ...(node.costByBackend ?? {}) };
  for (const backend of backends) {
    const f = calibration.nodeFactor(node.id, backend);
    if (f === 1) continue;
    changed = true;
    if (rates[backend] !== undefined) rates[backend] = rates[backend]! / f;
    const measured = costs[backend];
    if (measured) costs[backend] = calibration.calibratedCost(node.id, backend, measured);
  }
  if (!changed) return node;
  // Every FLOP/s-only backend as an equivalent cost (calibrated where it has a factor).
  for (const [backend, rate] of Object.entries(node.flopsPerSecondByBackend)) {
    if (costs[backend] || !(rate > 0)) continue;
    const f = calibration.nodeFactor(node.id, backend);
    costs[backend] = {
      flopsPerSecondByOpClass: Object.fromEntries(OP_CLASSES.map((c) => [c, rate / f])) as BackendCost['flopsPerSecondByOpClass'],
      fixedMsPerRun: (node.sliceOverheadMs ?? 0) * f,
      label: 'calibrated',
    };
  }
  return { ...node, flopsPerSecondByBackend: rates, costByBackend: costs };
}

/**
 * Per-slice corrections for the planner (keys: src/plan sliceKey): a slice's own measured factor
 * divided by its node's factor, for slices with enough executions, on the nodes in `present` (the
 * planner refuses keys of nodes it is not given).
 */
export function sliceCorrections(calibration: Calibration, present: ReadonlySet<string>): Map<string, number> {
  const out = new Map<string, number>();
  for (const row of calibration.rows()) {
    if (row.source !== 'slice' || !present.has(row.nodeId)) continue;
    const own = row.predictedMs / row.basePredictedMs;
    const node = calibration.nodeFactor(row.nodeId, row.backend);
    if (Number.isFinite(own) && own > 0 && node > 0) out.set(row.sliceKey, own / node);
  }
  return out;
}

/** The calibration key of a deployed slice: the planner's own key. */
export function calibrationKey(nodeId: string, backend: string, range: readonly [number, number]): string {
  return sliceKey(nodeId, backend, range[0], range[1]);
}
