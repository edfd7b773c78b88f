import { describe, expect, it } from 'vitest';
import { carbonFloor, fastestBound } from '../../../src/plan/yardsticks';
import { keptNodeIndices } from '../../../src/plan/node-pruning';
import { decisionContext } from '../../../src/plan/plan-decision';
import { relaxedSearch } from '../../../src/plan/pipeline-search';
import { plan } from '../../../src/plan/planner';
import type { PlanInputs, PlanNode } from '../../../src/plan/plan-types';
import { buildSearchContext } from '../../../src/plan/search-context';
import { syntheticMobileNetV2 } from '../../../src/plan/synthetic-model';
import { seededRandom } from '../../../src/util/seeded-random';
import { randomNodes } from './helpers';

const model = syntheticMobileNetV2();



describe('modes mean the same at any swarm size', () => {
  it.each([3, 100, 1000])('Green is within 5%% of the carbon floor and Performance within 5%% of the fastest (%i nodes)', (count) => {
    const inputs: PlanInputs = { model, nodes: randomNodes(count, 40 + count) };
    const green = plan({ ...inputs, mode: 'green' });
    const performance = plan({ ...inputs, mode: 'performance' });
    expect(green.ok && performance.ok).toBe(true);
    if (!green.ok || !performance.ok) return;
    const floor = carbonFloor(inputs);
    expect(green.placement.prediction.gramsCo2).toBeLessThanOrEqual(1.05 * floor);
    const fastest = fastestBound(inputs);
    expect(performance.placement.prediction.latencyMs).toBeLessThanOrEqual(1.05 * fastest);
    expect(performance.placement.prediction.latencyMs).toBeGreaterThanOrEqual(fastest * (1 - 1e-9));
    // The modes differ: Green is no slower-than-needed on carbon, Performance pays carbon for speed.
    expect(green.placement.prediction.gramsCo2).toBeLessThanOrEqual(performance.placement.prediction.gramsCo2);
  });

  it('keeps a Balanced choice when outliers (slow, dirty, power-hungry nodes) join the swarm', () => {
    const base = randomNodes(40, 77);
    const outliers: PlanNode[] = Array.from({ length: 200 }, (_, k) => ({
      id: `outlier-${k}`,
      flopsPerSecondByBackend: { wasm: 1e7 * (1 + k) },
      memoryBytes: 4e9,
      power: { idleWatts: 20, maxWatts: 300 },
      gramsCo2PerKwh: 1500 + k,
      intensitySource: 'test',
    }));
    const a = plan({ model, nodes: base, mode: 'balanced' });
    const b = plan({ model, nodes: [...base, ...outliers], mode: 'balanced' });
    expect(a.ok && b.ok).toBe(true);
    if (!a.ok || !b.ok) return;
    const placement = (r: typeof a) => (r.ok ? r.placement.pipelines[0]!.slices.map((s) => `${s.sliceRange.join('-')}@${s.nodeId}`).join(' ') : '');
    expect(placement(b)).toBe(placement(a));
  });
});

describe('pruning dominated nodes', () => {
  it('does not change the relaxed optimum for any weights (200 nodes)', () => {
    const nodes = randomNodes(200, 5);
    const inputs: PlanInputs = { model, nodes };
    const full = buildSearchContext(inputs, nodes);
    const pruned = decisionContext(inputs, nodes);
    expect(pruned.nodes.length).toBeLessThan(nodes.length / 2);
    const random = seededRandom(3);
    for (let k = 0; k < 12; k++) {
      const c = { perMs: random(), perJoule: random() * 10, perGram: random() * 1e4 };
      const a = relaxedSearch(full, c)!.objective;
      const b = relaxedSearch(pruned, c)!.objective;
      expect(b).toBeCloseTo(a, 9);
    }
  });

  it('collapses identical nodes to at most `depth` copies and keeps nodes with measured links', () => {
    const kinds = randomNodes(3, 8);
    const nodes = Array.from({ length: 60 }, (_, k) => ({ ...kinds[k % 3]!, id: `copy-${k}` }));
    const ctx = buildSearchContext({ model, nodes }, nodes);
    const kept = keptNodeIndices(ctx, 4);
    expect(kept.length).toBeLessThanOrEqual(12);
    const linked = buildSearchContext({ model, nodes, links: [{ fromId: 'copy-59', toId: 'copy-58', bandwidthBytesPerSecond: 1e6, latencyMs: 9 }] }, nodes);
    const keptLinked = keptNodeIndices(linked, 4).map((b) => nodes[b]!.id);
    expect(keptLinked).toContain('copy-59');
    expect(keptLinked).toContain('copy-58');
  });
});
