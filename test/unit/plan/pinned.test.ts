import { describe, expect, it } from 'vitest';
import { planPinned } from '../../../src/plan/pinned';
import { chainModel, chainNode } from './helpers';

const model = chainModel;
const node = chainNode;
const nodes = [node('fast-dirty', 4e9, 700), node('slow-clean', 1e9, 40), node('mid', 2e9, 300)];

describe('planPinned', () => {
  it('puts the whole model on one named node (monolithic) with the planner model prediction', () => {
    const result = planPinned({ model, nodes, mode: 'performance' }, ['slow-clean']);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const [slice] = result.placement.pipelines[0]!.slices;
    expect(result.placement.pipelines[0]!.slices).toHaveLength(1);
    expect(slice!.nodeId).toBe('slow-clean');
    expect(slice!.sliceRange).toEqual([0, 6]);
    // 6 MFLOP at 1 GFLOP/s = 6 ms; 10 W x 6 ms = 0.06 J; 0.06 / 3.6e6 x 40 g
    expect(slice!.computeMs).toBeCloseTo(6, 9);
    expect(slice!.energyJoules).toBeCloseTo(0.06, 9);
    expect(slice!.gramsCo2).toBeCloseTo((0.06 / 3.6e6) * 40, 15);
    expect(result.placement.pipelines[0]!.share).toBe(1);
  });

  it('places k balanced slices on the named nodes in the given order, whatever the weights prefer', () => {
    const result = planPinned({ model, nodes, mode: 'green' }, ['fast-dirty', 'mid', 'slow-clean']);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const slices = result.placement.pipelines[0]!.slices;
    expect(slices.map((s) => s.nodeId)).toEqual(['fast-dirty', 'mid', 'slow-clean']);
    expect(slices.map((s) => s.sliceRange)).toEqual([[0, 2], [2, 4], [4, 6]]);
    expect(result.placement.pipelines[0]!.hops).toHaveLength(4);
  });

  it('refuses unknown, repeated or too many nodes with a reason', () => {
    const unknown = planPinned({ model, nodes }, ['nope']);
    expect(unknown).toMatchObject({ ok: false, binding: 'input' });
    expect(!unknown.ok && unknown.reason).toContain('"nope"');
    const twice = planPinned({ model, nodes }, ['mid', 'mid']);
    expect(!twice.ok && twice.reason).toContain('named twice');
    expect(planPinned({ model, nodes }, []).ok).toBe(false);
    const many = Array.from({ length: 7 }, (_, i) => `n${i}`);
    expect(planPinned({ model, nodes: many.map((id) => node(id, 1e9, 100)) }, many).ok).toBe(false);
  });
});
