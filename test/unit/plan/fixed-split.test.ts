import { describe, expect, it } from 'vitest';
import { balancedCutPositions, cutChoices, planFixedSplit } from '../../../src/plan/fixed-split';
import { planPinned } from '../../../src/plan/pinned';
import type { PlanModel } from '../../../src/plan/plan-model';
import { chainModel, chainNode } from './helpers';

const model = chainModel;
const node = chainNode;

describe('planFixedSplit', () => {
  it('cuts into k balanced stages on k distinct nodes, greenest first in green mode', () => {
    expect(balancedCutPositions([0, 1, 2, 3, 4, 5, 6], 3)).toEqual([2, 4]);
    const result = planFixedSplit({ model, nodes: [node('fast-dirty', 4e9, 700), node('slow-clean', 1e9, 40), node('mid', 2e9, 300)], mode: 'green' }, 3);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const slices = result.placement.pipelines[0]!.slices;
    expect(slices.map((s) => s.sliceRange)).toEqual([[0, 2], [2, 4], [4, 6]]);
    expect(new Set(slices.map((s) => s.nodeId)).size).toBe(3);
    expect(result.placement.prediction.gramsCo2).toBeGreaterThan(0);
  });

  it('says why it cannot split', () => {
    const r = planFixedSplit({ model, nodes: [node('a', 1e9, 100)] }, 3);
    expect(r).toMatchObject({ ok: false, binding: 'input' });
    if (!r.ok) expect(r.reason).toBe('3 stages need 3 nodes, only 1 are ready');
    const r2 = planFixedSplit({ model, nodes: [node('a', 1e9, 100)] }, 0);
    if (!r2.ok) expect(r2.reason).toMatch(/whole number >= 1, got 0/);
  });

  // Ten 1-MFLOP ops; the even cut for 2 stages (after op 5) crosses 1 MB, one op away only 10 kB,
  // two ops away 1 kB (outside a 20% slack: that stage would carry 7 of 10 MFLOPs).
  const bulgy: PlanModel = {
    name: 'bulgy',
    nodeCount: 10,
    nodeFlops: Array.from({ length: 10 }, () => 1e6),
    nodeWeightBytes: Array.from({ length: 10 }, () => 0),
    cutCrossingBytes: [1e4, 1e6, 1e6, 1e3, 1e6, 1e6, 1e4, 1e6, 1e6, 1e6, 40],
  };

  it('moves a cut within the balance slack to where fewer bytes cross, never beyond it', () => {
    const prefix = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
    expect(balancedCutPositions(prefix, 2)).toEqual([5]);
    // Nearest first; a farther position is kept only if it crosses fewer bytes.
    expect(cutChoices(prefix, bulgy.cutCrossingBytes, 2)).toEqual([[5, 6]]);
    const nodes = [node('a', 1e9, 100), node('b', 1e9, 100)];
    for (const r of [planPinned({ model: bulgy, nodes }, ['a', 'b']), planFixedSplit({ model: bulgy, nodes }, 2)]) {
      expect(r.ok).toBe(true);
      if (!r.ok) return;
      const [pipeline] = r.placement.pipelines;
      expect(pipeline!.slices.map((s) => s.sliceRange)).toEqual([[0, 6], [6, 10]]);
      expect(pipeline!.hops.map((h) => h.bytes)).toEqual([1e4, 1e4, 40]);
    }
  });

  it('keeps the even cut when the cheaper one would make a slower stage', () => {
    // 10 kB saved is 0.8 ms of wire at the default 12.5 MB/s; the stage the move lengthens goes
    // from 5 to 6 ms at 1 GFLOP/s and would be the bottleneck.
    const mild: PlanModel = { ...bulgy, cutCrossingBytes: [1e4, 2e4, 2e4, 2e4, 2e4, 2e4, 1e4, 2e4, 2e4, 2e4, 40] };
    const r = planPinned({ model: mild, nodes: [node('a', 1e9, 100), node('b', 1e9, 100)] }, ['a', 'b']);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.placement.pipelines[0]!.slices.map((s) => s.sliceRange)).toEqual([[0, 5], [5, 10]]);
    expect(r.placement.prediction.throughputPerSecond).toBeCloseTo(200, 6);
  });
});
