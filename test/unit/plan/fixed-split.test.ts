import { describe, expect, it } from 'vitest';
import { balancedCutPositions, planFixedSplit } from '../../../src/plan/fixed-split';
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
});
