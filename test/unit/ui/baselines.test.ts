import { describe, expect, it } from 'vitest';
import { BaselineError, computeBaselines, savings, type BaselineNode } from '../../../src/ui/baselines';
import { planPinned } from '../../../src/plan/pinned';
import type { PlanModel } from '../../../src/plan/plan-model';
import type { PlanNode } from '../../../src/plan/plan-types';

/** 6 GFLOP in six graph nodes; 400-byte activations, 40-byte output. */
const model: PlanModel = {
  name: 'chain6g',
  nodeCount: 6,
  nodeFlops: [1e9, 1e9, 1e9, 1e9, 1e9, 1e9],
  nodeWeightBytes: [0, 0, 0, 0, 0, 0],
  cutCrossingBytes: [400, 400, 400, 400, 400, 400, 40],
};
const planNode = (id: string, flops: number, grams: number, source = 'bundled-ember WORLD'): PlanNode => ({
  id, flopsPerSecondByBackend: { wasm: flops }, memoryBytes: 1e9, power: { idleWatts: 2, maxWatts: 10 }, gramsCo2PerKwh: grams, intensitySource: source,
});
const fast: BaselineNode = { node: planNode('id-fast', 6e9, 600), name: 'Fast', powerLabel: 'estimated' };
const green: BaselineNode = { node: planNode('id-green', 2e9, 50, 'configured'), name: 'Green', powerLabel: 'configured' };
const own: BaselineNode = { node: planNode('id-own', 3e9, 300), name: 'Teacher laptop', powerLabel: 'estimated' };
// Unmeasured coordinator links: 2 ms + bytes / 12.5 MB/s each way (src/plan LAN defaults).
const hopsMs = 2 + (400 / 12.5e6) * 1000 + 2 + (40 / 12.5e6) * 1000;

describe('baselines', () => {
  it('puts the whole model on the fastest node, the coordinator and the paper Green policy, with provenance', () => {
    const { figures, gaps } = computeBaselines({ model, nodes: [fast, green], coordinator: own });
    expect(gaps).toEqual([]);
    const by = Object.fromEntries(figures.map((f) => [f.key, f]));
    // fastest: 6e9 / 6e9 = 1 s at 10 W = 10 J; 10 J / 3.6e6 x 600 g/kWh
    expect(by['fastest-node']!.label).toBe('whole model on the fastest node (Fast)');
    expect(by['fastest-node']!.latencyMsPerInference).toBeCloseTo(1000 + hopsMs, 9);
    expect(by['fastest-node']!.energyJoulesPerInference).toBeCloseTo(10, 12);
    expect(by['fastest-node']!.gramsCo2PerInference).toBeCloseTo((10 / 3.6e6) * 600, 15);
    expect(by['fastest-node']!.provenance).toBe('predicted (planner model); power estimated; intensity bundled-ember WORLD');
    // the coordinator keeps inputs local: compute only, 2 s at 10 W
    expect(by.coordinator!.latencyMsPerInference).toBeCloseTo(2000, 6);
    expect(by.coordinator!.gramsCo2PerInference).toBeCloseTo((20 / 3.6e6) * 300, 15);
    expect(by.coordinator!.label).toBe("whole model on the coordinator's machine (Teacher laptop)");
    // Green mode: S_C 0.71 (Green) vs 0.38 (Fast) outweighs S_P 0.25 vs 0.5 -> every task on Green
    expect(by['paper-green']!.label).toBe("the paper's Green policy (Green 100%)");
    expect(by['paper-green']!.gramsCo2PerInference).toBeCloseTo((30 / 3.6e6) * 50, 15);
    expect(by['paper-green']!.provenance).toBe('predicted (planner model); power configured; intensity configured');
  });

  it("adds this run's plan as predicted, and says which baselines it cannot compute", () => {
    const pinned = planPinned({ model, nodes: [fast.node, green.node] }, ['id-fast', 'id-green']);
    if (!pinned.ok) throw new Error(pinned.reason);
    const { figures, gaps } = computeBaselines({ model, nodes: [fast, green], placement: pinned.placement });
    expect(figures.find((f) => f.key === 'plan-predicted')!.gramsCo2PerInference).toBe(pinned.placement.prediction.gramsCo2);
    expect(gaps).toEqual([{ key: 'coordinator', reason: "the coordinator's machine has no benchmark or carbon profile" }]);
    expect(computeBaselines({ model, nodes: [] }).gaps.map((g) => g.key)).toEqual(['fastest-node', 'paper-green', 'coordinator']);
  });

  it('refuses unusable nodes and counts with a clear error', () => {
    const dead: BaselineNode = { ...fast, node: { ...fast.node, flopsPerSecondByBackend: { wasm: 0 } } };
    expect(() => computeBaselines({ model, nodes: [dead] })).toThrow(BaselineError);
    expect(() => computeBaselines({ model, nodes: [dead] })).toThrow('whole model on Fast: node "id-fast" has zero speed on every backend');
    expect(() => computeBaselines({ model, nodes: [fast], inferences: 0 })).toThrow('inferences must be a whole number >= 1, got 0');
  });

  it('says what a run saved against each baseline, per inference and in total', () => {
    const { figures } = computeBaselines({ model, nodes: [fast, green] });
    const run = { gramsCo2PerInference: 5e-4, energyJoulesPerInference: 8, completed: 30 };
    const [vsFast, vsPaper] = savings(run, figures);
    const fastGrams = (10 / 3.6e6) * 600;
    expect(vsFast!.gramsCo2SavedPerInference).toBeCloseTo(fastGrams - 5e-4, 15);
    expect(vsFast!.gramsCo2Saved).toBeCloseTo(30 * (fastGrams - 5e-4), 13);
    expect(vsFast!.carbonReduction).toBeCloseTo(1 - 5e-4 / fastGrams, 12);
    expect(vsFast!.energyJoulesSavedPerInference).toBeCloseTo(2, 9);
    // the paper's choice (4.2e-4 g) emitted less than this run: a negative saving, not hidden
    expect(vsPaper!.gramsCo2SavedPerInference).toBeCloseTo((30 / 3.6e6) * 50 - 5e-4, 15);
    expect(vsPaper!.gramsCo2SavedPerInference).toBeLessThan(0);
  });
});
