import { describe, expect, it } from 'vitest';
import { createShareRouter } from '../../../src/plan/share-router';
import { replan } from '../../../src/plan/replan';
import { plan } from '../../../src/plan/planner';
import { syntheticMobileNetV2 } from '../../../src/plan/synthetic-model';
import { randomNodes } from './helpers';

describe('createShareRouter', () => {
  it('routes requests in proportion to the shares, within one request per pipeline', () => {
    const shares = [0.5, 0.3, 0.2];
    const router = createShareRouter(shares);
    const counts = [0, 0, 0];
    for (let k = 0; k < 1000; k++) counts[router.next()]! += 1;
    shares.forEach((s, k) => expect(Math.abs(counts[k]! - s * 1000)).toBeLessThanOrEqual(1));
  });

  it('rejects shares that are all zero or negative', () => {
    expect(() => createShareRouter([0, 0])).toThrow(/all be zero/);
    expect(() => createShareRouter([1, -1])).toThrow(/share 1/);
  });
});

describe('replan', () => {
  const inputs = { model: syntheticMobileNetV2(), nodes: randomNodes(4, 5), mode: 'green' as const };

  it('places no slice on a node that left', () => {
    const before = plan(inputs);
    if (!before.ok) throw new Error(before.reason);
    const used = before.placement.pipelines[0]!.slices[0]!.nodeId;
    const { inputs: next, result } = replan(inputs, [{ kind: 'node-left', nodeId: used }]);
    expect(next.nodes.map((n) => n.id)).not.toContain(used);
    expect(result.ok).toBe(true);
    if (result.ok) expect(result.placement.pipelines.flatMap((p) => p.slices.map((s) => s.nodeId))).not.toContain(used);
  });

  it('moves work to a node whose grid became the cleanest', () => {
    const target = inputs.nodes[0]!.id;
    const { result } = replan(inputs, [
      { kind: 'node-intensity', nodeId: target, gramsCo2PerKwh: 1, intensitySource: 'live:test' },
      { kind: 'node-speed', nodeId: target, flopsPerSecondByBackend: { wasm: 2e10 } },
    ]);
    expect(result.ok).toBe(true);
    if (result.ok) expect(result.placement.pipelines[0]!.slices.map((s) => s.nodeId)).toContain(target);
  });

  it('gives a clear reason when the last node leaves', () => {
    const { result } = replan(inputs, inputs.nodes.map((n) => ({ kind: 'node-left' as const, nodeId: n.id })));
    expect(result).toMatchObject({ ok: false, reason: 'no nodes to plan on' });
  });
});

describe('replan with measured costs', () => {
  it('moves a slice off a node whose calibrated correction says it runs 20x slower than predicted', async () => {
    const { replan } = await import('../../../src/plan/replan');
    const { sliceKey } = await import('../../../src/plan/search-context');
    const { chainModel, chainNode } = await import('./helpers');
    const inputs = { model: chainModel, nodes: [chainNode('fast', 4e9, 300), chainNode('slow', 1e9, 300)], mode: 'performance' as const };
    const first = replan(inputs, []);
    expect(first.result.ok && first.result.placement.pipelines[0]!.slices.map((s) => s.nodeId)).toEqual(['fast']);
    const corrected = replan(inputs, [{ kind: 'slice-corrections', sliceCorrections: new Map([[sliceKey('fast', 'wasm', 0, 6), 20]]) }]);
    expect(corrected.result.ok).toBe(true);
    if (corrected.result.ok) expect(corrected.result.placement.pipelines[0]!.slices.map((s) => s.nodeId)).not.toEqual(['fast']);
  });
});
