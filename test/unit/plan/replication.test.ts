import { describe, expect, it } from 'vitest';
import { plan, standaloneCapacityPerSecond } from '../../../src/plan/planner';
import type { PlanInputs, PlanNode } from '../../../src/plan/plan-types';
import { syntheticMobileNetV2 } from '../../../src/plan/synthetic-model';
import { randomNodes } from './helpers';

/** MobileNetV2's compute with tiny tensors on fast links: compute-bound. */
const computeBound = (() => {
  const m = syntheticMobileNetV2();
  return { ...m, name: 'compute-bound', cutCrossingBytes: m.cutCrossingBytes.map(() => 64) };
})();
const fastLinks = { bandwidthBytesPerSecond: 1e10, latencyMs: 0.05 };

function usedIds(result: ReturnType<typeof plan>): string[] {
  if (!result.ok) return [];
  return result.placement.pipelines.flatMap((p) => p.slices.map((s) => s.nodeId));
}

describe('replication that reaches the hardware', () => {
  it.each(['performance', 'balanced', 'green'] as const)('with rate max reaches >= 0.9x the summed standalone capacity of the nodes used (%s)', (mode) => {
    const nodes: PlanNode[] = randomNodes(12, 31).map((n, k) => (k < 4 ? { ...n, hostGroup: 'laptop' } : k < 6 ? { ...n, hostGroup: 'phone-tabs' } : n));
    const inputs: PlanInputs = {
      model: computeBound, nodes, mode, linkDefaults: fastLinks,
      hostGroups: [{ id: 'laptop', cores: 2 }, { id: 'phone-tabs', cores: 1 }],
      requestsPerSecond: 'max',
    };
    const r = plan(inputs);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const used = usedIds(r);
    expect(new Set(used).size).toBe(used.length);
    const capacity = standaloneCapacityPerSecond(inputs, used);
    expect(r.placement.prediction.throughputPerSecond).toBeGreaterThanOrEqual(0.9 * capacity);
    expect(r.placement.prediction.throughputPerSecond).toBeLessThanOrEqual(capacity * (1 + 1e-9));
    // Every ungrouped node and every core of a group is put to work.
    const all = standaloneCapacityPerSecond(inputs, nodes.map((n) => n.id));
    expect(r.placement.prediction.throughputPerSecond).toBeGreaterThanOrEqual(0.9 * all);
    expect(r.placement.pipelines.reduce((a, p) => a + p.share, 0)).toBeCloseTo(1, 9);
  });

  it.each(['performance', 'green'] as const)('keeps every replica efficient on a big mixed swarm with shared machines (%s)', (mode) => {
    const nodes: PlanNode[] = randomNodes(60, 23).map((n, k) => (k < 18 ? { ...n, hostGroup: `machine-${k % 6}` } : n));
    const inputs: PlanInputs = {
      model: computeBound, nodes, mode, linkDefaults: fastLinks, requestsPerSecond: 'max',
      hostGroups: Array.from({ length: 6 }, (_, k) => ({ id: `machine-${k}`, cores: 2 })),
    };
    const r = plan(inputs);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const used = usedIds(r);
    expect(r.placement.prediction.throughputPerSecond).toBeGreaterThanOrEqual(0.9 * standaloneCapacityPerSecond(inputs, used));
    // Without the efficiency rule the modes' own choices (splits within 5% of their optimum) fall short.
    const loose = plan({ ...inputs, options: { replicaEfficiency: 0 } });
    expect(loose.ok).toBe(true);
    if (loose.ok) expect(loose.placement.prediction.throughputPerSecond).toBeLessThan(0.85 * standaloneCapacityPerSecond(inputs, usedIds(loose)));
  });

  it('adds pipelines until a given rate fits, then stops', () => {
    const nodes = randomNodes(10, 4);
    const inputs: PlanInputs = { model: computeBound, nodes, mode: 'green', linkDefaults: fastLinks };
    const one = plan(inputs);
    expect(one.ok).toBe(true);
    if (!one.ok) return;
    const single = one.placement.prediction.throughputPerSecond;
    const rate = 2.5 * single;
    const r = plan({ ...inputs, requestsPerSecond: rate });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.placement.pipelines.length).toBeGreaterThan(1);
    expect(r.placement.prediction.throughputPerSecond * 0.8).toBeGreaterThanOrEqual(rate * (1 - 1e-9));
    // Without the last pipeline the rate would not fit (it stopped as soon as it could).
    const withoutLast = r.placement.pipelines.slice(0, -1).reduce((a, p) => a + p.prediction.throughputPerSecond, 0);
    expect(withoutLast * 0.8).toBeLessThan(rate);
    expect(r.placement.pipelines.reduce((a, p) => a + p.share, 0)).toBeCloseTo(1, 9);
  });

  it('does not count a replica on a saturated shared host', () => {
    const nodes: PlanNode[] = randomNodes(3, 9).map((n) => ({ ...n, hostGroup: 'one-core' }));
    const r = plan({ model: computeBound, nodes, linkDefaults: fastLinks, hostGroups: [{ id: 'one-core', cores: 1 }], requestsPerSecond: 'max' });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.placement.pipelines.length).toBe(1);
  });
});
