import { describe, expect, it } from 'vitest';
import { plan } from '../../../src/plan/planner';
import { planFixedSplit } from '../../../src/plan/fixed-split';
import type { PlanModel } from '../../../src/plan/plan-model';
import type { PlanInputs, PlanNode } from '../../../src/plan/plan-types';
import { explainPlan, planScore } from '../../../src/ui/plan-why';

/** 6 GFLOP in six graph nodes; 400 KB activations, 40-byte output. */
const model: PlanModel = {
  name: 'chain6g',
  nodeCount: 6,
  nodeFlops: [1e9, 1e9, 1e9, 1e9, 1e9, 1e9],
  nodeWeightBytes: [1e6, 1e6, 1e6, 1e6, 1e6, 1e6],
  cutCrossingBytes: [4e5, 4e5, 4e5, 4e5, 4e5, 4e5, 40],
};
const node = (id: string, flops: number, grams: number, memoryBytes = 1e9): PlanNode => ({
  id, flopsPerSecondByBackend: { wasm: flops }, memoryBytes, power: { idleWatts: 2, maxWatts: 10 }, gramsCo2PerKwh: grams, intensitySource: 'bundled-ember WORLD',
});
const names = { a: 'Laptop-A', b: 'Phone-B', c: 'Phone-C' };

function placed(inputs: PlanInputs, stages = 0) {
  const r = stages ? planFixedSplit(inputs, stages) : plan(inputs);
  if (!r.ok) throw new Error(r.reason);
  return r.placement;
}

describe('why this plan', () => {
  it('says why it did not split, with the best 2-way split predicted, and that equal grids make modes alike', () => {
    const inputs: PlanInputs = { model, nodes: [node('a', 6e9, 480), node('b', 2e9, 480)], mode: 'balanced' };
    const chosen = placed(inputs);
    expect(chosen.pipelines[0]!.slices).toHaveLength(1);
    const why = explainPlan(inputs, chosen, names);
    expect(why.lines[0]).toMatch(/^Weights: latency 0\.\d\d, energy 0\.\d\d, carbon 0\.\d\d\. Chosen: the whole model on Laptop-A: /);
    expect(why.lines[1]).toMatch(/^It did not split: the best 2-way split \((Laptop-A > Phone-B|Phone-B > Laptop-A)\) is predicted at .* more/);
    expect(why.lines.some((l) => l.startsWith('Every node reports the same grid intensity (480 gCO2/kWh)'))).toBe(true);
    const keys = why.alternatives.map((a) => a.key);
    expect(keys).toEqual(['chosen', 'best-single', 'best-split-2']);
    // The chosen plan is never beaten by an alternative under its own score.
    for (const a of why.alternatives) if (a.score !== null) expect(a.score).toBeGreaterThanOrEqual(why.alternatives[0]!.score! - 1e-12);
    expect(why.alternatives[1]!.label).toBe('whole model on Laptop-A');
    expect(why.alternatives[0]!.score).toBeCloseTo(planScore(chosen, chosen.weights, { latencyMs: chosen.prediction.latencyMs, energyJoules: chosen.prediction.energyJoules, gramsCo2: chosen.prediction.gramsCo2 }), 12);
  });

  it('says what a split saves against the best single node, and which node memory rules out', () => {
    // Only 2 MB of memory on b: the 6 MB of weights do not fit there whole.
    const inputs: PlanInputs = { model, nodes: [node('a', 2e9, 700), node('b', 2e9, 50, 5e6)], mode: 'green' };
    const chosen = placed(inputs, 2);
    const why = explainPlan(inputs, chosen, names);
    expect(why.lines[1]).toMatch(/^It split: the best whole model on one node \(Laptop-A\) is predicted at /);
    expect(why.lines.some((l) => l.startsWith('Memory rules out the whole model on Phone-B:'))).toBe(true);
    expect(why.lines.some((l) => l.includes('Every node reports the same grid intensity'))).toBe(false);
  });

  it('says when the user forced the split and what the planner would pick instead', () => {
    const inputs: PlanInputs = { model, nodes: [node('a', 6e9, 480), node('b', 2e9, 480)], mode: 'balanced' };
    const why = explainPlan(inputs, placed(inputs, 2), names, { stages: 2 });
    expect(why.lines[1]).toMatch(/^You asked for 2 slices on as many nodes, so the planner only chose which node runs which slice \(balanced cuts\)\. Left to decide, it would pick the whole model on Laptop-A: .* less/);
  });

  it('refuses a plan on nodes it was not given', () => {
    const inputs: PlanInputs = { model, nodes: [node('a', 6e9, 480), node('b', 2e9, 480)], mode: 'balanced' };
    const chosen = placed(inputs);
    expect(() => explainPlan({ ...inputs, nodes: [node('b', 2e9, 480)] }, chosen, names)).toThrow('the plan uses node a, which is not among the 1 planned nodes');
  });
});
