import { describe, expect, it } from 'vitest';
import { choosePlacement, placementChoiceOf, type PlacementSwarm } from '../../../src/plan/choose-placement';
import { planFixedSplit } from '../../../src/plan/fixed-split';
import { planPinned } from '../../../src/plan/pinned';
import { plan } from '../../../src/plan/planner';
import { syntheticMobileNetV2 } from '../../../src/plan/synthetic-model';
import { randomNodes } from './helpers';

const model = syntheticMobileNetV2();
const nodes = randomNodes(5, 12);
const swarm: PlacementSwarm = { model, nodes, nodeNames: new Map(nodes.map((n, k) => [n.id, `Page-${k}`])) };
const slicesOf = (r: ReturnType<typeof plan>) => (r.ok ? r.placement.pipelines.map((p) => p.slices.map((s) => `${s.sliceRange.join('-')}@${s.nodeId}`).join(' ')) : r.reason);

describe('choosePlacement', () => {
  it('runs the planner with mode, constraints and rate', () => {
    const r = choosePlacement(swarm, { placement: { kind: 'planner' }, mode: 'green', constraints: { latencyBudgetMs: 2000 }, requestsPerSecond: 'max' });
    const direct = plan({ model, nodes, mode: 'green', constraints: { latencyBudgetMs: 2000 }, requestsPerSecond: 'max' });
    expect(slicesOf(r)).toEqual(slicesOf(direct));
    expect(r.ok && r.placement.pipelines.length).toBeGreaterThan(1);
  });

  it('places k balanced slices on k nodes for a split, scored by the weights', () => {
    const weights = { latency: 0.2, energy: 0.3, carbon: 0.5 };
    const r = choosePlacement(swarm, { placement: { kind: 'split', stages: 3 }, weights });
    expect(slicesOf(r)).toEqual(slicesOf(planFixedSplit({ model, nodes, weights }, 3)));
    expect(r.ok && r.placement.pipelines[0]!.slices.length).toBe(3);
  });

  it('pins by node id or by a display name, in slice order', () => {
    const byId = choosePlacement(swarm, { placement: { kind: 'pinned', nodes: ['n3', 'n1'] } });
    const byName = choosePlacement(swarm, { placement: { kind: 'pinned', nodes: ['Page-3', 'Page-1'] } });
    expect(slicesOf(byName)).toEqual(slicesOf(byId));
    expect(slicesOf(byId)).toEqual(slicesOf(planPinned({ model, nodes }, ['n3', 'n1'])));
    expect(byId.ok && byId.placement.pipelines[0]!.slices.map((s) => s.nodeId)).toEqual(['n3', 'n1']);
  });

  it('says which pinned name is not ready, listing the ready ones, and refuses ambiguous names', () => {
    const r = choosePlacement(swarm, { placement: { kind: 'pinned', nodes: ['Page-9'] } });
    expect(r).toMatchObject({ ok: false, binding: 'input' });
    if (!r.ok) expect(r.reason).toBe('pinned node "Page-9" is not ready (ready: Page-0, Page-1, Page-2, Page-3, Page-4)');
    const twins = choosePlacement({ ...swarm, nodeNames: new Map([['n0', 'Twin'], ['n1', 'Twin']]) }, { placement: { kind: 'pinned', nodes: ['Twin'] } });
    expect(twins.ok).toBe(false);
    if (!twins.ok) expect(twins.reason).toMatch(/names 2 nodes \(n0, n1\)/);
  });

  it('maps legacy settings: pin wins over stages, stages over the planner', () => {
    expect(placementChoiceOf({ pin: ['a'], stages: 3 })).toEqual({ kind: 'pinned', nodes: ['a'] });
    expect(placementChoiceOf({ pin: [], stages: 3 })).toEqual({ kind: 'split', stages: 3 });
    expect(placementChoiceOf({ stages: 0 })).toEqual({ kind: 'planner' });
  });
});
