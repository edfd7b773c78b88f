/**
 * "Why this plan" (issue 14): why the planner chose what it chose, in sentences, with what the
 * alternatives would cost as the planner predicts them - the best whole model on one node
 * (src/plan/pinned.ts on each node that has the memory, best by the same score) and the best 2-way split
 * (src/plan/fixed-split.ts). Every alternative is ranked with the planner's own normalised score:
 *
 *     score(x) = sum_k w_k (x_k - ideal_k) / (nadir_k - ideal_k)      k = latency, energy, gCO2
 *
 * using the chosen placement's `normalisation` (ideal and nadir; a range of 0 falls back to
 * |ideal_k|, as src/plan/plan-decision.ts does), so "cheaper" means cheaper for the chosen weights.
 * Pure; no DOM.
 */
import { planFixedSplit } from '../plan/fixed-split';
import { planPinned } from '../plan/pinned';
import type { ObjectiveVector, Placement, PlanInputs, PlanWeights } from '../plan/plan-types';
import { formatBytes, formatChange, formatDuration, formatGramsCo2, formatIntensity, formatJoules } from './format';

/** One alternative the planner could have chosen, with its predicted figures per inference. */
export interface PlanAlternative {
  /** `chosen`, `best-single`, `best-split-2`. */
  readonly key: string;
  readonly label: string;
  /** Null when it is not possible (then `reason` says why). */
  readonly prediction: ObjectiveVector | null;
  /** Planner score for the chosen weights (lower is better); null when not possible. */
  readonly score: number | null;
  readonly reason?: string;
}

/** The explanation: sentences plus the alternatives as figures. */
export interface PlanWhy {
  readonly lines: readonly string[];
  readonly alternatives: readonly PlanAlternative[];
}

/** The planner's normalised weighted score of `x` against the chosen placement's anchors. */
export function planScore(placement: Pick<Placement, 'normalisation'>, weights: PlanWeights, x: ObjectiveVector): number {
  const { ideal, nadir } = placement.normalisation;
  const term = (w: number, v: number, i: number, n: number) => {
    const range = n - i !== 0 ? n - i : Math.abs(i) > 0 ? Math.abs(i) : 1;
    return (w * (v - i)) / range;
  };
  return term(weights.latency, x.latencyMs, ideal.latencyMs, nadir.latencyMs)
    + term(weights.energy, x.energyJoules, ideal.energyJoules, nadir.energyJoules)
    + term(weights.carbon, x.gramsCo2, ideal.gramsCo2, nadir.gramsCo2);
}

const vector = (p: Placement): ObjectiveVector => ({ latencyMs: p.prediction.latencyMs, energyJoules: p.prediction.energyJoules, gramsCo2: p.prediction.gramsCo2 });
const figures = (x: ObjectiveVector) => `${formatDuration(x.latencyMs)}, ${formatJoules(x.energyJoules)}, ${formatGramsCo2(x.gramsCo2)} per inference`;

/**
 * Explain `chosen` (a placement for `inputs`); `names` maps node ids to display names; `asked.stages`
 * > 0 says the user forced k slices on k nodes (the planner did not choose the split). Throws
 * RangeError when the placement names a node that is not among `inputs.nodes`.
 */
export function explainPlan(inputs: PlanInputs, chosen: Placement, names: Readonly<Record<string, string>>, asked: { readonly stages?: number } = {}): PlanWhy {
  const ids = new Set(inputs.nodes.map((n) => n.id));
  for (const p of chosen.pipelines) for (const s of p.slices) if (!ids.has(s.nodeId)) throw new RangeError(`the plan uses node ${s.nodeId}, which is not among the ${inputs.nodes.length} planned nodes`);
  const name = (id: string) => names[id] ?? id;
  const w = chosen.weights;
  const own = vector(chosen);
  const ownScore = planScore(chosen, w, own);
  const alternatives: PlanAlternative[] = [{ key: 'chosen', label: 'the chosen plan', prediction: own, score: ownScore }];
  const lines: string[] = [];

  // Best whole model on a single node, by the same score.
  let single: { id: string; x: ObjectiveVector; score: number } | undefined;
  const misfits: string[] = [];
  for (const node of inputs.nodes) {
    const r = planPinned(inputs, [node.id]);
    if (!r.ok) {
      misfits.push(`${name(node.id)}: ${r.reason}`);
      continue;
    }
    // planPinned places whatever it is asked to; the planner would refuse a slice that does not fit.
    const needs = r.placement.pipelines[0]!.slices[0]!.memoryBytes;
    if (needs > node.memoryBytes) {
      misfits.push(`${name(node.id)}: the whole model needs ${formatBytes(needs)}, the node offers ${formatBytes(node.memoryBytes)}`);
      continue;
    }
    const x = vector(r.placement);
    const s = planScore(chosen, w, x);
    if (!single || s < single.score) single = { id: node.id, x, score: s };
  }
  alternatives.push(single
    ? { key: 'best-single', label: `whole model on ${name(single.id)}`, prediction: single.x, score: single.score }
    : { key: 'best-single', label: 'whole model on one node', prediction: null, score: null, reason: misfits.join('; ') || 'no node' });
  const split = inputs.nodes.length >= 2 ? planFixedSplit(inputs, 2) : undefined;
  const splitNames = split?.ok ? split.placement.pipelines[0]!.slices.map((s) => name(s.nodeId)).join(' > ') : '';
  alternatives.push(split?.ok
    ? { key: 'best-split-2', label: `2 slices on ${splitNames}`, prediction: vector(split.placement), score: planScore(chosen, w, vector(split.placement)) }
    : { key: 'best-split-2', label: 'a 2-way split', prediction: null, score: null, reason: split ? split.reason : 'needs 2 ready nodes' });

  const pipeline = chosen.pipelines[0]!;
  const slices = pipeline.slices.length;
  const where = pipeline.slices.map((s) => name(s.nodeId)).join(' > ');
  lines.push(`Weights: latency ${w.latency.toFixed(2)}, energy ${w.energy.toFixed(2)}, carbon ${w.carbon.toFixed(2)}. Chosen: ${slices === 1 ? `the whole model on ${where}` : `${slices} slices on ${where}`}${chosen.pipelines.length > 1 ? ` (and ${chosen.pipelines.length - 1} more pipeline(s) for the request rate)` : ''}: ${figures(own)}.`);

  if (asked.stages && asked.stages > 0) {
    const best = [single && { label: `the whole model on ${name(single.id)}`, x: single.x, score: single.score }, split?.ok && { label: `2 slices on ${splitNames}`, x: vector(split.placement), score: planScore(chosen, w, vector(split.placement)) }]
      .filter((a): a is { label: string; x: ObjectiveVector; score: number } => !!a)
      .sort((a, b) => a.score - b.score)[0];
    lines.push(`You asked for ${asked.stages} slice${asked.stages === 1 ? '' : 's'} on as many nodes, so the planner only chose which node runs which slice (balanced cuts).${best && best.score < ownScore
      ? ` Left to decide, it would pick ${best.label}: ${figures(best.x)} - latency ${formatChange(best.x.latencyMs, own.latencyMs)}, carbon ${formatChange(best.x.gramsCo2, own.gramsCo2)}.`
      : ' Left to decide, it would not do better for these weights.'}`);
  } else if (slices === 1) {
    if (split?.ok) {
      const x = vector(split.placement);
      const hopBytes = split.placement.pipelines[0]!.hops.slice(1, -1).reduce((a, h) => a + h.bytes, 0);
      lines.push(`It did not split: the best 2-way split (${splitNames}) is predicted at ${figures(x)} - latency ${formatChange(x.latencyMs, own.latencyMs)}, carbon ${formatChange(x.gramsCo2, own.gramsCo2)} - it adds a hop of ${formatBytes(hopBytes)} per inference and a second device's idle power.`);
    } else {
      lines.push(`It did not split: ${split ? split.reason : 'only one node is ready'}.`);
    }
  } else if (single) {
    lines.push(`It split: the best whole model on one node (${name(single.id)}) is predicted at ${figures(single.x)} - latency ${formatChange(single.x.latencyMs, own.latencyMs)}, carbon ${formatChange(single.x.gramsCo2, own.gramsCo2)} against the chosen plan.`);
  } else {
    lines.push(`It split because the whole model fits on no single node (${misfits.join('; ')}).`);
  }
  if (misfits.length && single) lines.push(`Memory rules out the whole model on ${misfits.join('; ')}.`);
  if (chosen.adjustedFor) lines.push(`A ${chosen.adjustedFor} budget binds: it moved the choice away from the best weighted score.`);
  else lines.push('No latency or carbon budget binds: the choice is the best weighted score among the candidates.');
  const intensities = new Set(inputs.nodes.map((n) => n.gramsCo2PerKwh));
  if (inputs.nodes.length > 1 && intensities.size === 1) {
    lines.push(`Every node reports the same grid intensity (${formatIntensity(inputs.nodes[0]!.gramsCo2PerKwh)}): carbon then only follows energy, so the modes differ little. Give nodes what-if zones to show a carbon-aware choice.`);
  }
  return { lines, alternatives };
}
